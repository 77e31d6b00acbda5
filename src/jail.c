/* jail.c: the parent's side of one run, as a list of steps.
 *
 * What the child's setup needs (rootfs, script, binds) is opened before clone,
 * so the child is a short list of syscalls.  Then: clone3 into new user and PID
 * namespaces, id maps, sync #1; while the child builds its view, the host-uid
 * check, the seccomp program and the cgroup; sync #2 hands them over; supervise,
 * report, clean up. */
#include "jail.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "child.h"
#include "compat.h"
#include "net.h"
#include "result.h"
#include "seccomp.h"
#include "supervisor.h"
#include "sync.h"
#include "userns.h"
#include "util.h"

/* Only the user and PID namespaces come with clone3: the child unshares the
 * others itself (child.c), on the other CPU, while we write its id maps and
 * make its cgroup. */
#define PJ_NS_FLAGS (CLONE_NEWUSER | CLONE_NEWPID)

#define PJ_ROOTFS_MARKER "etc/pyjail-rootfs"

/* The rootfs must be a directory built by pyjail-mkrootfs, holding the program. */
static int open_rootfs(const struct pj_plan *p, struct pj_err *err)
{
	const char *path = p->cfg->rootfs;
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int probe;

	if (fd < 0)
		return pj_fail(err, errno,
			       "rootfs '%s' (build it with 'make rootfs' or "
			       "pyjail-mkrootfs, or pass --rootfs DIR)",
			       path);
	probe = pj_open_in_root(fd, PJ_ROOTFS_MARKER, O_PATH);
	if (probe < 0) {
		close(fd);
		return pj_fail(err, 0,
			       "'%s' is not a pyjail rootfs (no /%s; build one with "
			       "pyjail-mkrootfs)",
			       path, PJ_ROOTFS_MARKER);
	}
	close(probe);
	if (!p->exec_search) {
		probe = pj_open_in_root(fd, p->exec_path, O_PATH);
		if (probe < 0) {
			close(fd);
			return pj_fail(err, -probe, "'%s' in rootfs '%s'", p->exec_path, path);
		}
		close(probe);
	}
	return fd;
}

/* Bind sources (and the script) are opened now, by the caller's rights.  As
 * root they are cloned into detached mounts that the child moves into place:
 * the jail runs as host_uid and could not even reach a source below /root. */
