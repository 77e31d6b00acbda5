/* jail.h: the parent's side of one run, and what it hands the child. */
#ifndef PJ_JAIL_H
#define PJ_JAIL_H

#include <stdbool.h>

#include "cgroup.h"
#include "plan.h"
#include "result.h"

/* Everything the parent opened for the child before clone (all O_CLOEXEC). */
struct pj_launch {
	const struct pj_plan *plan;
	int rootfs_fd;          /* O_PATH directory of the rootfs */
	int *bind_fds;          /* O_PATH per plan->binds entry */
	int sync_fd;            /* the child's end of the sync socket */
	int stdout_w, stderr_w; /* become the payload's fd 1 and 2 (-1: inherit) */
	int seccomp_fd;         /* memfd holding the BPF program, or -1 */
};

struct pj_jail;

/* Prepare and start a jail for plan: on return the child runs its setup.
 * res receives the limits report and the launch timeline. */
int pj_jail_start(const struct pj_plan *plan, struct pj_result *res, struct pj_jail **ret,
		  struct pj_err *err);
/* Supervise the jail until it is gone, filling res. */
int pj_jail_wait(struct pj_jail *j, struct pj_result *res, struct pj_err *err);
/* Remove what is left (cgroup, fds).  Called after the result was reported, so
 * cleanup is not between the program's end and its exit status.  Accepts NULL. */
void pj_jail_free(struct pj_jail *j);

#endif
