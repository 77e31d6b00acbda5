/* landlock.h: a second wall around the filesystem view (Landlock LSM). */
#ifndef PJ_LANDLOCK_H
#define PJ_LANDLOCK_H

#include "err.h"
#include "plan.h"

/* Payload, after pivot_root and no_new_privs, before seccomp: read and execute
 * anywhere in the jail's root, write only to /tmp, /dev/shm, /dev/null, /dev/zero,
 * /dev/full and the :rw binds.  Best effort by ABI version; *ret_abi gets the
 * ABI used, or 0 when the kernel has no Landlock (then nothing is done). */
int pj_landlock_apply(const struct pj_plan *plan, int *ret_abi, struct pj_err *err);
/* Landlock ABI version of the running kernel, 0 if none. */
int pj_landlock_abi(void);

#endif