static int open_source(const struct pj_plan *p, const char *src, bool script)
{
	if (p->as_root)
		return (int)syscall(SYS_open_tree, AT_FDCWD, src,
				    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	return open(src, (script ? O_RDONLY : O_PATH) | O_CLOEXEC);
}

static int open_binds(const struct pj_plan *p, int *fds, struct pj_err *err)
{
	for (unsigned i = 0; i < p->n_binds; i++) {
		bool script = p->has_script && i == p->n_binds - 1;
		struct stat st;
		fds[i] = open_source(p, p->binds[i].src, script);
		if (fds[i] < 0)
			return pj_fail(err, errno, "%s '%s'", script ? "script" : "bind source",
				       p->binds[i].src);
		if (script && (fstat(fds[i], &st) < 0 || !S_ISREG(st.st_mode)))
			return pj_fail(err, 0, "script '%s' is not a regular file",
				       p->binds[i].src);
	}
	return 0;
}

/* As root, the jail must land on an account nobody logs in with. */
static int check_host_ids(const struct pj_plan *p, struct pj_err *err)
{
	struct passwd *pw;

	if (!p->as_root)
		return 0;
	pw = getpwuid(p->outer_uid);
	if (pw && pw->pw_shell && !strstr(pw->pw_shell, "nologin") &&
	    !strstr(pw->pw_shell, "/false") && pw->pw_shell[0])
		return pj_fail(err, 0,
			       "host_uid %u is the login account '%s': choose an unused uid",
			       p->outer_uid, pw->pw_name);
	return 0;
}

/* The record's "limits": each value and what really enforces it on this host. */
void pj_jail_report_limits(const struct pj_plan *p, const struct pj_cgroup *cg,
			   struct pj_result *res)
{
	const struct pj_config *c = p->cfg;
	const char *cgm = pj_cgroup_enforcer(cg, "memory"), *cgp = pj_cgroup_enforcer(cg, "pids");
	const char *cgc = pj_cgroup_enforcer(cg, "cpu_time"),
		   *cgq = pj_cgroup_enforcer(cg, "cpu_quota");
	const struct {
		const char *name;
		const struct pj_limit *lim;
		int kind; /* 0 count/bytes, 1 µs -> seconds, 2 millionths -> fraction */
		const char *by;
	} t[PJ_NLIMITS] = {
		{ "memory", &c->memory, 0, cgm ? cgm : "rlimit" },
		{ "pids", &c->pids, 0, cgp ? cgp : "rlimit" },
		{ "cpu_time", &c->cpu_time, 1, cgc ? cgc : "rlimit" },
		{ "cpu_quota", &c->cpu_quota, 2, cgq ? cgq : "none" },
		{ "wall_time", &c->wall_time, 1, "supervisor" },
		{ "output", &c->output, 0, "supervisor" },
		{ "file_size", &c->file_size, 0, "rlimit" },
		{ "tmp_size", &c->tmp_size, 0, "supervisor" },
		{ "open_files", &c->open_files, 0, "rlimit" },
	};

	for (int i = 0; i < PJ_NLIMITS; i++) {
		struct pj_limit_report *l = &res->limits[i];
		uint64_t v = t[i].lim->value;
		l->name = t[i].name;
		l->enforced_by = v == PJ_UNLIMITED ? "none" : t[i].by;
		if (v == PJ_UNLIMITED)
			snprintf(l->value, sizeof(l->value), "null");
		else if (t[i].kind == 0)
			snprintf(l->value, sizeof(l->value), "%llu", (unsigned long long)v);
		else
			snprintf(l->value, sizeof(l->value), "%llu.%06llu",
				 (unsigned long long)(v / 1000000),
				 (unsigned long long)(v % 1000000));
	}
	snprintf(res->cgroup, sizeof(res->cgroup), "%s", cg ? cg->ops->name : "none");
}

struct run {
	struct pj_launch l;
	int sync[2], out[2], err[2];
	int pidfd;
	struct pj_cgroup *cg;
	bool lo_up; /* we brought up the jail's loopback */
	unsigned long long t_start;
	int ctl_fd; /* pyjail serve's cold path: the client */
	int (*on_ctl)(void *arg);
	void *ctl_arg;
};

static void run_close(struct run *r)
{
	int *fds[] = { &r->sync[0], &r->sync[1], &r->out[0],      &r->out[1],      &r->err[0],
		       &r->err[1],  &r->pidfd,   &r->l.rootfs_fd, &r->l.seccomp_fd };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	for (unsigned i = 0; r->l.bind_fds && i < r->l.plan->n_binds; i++)
		if (r->l.bind_fds[i] >= 0)
			close(r->l.bind_fds[i]);
	free(r->l.bind_fds);
	r->l.bind_fds = NULL;
}

/* pids counts the program's processes and threads, not the init beside them. */
static int jail_cgroup_setup(const struct pj_plan *p, struct pj_cgroup **ret, struct pj_err *err)
{
	struct pj_config c = *p->cfg;

	c.pids.value = pj_jail_pids(p->cfg);
	return pj_cgroup_setup(&c, ret, err);
}

static int prepare(struct run *r, const struct pj_plan *p, struct pj_err *err)
{
	int ret;

	r->l.rootfs_fd = open_rootfs(p, err);
	if (r->l.rootfs_fd < 0)
		return r->l.rootfs_fd;
	r->l.bind_fds = malloc((p->n_binds + 1) * sizeof(int));
	if (!r->l.bind_fds)
		return pj_fail(err, ENOMEM, "binds");
	for (unsigned i = 0; i < p->n_binds; i++)
		r->l.bind_fds[i] = -1;
	ret = open_binds(p, r->l.bind_fds, err);
	/* Only a cgroup the child is cloned into must exist before clone; any other
	 * is made while the child sets itself up (launch()). */
	if (ret >= 0 && pj_cgroup_before_clone())
		ret = jail_cgroup_setup(p, &r->cg, err);
	if (ret < 0)
		return ret;
	if (pj_sync_open(r->sync, err) < 0)
		return -errno;
	if (pipe2(r->out, O_CLOEXEC) < 0 || pipe2(r->err, O_CLOEXEC) < 0)
		return pj_fail(err, errno, "pipe");
	r->l.sync_fd = r->sync[1];
	r->l.stdout_w = r->out[1];
	r->l.stderr_w = r->err[1];
	return 0;
}

static int clone_error(int e, struct pj_err *err)
{
	if (e == EPERM || e == ENOSPC || e == EUSERS)
		return pj_fail(err, e,
			       "cannot create the jail's namespaces (run 'pyjail check': user "
			       "namespaces may be disabled or exhausted)");
	return pj_fail(err, e, "clone3");
}

static int clone_jail(struct run *r, struct pj_err *err)
{
	struct clone_args args = { .flags = PJ_NS_FLAGS | CLONE_PIDFD,
				   .pidfd = (uintptr_t)&r->pidfd,
				   .exit_signal = SIGCHLD };
	long pid;

	if (r->cg && r->cg->clone_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)r->cg->clone_fd;
	}
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return clone_error(errno, err);
	if (pid == 0) {
		close(r->sync[0]);
		close(r->out[0]);
		close(r->err[0]);
		pj_child_main(&r->l);
	}
	close(r->sync[1]);
	close(r->out[1]);
	close(r->err[1]);
	r->sync[1] = r->out[1] = r->err[1] = -1;
	return (int)pid;
}

