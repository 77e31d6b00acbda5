/* child.c: everything that happens inside the new namespaces, in order.
 *
 * PID 1 waits to be moved to another CPU (sync #0), unshares its namespaces,
 * waits for its id maps (sync #1), becomes the inside user, builds the
 * filesystem view, waits for its cgroup and seccomp program (sync #2), joins
 * the cgroup, brings up loopback unless pyjail did, sets rlimits, drops every
 * capability, then vforks the payload and stays behind as a small init: it
 * reaps, forwards signals and reports the payload's exec (sync #3) and wait
 * status (sync #4).  When the payload ends, init exits and the kernel kills
 * whatever is left in the PID namespace; if nothing is, init first goes back to
 * pyjail's cgroups (init_leave) so that pyjail need not wait for its exit.
 * Never writes to fd 2: that is the payload's stderr; errors go up the sync
 * socket.  The only file allowed to call _exit(). */
#include "child.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "keeper.h"
#include "landlock.h"
#include "mounts.h"
#include "net.h"
#include "seccomp.h"
#include "sync.h"
#include "userns.h"
#include "util.h"

static __attribute__((noreturn)) void die(int sync_fd, const struct pj_err *err, enum pj_stage st)
{
	struct pj_err e = *err;

	e.stage = st;
	(void)pj_sync_send_error(sync_fd, &e);
	_exit(PJ_EXIT_SETUP);
}

/* Lower a limit; "unlimited" leaves the inherited one (raising it past the hard
 * limit is refused to an ordinary user). */
static int set_rlimit(int res, uint64_t v, const char *name, struct pj_err *err)
{
	struct rlimit rl = { v, v };

	if (v == PJ_UNLIMITED)
		return 0;
	if (setrlimit(res, &rl) < 0)
		return pj_fail(err, errno, "setrlimit %s", name);
	return 0;
}

/* sync #2: the parent made the jail's cgroup and loaded the seccomp program
 * meanwhile.  Take the program, join the cgroup (v1: by writing our own "0" into
 * the tasks files it passed) and keep the way back out for init (PJ_GO_LEAVE),
 * then root a cgroup namespace there: /proc/self/cgroup no longer shows the
 * host's cgroup names, pyjail's pid among them.  Returns the PJ_FALLBACK_* bits. */
static int enter_cgroup(struct pj_launch *l)
{
	struct pj_err err = { 0 };
	struct pj_msg m;
	int fds[PJ_SYNC_MAX_FDS], r;
	unsigned n, first = 0, join;

	if (pj_sync_recvv(l->sync_fd, &m, fds, PJ_SYNC_MAX_FDS, &n) != 1 || m.type != PJ_MSG_GO)
		_exit(PJ_EXIT_SETUP);
	if (m.value & PJ_GO_SECCOMP) {
		if (n == 0)
			_exit(PJ_EXIT_SETUP);
		l->seccomp_fd = fds[first++];
	}
	join = n - first;
	if (m.value & PJ_GO_LEAVE) {
		join /= 2;
		l->may_leave = true;
		l->n_home = join;
		memcpy(l->home_fds, fds + first + join, join * sizeof(int));
	}
	r = pj_cgroup_join_self(fds + first, join, &err);
	for (unsigned i = first; i < first + join; i++)
		close(fds[i]);
	if (r < 0)
		die(l->sync_fd, &err, PJ_STAGE_CGROUP);
	if (unshare(CLONE_NEWCGROUP) < 0)
		die(l->sync_fd, (pj_fail(&err, errno, "unshare cgroup namespace"), &err),
		    PJ_STAGE_CGROUP);
	return m.value;
}

/* Per-process limits; where no cgroup enforces memory, pids or CPU time, the
 * rlimits stand in for them (the record then says "rlimit"). */
