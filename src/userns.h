/* userns.h: the id maps of the jail's user namespace (parent side). */
#ifndef PJ_USERNS_H
#define PJ_USERNS_H

#include <sys/types.h>

#include "err.h"
#include "plan.h"

/* Write setgroups (deny, when unprivileged), gid_map and uid_map of pid. */
int pj_userns_write_maps(pid_t pid, const struct pj_plan *plan, struct pj_err *err);
/* Child: become the inside uid/gid while keeping capabilities in the namespace,
 * and drop supplementary groups where the kernel lets us. */
int pj_userns_enter_ids(const struct pj_plan *plan, struct pj_err *err);

#endif
