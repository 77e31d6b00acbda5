/* jail.h: the parent's side of one run, and what it hands the child. */
#ifndef PJ_JAIL_H
#define PJ_JAIL_H

#include <sched.h>
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
	/* pyjail serve: the payload is the zygote (zygote.py), which gets this
	 * socket as fd 3; init becomes the keeper (keeper.c).  -1 otherwise. */
	int zygote_fd;
	/* The caller's CPUs, when there are several: the parent keeps the child
	 * off its own during setup (jail.c), and init gives itself the whole set
	 * back before the payload starts. */
	cpu_set_t cpus;
	bool cpus_spread;
	/* The child's, from sync #2: pyjail's own cgroups' tasks files (child.c
	 * init_leave), and whether init may report the payload's end and go. */
	int home_fds[PJ_CG_MAX_SELF];
	unsigned n_home;
	bool may_leave;
};

/* The pids limit of a cold-path jail, whose cgroup (or uid, for RLIMIT_NPROC)
 * also holds its init: one above the program's.  pyjail serve's request
 * cgroups hold no init and take the configured value. */
static inline uint64_t pj_jail_pids(const struct pj_config *c)
{
	return c->pids.value == PJ_UNLIMITED ? PJ_UNLIMITED : c->pids.value + 1;
}

struct pj_jail;

/* Prepare and start a jail for plan: on return the child runs its setup.
 * res receives the limits report and the launch timeline. */
int pj_jail_start(const struct pj_plan *plan, struct pj_result *res, struct pj_jail **ret,
		  struct pj_err *err);
/* pyjail serve: start the zygote jail for plan (its program is the zygote's
 * interpreter), handing zygote_fd to the interpreter as fd 3.  The caller talks to
 * the keeper over pj_jail_sync_fd() and drains pj_jail_output_fds(). */
int pj_jail_start_zygote(const struct pj_plan *plan, int zygote_fd, struct pj_result *res,
			 struct pj_jail **ret, struct pj_err *err);
int pj_jail_sync_fd(const struct pj_jail *j);
int pj_jail_pidfd(const struct pj_jail *j);
/* The read ends of the payload's stdout and stderr. */
void pj_jail_output_fds(const struct pj_jail *j, int *ret_out, int *ret_err);
/* In a forked copy of the process: close the jail's fds and free it, leaving the
 * jail and its cgroup to the process that started it. */
void pj_jail_forget(struct pj_jail *j);
/* The record's "limits" and "cgroup": each value and what enforces it here. */
void pj_jail_report_limits(const struct pj_plan *p, const struct pj_cgroup *cg,
			   struct pj_result *res);
/* pyjail serve: watch the client's connection while supervising (supervisor.h). */
void pj_jail_set_ctl(struct pj_jail *j, int fd, int (*on_ctl)(void *arg), void *arg);
/* Supervise the jail until it is gone, filling res. */
int pj_jail_wait(struct pj_jail *j, struct pj_result *res, struct pj_err *err);
/* Remove what is left (cgroup, fds).  Called after the result was reported, so
 * cleanup is not between the program's end and its exit status.  Accepts NULL. */
void pj_jail_free(struct pj_jail *j);

#endif