static int setup_rlimits(const struct pj_launch *l, int fallback, struct pj_err *err)
{
	const struct pj_config *c = l->plan->cfg;
	uint64_t cpu = c->cpu_time.value;
	int r = set_rlimit(RLIMIT_CORE, 0, "core", err);

	if (r >= 0)
		r = set_rlimit(RLIMIT_FSIZE, c->file_size.value, "file_size", err);
	if (r >= 0)
		r = set_rlimit(RLIMIT_NOFILE, c->open_files.value, "open_files", err);
	if (r >= 0 && (fallback & PJ_FALLBACK_MEMORY))
		r = set_rlimit(RLIMIT_AS, c->memory.value, "memory", err);
	if (r >= 0 && (fallback & PJ_FALLBACK_PIDS))
		r = set_rlimit(RLIMIT_NPROC, pj_jail_pids(c), "pids", err);
	/* Per process, CPU time is a backstop even with a cgroup: round up a second. */
	if (r >= 0 && cpu != PJ_UNLIMITED) {
		rlim_t secs = (cpu + 999999) / 1000000 + ((fallback & PJ_FALLBACK_CPU) ? 0 : 1);
		struct rlimit rl = { secs, secs + 1 }; /* SIGXCPU first, SIGKILL a second later */
		if (setrlimit(RLIMIT_CPU, &rl) < 0)
			r = pj_fail(err, errno, "setrlimit cpu_time");
	}
	return r;
}

/* Signals init forwards to the payload.  PID 1 only receives signals it has a
 * handler for, so each gets a no-op handler and is then taken with sigwaitinfo. */
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM };

static void noop(int sig)
{
}

static void block_signals(sigset_t *ret)
{
	struct sigaction sa = { .sa_handler = noop };

	sigemptyset(ret);
	sigaddset(ret, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++) {
		sigaddset(ret, forwarded[i]);
		sigaction(forwarded[i], &sa, NULL);
	}
	sigprocmask(SIG_BLOCK, ret, NULL);
}