/* Block the signals the supervisor takes through its signalfd, before clone, so
 * none is lost; init and the payload restore their own masks. */
static void block_supervised_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* sync #2: the cgroup is ready.  The child gets the seccomp program, the v1
 * tasks files to join by itself (pj_cgroup_join_self), those to leave by at the
 * end (not pyjail serve's keeper: it stays), and which limits its rlimits must
 * stand in for. */
_Static_assert(1 + 2 * PJ_CG_MAX_SELF <= PJ_SYNC_MAX_FDS, "sync #2 carries all its fds");

static int release(struct run *r)
{
	struct pj_msg go = { .type = PJ_MSG_GO };
	bool leave = r->cg->init_may_leave && r->l.zygote_fd < 0;
	int fds[1 + 2 * PJ_CG_MAX_SELF];
	unsigned n = 0;

	if (r->lo_up)
		go.value |= PJ_GO_LOOPBACK;
	if (r->l.seccomp_fd >= 0) {
		go.value |= PJ_GO_SECCOMP;
		fds[n++] = r->l.seccomp_fd;
	}
	if (!pj_cgroup_enforcer(r->cg, "memory"))
		go.value |= PJ_FALLBACK_MEMORY;
	if (!pj_cgroup_enforcer(r->cg, "pids"))
		go.value |= PJ_FALLBACK_PIDS;
	if (!pj_cgroup_enforcer(r->cg, "cpu_time"))
		go.value |= PJ_FALLBACK_CPU;
	for (int i = 0; i < PJ_CG_MAX_SELF; i++)
		if (r->cg->self_fds[i] >= 0)
			fds[n++] = r->cg->self_fds[i];
	if (leave) {
		go.value |= PJ_GO_LEAVE;
		for (int i = 0; i < PJ_CG_MAX_SELF; i++)
			if (r->cg->self_fds[i] >= 0)
				fds[n++] = r->cg->home_fds[i];
	}
	return pj_sync_sendv(r->sync[0], &go, fds, n);
}

/* A new task starts on its parent's CPU, and here it mostly runs first: its
 * unshare (a network namespace: half a millisecond) would hold our CPU while
 * the other idles.  The child therefore waits for sync #0 before anything else,
 * and we send it to the caller's other CPUs meanwhile, if there are any; init
 * gives itself the caller's set back before the payload starts (child.c). */
static void move_off_our_cpu(const struct run *r, pid_t pid)
{
	cpu_set_t set = r->l.cpus;
	int cpu = sched_getcpu();

	if (!r->l.cpus_spread || cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &set))
		return;
	CPU_CLR(cpu, &set);
	(void)sched_setaffinity(pid, sizeof(set), &set);
}

/* The maps cannot be written to a child that died: say why it did, if it said. */
static void prefer_child_error(int sync_fd, struct pj_err *err)
{
	struct pollfd p = { .fd = sync_fd, .events = POLLIN };
	struct pj_msg m;

	if (poll(&p, 1, 0) == 1 && pj_sync_recv(sync_fd, &m, NULL) == 1 && m.type == PJ_MSG_ERROR)
		*err = m.err;
}

