/* mounts.h: the jail's filesystem view (child side). */
#ifndef PJ_MOUNTS_H
#define PJ_MOUNTS_H

#include "err.h"
#include "jail.h"

/* Build the new root from the rootfs and pivot into it; on return the cwd is the
 * configured working directory inside and the host's tree is detached. */
int pj_mounts_setup(const struct pj_launch *l, struct pj_err *err);

#endif
