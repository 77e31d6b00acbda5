/* landlock.h: a second wall around the filesystem view (Landlock LSM). */
#ifndef PJ_LANDLOCK_H
#define PJ_LANDLOCK_H

#include <stdint.h>

#include "err.h"
#include "plan.h"

/* Payload, after pivot_root and no_new_privs, before seccomp: read and execute
 * anywhere in the jail's root, write only to /tmp, /dev/shm, /dev/null, /dev/zero,
 * /dev/full and the :rw binds.  Best effort by ABI version; *ret_abi gets the
 * ABI used, or 0 when the kernel has no Landlock (then nothing is done). */
int pj_landlock_apply(const struct pj_plan *plan, int *ret_abi, struct pj_err *err);
/* Landlock ABI version of the running kernel, 0 if none. */
int pj_landlock_abi(void);

/* The rules pj_landlock_apply adds (path, rights before masking by what the
 * kernel handles), for pyjail serve, whose interpreter applies them itself. */
typedef void (*pj_landlock_rule_fn)(void *arg, const char *path, uint64_t rights);
void pj_landlock_rules(const struct pj_plan *plan, pj_landlock_rule_fn fn, void *arg);
uint64_t pj_landlock_handled(int abi);
uint64_t pj_landlock_scoped(int abi);
/* The rights a rule on a file (not a directory) may carry. */
uint64_t pj_landlock_file_rights(void);

#endif
