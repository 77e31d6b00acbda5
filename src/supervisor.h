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
	/* pyjail serve.  A prepared jail's payload is not our child: its end is
	 * its status on sync_fd (or that socket's EOF), pidfd is -1, signals go to
	 * sig_pidfd, and ns_pidfd (the jail's init) is killed to end everything
	 * else once the status is in or a limit strikes.  -1 / false on the cold
	 * path. */
	bool foreign;
	int sig_pidfd, ns_pidfd;
	int notify_fd; /* a seccomp listener known in advance */
	/* The client's connection: on_ctl returns a signal to forward, 0, or -1 when
	 * the client is gone (the jail is killed).  ctl_fd -1: none. */
	int ctl_fd;
	int (*on_ctl)(void *arg);
	void *ctl_arg;
	/* Nobody reads the counters of a run that ended well (no record): read the
	 * cgroup's only when the program failed, where they explain why. */
	bool counters_if_failed;
};

/* Run until the jail is gone; fill res.  Returns 0, or -errno if supervision
 * itself failed (the jail is killed then). */
int pj_supervise(struct pj_watch *w, struct pj_result *res, struct pj_err *err);

#endif
