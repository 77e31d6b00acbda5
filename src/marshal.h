/* marshal.h: a JSON value as Python's marshal.loads reads it (zygote.py). */
#ifndef PJ_MARSHAL_H
#define PJ_MARSHAL_H

#include <jansson.h>
#include <stddef.h>

/* *ret (malloc'd, *len bytes): v in marshal format; -ENOMEM, or -ELOOP when
 * nested deeper than 64. */
int pj_marshal_dump(const json_t *v, char **ret, size_t *len);

#endif
