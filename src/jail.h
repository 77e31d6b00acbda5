/* jail.h: the parent's side of one run, and what it hands the child. */
#ifndef PJ_JAIL_H
#define PJ_JAIL_H

#include <stdbool.h>

#include "plan.h"
#include "result.h"

/* Everything the parent opened for the child before clone (all O_CLOEXEC). */
struct pj_launch {
	const struct pj_plan *plan;
	int rootfs_fd;      /* O_PATH directory of the rootfs */
	int *bind_fds;      /* O_PATH per plan->binds entry */
	int sync_fd;        /* the child's end of the sync socket */
	int stdout_w, stderr_w; /* become the payload's fd 1 and 2 (-1: inherit) */
	int seccomp_fd;     /* memfd holding the BPF program, or -1 */
	bool rlimit_memory, rlimit_pids, rlimit_cpu; /* cgroup absent: rlimits stand in */
};

/* Run plan in a new jail and supervise it until it is gone, filling res.
 * Returns 0, or -errno with err filled when pyjail could not set the jail up. */
int pj_jail_run(const struct pj_plan *plan, struct pj_result *res, struct pj_err *err);

#endif