static void reset_signals(void)
{
	sigset_t none;

	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		signal(forwarded[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* pyjail serve's zygote: the interpreter gets its channel to the server as fd 3
 * and keeps the ambient capabilities it needs to join prepared jails; Landlock
 * and seccomp come per request, in each fork (zygote.py). */
static __attribute__((noreturn)) void zygote_exec(const struct pj_launch *l, int status_w)
{
	const struct pj_plan *p = l->plan;
	int e;

	if (l->zygote_fd == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(l->zygote_fd, 3) < 0)
		goto fail;
	environ = p->envp;
	execve(p->exec_path, p->argv, p->envp);
fail:
	e = errno;
	(void)pj_write_all(status_w, &e, sizeof(e));
	_exit(127);
}

/* The payload: fds 1 and 2 from the parent's pipes, nothing else open at exec,
 * the seccomp filter last, then execve.  On failure the errno goes to init. */
static __attribute__((noreturn)) void payload(const struct pj_launch *l, int status_w)
{
	const struct pj_plan *p = l->plan;
	struct pj_err err = { 0 };
	int notify = -1, landlock_abi, e;

	reset_signals();
	if ((l->stdout_w >= 0 && dup2(l->stdout_w, 1) < 0) ||
	    (l->stderr_w >= 0 && dup2(l->stderr_w, 2) < 0))
		goto fail;
	/* Everything above 2 is closed at exec, whatever pyjail forgot. */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		goto fail;
	if (l->zygote_fd >= 0)
		zygote_exec(l, status_w);
	/* After no_new_privs (caps.c), before seccomp, whose list lacks Landlock's calls. */
	if (pj_landlock_apply(p, &landlock_abi, &err) < 0) {
		errno = err.code ? err.code : EPERM;
		goto fail;
	}
	if (l->seccomp_fd >= 0) {
		if (pj_seccomp_install(l->seccomp_fd, &notify, &err) < 0) {
			errno = err.code ? err.code : EPERM;
			goto fail;
		}
		if (notify >= 0) {
			struct pj_msg m = { .type = PJ_MSG_NOTIFY_FD };
			(void)pj_sync_send(l->sync_fd, &m, notify);
			close(notify);
		}
	}
	/* execvpe searches getenv("PATH"), not envp's PATH: make it the jail's,
	 * or run would search the caller's PATH (as root, dirs like /root/bin). */
	environ = p->envp;
	if (p->exec_search)
		execvpe(p->exec_path, p->argv, p->envp);
	else
		execve(p->exec_path, p->argv, p->envp);
fail:
	e = errno;
	(void)pj_write_all(status_w, &e, sizeof(e));
	_exit(127);
}

/* sync #3: EOF on the status pipe means execve succeeded. */
static void report_exec(const struct pj_launch *l, int status_r)
{
	struct pj_msg m = { .type = PJ_MSG_RUNNING };
	int e = 0;
	ssize_t n;

	do
		n = read(status_r, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(status_r);
	if (n == (ssize_t)sizeof(e)) {
		m.type = PJ_MSG_ERROR;
		pj_fail(&m.err, e, "cannot execute '%s'", l->plan->exec_path);
		m.err.stage = PJ_STAGE_EXEC;
	}
	(void)pj_sync_send(l->sync_fd, &m, -1);
}

/* The payload is gone.  If nothing else of the jail is (every orphan is
 * reparented to init: no child left means no process left), init goes back to
 * the cgroups it was born in and says so with the payload's status, which it
 * sends with the CPU time and memory of everything it reaped.  pyjail may then
 * remove the jail's cgroups and return at once, while init's exit tears the
 * namespaces down.  Otherwise init's exit kills what is left and pyjail waits
 * for it, as when init is killed. */
static unsigned long long tv_us(struct timeval tv)
{
	return (unsigned long long)tv.tv_sec * 1000000ULL + (unsigned long long)tv.tv_usec;
}

static void init_leave(const struct pj_launch *l, struct pj_msg *m)
{
	struct rusage ru;
	pid_t r;

	while ((r = waitpid(-1, NULL, WNOHANG | __WALL)) > 0)
		;
	if (!l->may_leave || r == 0 || errno != ECHILD)
		return;
	for (unsigned i = 0; i < l->n_home; i++)
		if (pwrite(l->home_fds[i], "0", 1, 0) != 1)
			return;
	if (getrusage(RUSAGE_CHILDREN, &ru) < 0)
		return;
	m->t[PJ_STATUS_T_FLAGS] |= PJ_STATUS_LEFT;
	m->t[PJ_STATUS_T_UTIME_US] = tv_us(ru.ru_utime);
	m->t[PJ_STATUS_T_STIME_US] = tv_us(ru.ru_stime);
	m->t[PJ_STATUS_T_MAXRSS_KB] = (unsigned long long)ru.ru_maxrss;
}

/* Reap everything; forward signals; sync #4 when the payload is gone. */
static __attribute__((noreturn)) void init_loop(const struct pj_launch *l, pid_t pid,
						const sigset_t *set)
{
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(set, &si), status;
		pid_t dead;

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(pid, sig);
			continue;
		}
		while ((dead = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
			if (dead == pid) {
				struct pj_msg m = { .type = PJ_MSG_STATUS, .value = status };
				init_leave(l, &m);
				(void)pj_sync_send(l->sync_fd, &m, -1);
				_exit(0);
			}
		}
	}
}

/* vfork: no copy of our address space to make, and none to tear down at
 * execve.  We wait in vfork until the payload has exec'd or failed; meanwhile it
 * writes only its own stack frames, below ours, and its own task's state (so
 * vfork must be called right here, in run_init, which the payload never
 * returns to).  Under AddressSanitizer, fork: its vfork interceptor maps memory,
 * which the jail's RLIMIT_AS (where it stands in for a memory cgroup) refuses. */
#ifdef __SANITIZE_ADDRESS__
#define PJ_SPAWN fork
#else
#define PJ_SPAWN vfork
#endif

static __attribute__((noreturn)) void run_init(const struct pj_launch *l)
{
	struct pj_err err = { 0 };
	sigset_t set;
	int pipefd[2];
	pid_t pid;

	block_signals(&set);
	/* Setup is over: the payload may run wherever pyjail's caller may. */
	if (l->cpus_spread)
		(void)sched_setaffinity(0, sizeof(l->cpus), &l->cpus);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		die(l->sync_fd, (pj_fail(&err, errno, "pipe"), &err), PJ_STAGE_EXEC);
	pid = PJ_SPAWN();
	if (pid < 0)
		die(l->sync_fd, (pj_fail(&err, errno, "fork the payload"), &err), PJ_STAGE_EXEC);
	if (pid == 0) {
		close(pipefd[0]);
		payload(l, pipefd[1]);
	}
	close(pipefd[1]);
	/* init keeps no copy of the payload's output pipes: EOF must mean "all gone". */
	if (l->stdout_w >= 0)
		close(l->stdout_w);
	if (l->stderr_w >= 0)
		close(l->stderr_w);
	report_exec(l, pipefd[0]);
	if (l->zygote_fd >= 0)
		pj_keeper_main(l, pid);
	init_loop(l, pid, &set);
}

/* Re-arm the parent-death signal, which the kernel clears whenever the euid or
 * egid changes (pj_userns_enter_ids as root), and close the window in which
 * pyjail may already have died: its end of the sync socket is then hung up. */
static void rearm_pdeathsig(int sync_fd)
{
	struct pollfd pfd = { .fd = sync_fd, .events = POLLIN | POLLRDHUP };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || poll(&pfd, 1, 0) < 0 ||
	    (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR)))
		_exit(PJ_EXIT_SETUP);
}

void pj_child_main(const struct pj_launch *launch)
{
	struct pj_launch copy = *launch, *l = &copy;
	const struct pj_plan *p = l->plan;
	struct pj_err err = { 0 };
	struct pj_msg m, times = { .type = PJ_MSG_TIMES };
	int fallback;

	/* If pyjail dies, so does the jail: PID 1's death takes the namespace down. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* sync #0: hand the CPU straight back.  A new task starts on its parent's
	 * CPU and mostly runs first; the parent must move us to another CPU
	 * (jail.c) before our unshare holds this one.  EOF: the parent is gone. */
	if (pj_sync_recv(l->sync_fd, &m, NULL) != 1 || m.type != PJ_MSG_GO)
		_exit(PJ_EXIT_SETUP);
	/* The costly namespaces (a network namespace above all) are made here, while
	 * the parent writes our id maps and makes the cgroup, rather than inside its
	 * clone3. */
	if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
		die(l->sync_fd, (pj_fail(&err, errno, "unshare"), &err), PJ_STAGE_CLONE);
	/* sync #1: wait for the id maps. */
	if (pj_sync_recv(l->sync_fd, &m, NULL) != 1 || m.type != PJ_MSG_GO)
		_exit(PJ_EXIT_SETUP);
	times.t[0] = pj_now_ns();
	/* Before anything else: keep the payload (same uid) out of /proc/1. */
	prctl(PR_SET_DUMPABLE, 0);
	if (pj_userns_enter_ids(p, &err) < 0)
		die(l->sync_fd, &err, PJ_STAGE_USERNS);
	rearm_pdeathsig(l->sync_fd);
	times.t[1] = pj_now_ns();
	if (sethostname(p->cfg->hostname, strlen(p->cfg->hostname)) < 0)
		die(l->sync_fd, (pj_fail(&err, errno, "sethostname"), &err), PJ_STAGE_NET);
	times.t[2] = pj_now_ns();
	if (pj_mounts_setup(l, &err) < 0)
		die(l->sync_fd, &err, PJ_STAGE_MOUNTS);
	times.t[3] = pj_now_ns();
	fallback = enter_cgroup(l);
	/* As root, pyjail did it meanwhile (net.c); otherwise, or if that failed, here. */
	if (!(fallback & PJ_GO_LOOPBACK) && pj_net_setup_loopback(&err) < 0)
		die(l->sync_fd, &err, PJ_STAGE_NET);
	if (setup_rlimits(l, fallback, &err) < 0)
		die(l->sync_fd, &err, PJ_STAGE_CAPS);
	/* A new session: no controlling terminal to push input into (TIOCSTI). */
	if (setsid() < 0)
		die(l->sync_fd, (pj_fail(&err, errno, "setsid"), &err), PJ_STAGE_CAPS);
	if ((l->zygote_fd >= 0 ? pj_caps_zygote(&err) : pj_caps_drop_all(p->inner_uid == 0, &err)) <
	    0)
		die(l->sync_fd, &err, PJ_STAGE_CAPS);
	times.t[4] = pj_now_ns();
	if (p->timings)
		(void)pj_sync_send(l->sync_fd, &times, -1);
	run_init(l);
}
