/* mounts.h: the jail's filesystem view (child side). */
#ifndef PJ_MOUNTS_H
#define PJ_MOUNTS_H

#include "err.h"
#include "jail.h"

/* Build the new root from the rootfs and pivot into it; on return the cwd is the
 * configured working directory inside and the host's tree is detached. */
int pj_mounts_setup(const struct pj_launch *l, struct pj_err *err);

/* pyjail serve: in a new mount namespace copied from a jail's, give it its own
 * /proc (for the new PID namespace, masked again), an empty /tmp and /dev/shm.
 * The rest of the view (read-only root, /dev, /sys) is the jail's, unchanged. */
int pj_mounts_renew(const struct pj_config *cfg, struct pj_err *err);

#endif
