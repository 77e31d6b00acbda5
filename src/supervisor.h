/* supervisor.h: the parent's poll loop while the jail runs. */
#ifndef PJ_SUPERVISOR_H
#define PJ_SUPERVISOR_H

#include <sys/types.h>

#include "cgroup.h"
#include "plan.h"
#include "result.h"

struct pj_watch {
	const struct pj_plan *plan;
	struct pj_cgroup *cg;
	int pidfd;                  /* the jail's init */
	int sync_fd;                /* parent's end */
	int out_r, err_r;           /* the payload's stdout and stderr */
	unsigned long long t_start; /* pj_now_ns() at clone */
};

/* Run until the jail is gone; fill res.  Returns 0, or -errno if supervision
 * itself failed (the jail is killed then). */
int pj_supervise(struct pj_watch *w, struct pj_result *res, struct pj_err *err);

#endif
