/* caps.h: leaving the jail's user namespace powerless. */
#ifndef PJ_CAPS_H
#define PJ_CAPS_H

#include <stdbool.h>

#include "err.h"

/* Clear the bounding and ambient sets and every capability set, lock the
 * securebits when the inside uid is 0, and set no_new_privs. */
int pj_caps_drop_all(bool inner_root, struct pj_err *err);

#endif