static int launch(struct run *r, const struct pj_plan *p, struct pj_result *res, struct pj_err *err)
{
	struct pj_msg go = { .type = PJ_MSG_GO };
	int pid, ret;

	block_supervised_signals();
	r->l.cpus_spread = sched_getaffinity(0, sizeof(r->l.cpus), &r->l.cpus) == 0 &&
			   CPU_COUNT(&r->l.cpus) > 1;
	r->t_start = pj_now_ns();
	pid = clone_jail(r, err);
	if (pid < 0)
		return pid;
	res->t[PJ_T_CLONED] = pj_now_ns();
	move_off_our_cpu(r, pid);
	/* sync #0: moved; the child unshares while we write its id maps */
	(void)pj_sync_send(r->sync[0], &go, -1);
	ret = pj_userns_write_maps(pid, p, err);
	if (ret < 0)
		prefer_child_error(r->sync[0], err);
	/* sync #1 */
	if (ret >= 0)
		(void)pj_sync_send(r->sync[0], &go, -1);
	res->t[PJ_T_GO] = pj_now_ns();
	/* The child unshares and builds its view meanwhile, on the other CPU: what
	 * it needs only for the payload is checked and made now.  It must be in the
	 * cgroup before the payload starts, not before its setup does. */
	if (ret >= 0)
		ret = check_host_ids(p, err);
	if (ret >= 0)
		ret = pj_seccomp_compile(p->cfg, &r->l.seccomp_fd, err);
	if (ret >= 0 && !r->cg) {
		ret = jail_cgroup_setup(p, &r->cg, err);
		if (ret >= 0)
			ret = pj_cgroup_attach(r->cg, pid, err);
	}
	/* By now the child has mostly made its network namespace, and we are
	 * early: take loopback off its path. */
	if (ret >= 0 && p->as_root) {
		int up = pj_net_setup_loopback_of(pid, err);
		r->lo_up = up > 0;
		ret = up < 0 ? up : 0;
	}
	if (ret < 0) {
		syscall(SYS_pidfd_send_signal, r->pidfd, SIGKILL, NULL, 0);
		waitpid(pid, NULL, 0);
		return ret;
	}
	pj_jail_report_limits(p, r->cg, res);
	/* A child that already failed has closed its end: its error message is
	 * waiting on the socket for the supervisor. */
	(void)release(r);
	res->t[PJ_T_RELEASED] = pj_now_ns();
	return 0;
}

static int start(const struct pj_plan *p, int zygote_fd, struct pj_result *res,
		 struct pj_jail **ret, struct pj_err *err)
{
	struct run *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return pj_fail(err, ENOMEM, "jail");
	*r = (struct run){
		.l = { .plan = p, .rootfs_fd = -1, .seccomp_fd = -1, .zygote_fd = zygote_fd },
		.sync = { -1, -1 },
		.out = { -1, -1 },
		.err = { -1, -1 },
		.pidfd = -1,
		.ctl_fd = -1
	};
	rc = prepare(r, p, err);
	res->t[PJ_T_PREPARED] = pj_now_ns();
	if (rc >= 0)
		rc = launch(r, p, res, err);
	if (rc < 0) {
		pj_jail_free((struct pj_jail *)r);
		return rc;
	}
	*ret = (struct pj_jail *)r;
	return 0;
}

int pj_jail_start(const struct pj_plan *p, struct pj_result *res, struct pj_jail **ret,
		  struct pj_err *err)
{
	return start(p, -1, res, ret, err);
}

int pj_jail_start_zygote(const struct pj_plan *p, int zygote_fd, struct pj_result *res,
			 struct pj_jail **ret, struct pj_err *err)
{
	return start(p, zygote_fd, res, ret, err);
}

int pj_jail_sync_fd(const struct pj_jail *j)
{
	return ((const struct run *)j)->sync[0];
}

int pj_jail_pidfd(const struct pj_jail *j)
{
	return ((const struct run *)j)->pidfd;
}

void pj_jail_output_fds(const struct pj_jail *j, int *ret_out, int *ret_err)
{
	*ret_out = ((const struct run *)j)->out[0];
	*ret_err = ((const struct run *)j)->err[0];
}

int pj_jail_wait(struct pj_jail *j, struct pj_result *res, struct pj_err *err)
{
	struct run *r = (struct run *)j;
	struct pj_watch w = { .plan = r->l.plan,
			      .cg = r->cg,
			      .pidfd = r->pidfd,
			      .sync_fd = r->sync[0],
			      .t_start = r->t_start,
			      .sig_pidfd = -1,
			      .ns_pidfd = -1,
			      .notify_fd = -1,
			      .ctl_fd = r->ctl_fd,
			      .on_ctl = r->on_ctl,
			      .ctl_arg = r->ctl_arg,
			      /* no record to write (pyjail serve always sends one) */
			      .counters_if_failed = r->ctl_fd < 0 && !r->l.plan->json &&
						    !r->l.plan->result_path };

	w.out_r = TAKE_FD(r->out[0]);
	w.err_r = TAKE_FD(r->err[0]);
	return pj_supervise(&w, res, err);
}

void pj_jail_free(struct pj_jail *j)
{
	struct run *r = (struct run *)j;

	if (!r)
		return;
	run_close(r);
	pj_cgroup_destroy(r->cg);
	free(r);
}

void pj_jail_forget(struct pj_jail *j)
{
	struct run *r = (struct run *)j;

	if (!r)
		return;
	run_close(r);
	pj_cgroup_release(r->cg);
	free(r);
}

void pj_jail_set_ctl(struct pj_jail *j, int fd, int (*on_ctl)(void *arg), void *arg)
{
	struct run *r = (struct run *)j;

	r->ctl_fd = fd;
	r->on_ctl = on_ctl;
	r->ctl_arg = arg;
}
