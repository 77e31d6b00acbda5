/* supervisor.c: watch one jail until it is gone, enforcing what only the parent
 * can: wall time, CPU time sampled from the cgroup, the output cap, signal
 * forwarding, and seccomp notifications.  Waits on fds only (poll over pidfd,
 * timerfds, signalfd, pipes and the sync socket); never sleeps. */
#include "supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sync.h"
#include "util.h"

#define CPU_TICK_NS 50000000ULL /* how often the cgroup's CPU usage is sampled */

enum { S_PID, S_SYNC, S_OUT, S_ERR, S_WALL, S_TICK, S_SIG, S_NOTIFY, S_CTL, S_N };

struct state {
	struct pj_watch *w;
	struct pj_result *res;
	struct pollfd pfd[S_N];
	uint64_t output_left;
	bool init_gone, got_status, running, killed;
	enum pj_status kill_status;
	int payload_status;
	struct rusage ru;
	siginfo_t init_info;
};

static int timer_open(uint64_t first_ns, uint64_t interval_ns)
{
	struct itimerspec its = {
		.it_value = { (time_t)(first_ns / 1000000000ULL),
			      (long)(first_ns % 1000000000ULL) },
		.it_interval = { (time_t)(interval_ns / 1000000000ULL),
				 (long)(interval_ns % 1000000000ULL) },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd >= 0 && timerfd_settime(fd, 0, &its, NULL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void kill_jail(struct state *s, enum pj_status why)
{
	if (!s->killed) {
		s->killed = true;
		s->kill_status = why;
	}
	(void)pj_cgroup_kill(s->w->cg);
	/* A prepared jail's reporter stays alive to tell how its payload ended. */
	if (s->w->ns_pidfd >= 0)
		(void)syscall(SYS_pidfd_send_signal, s->w->ns_pidfd, SIGKILL, NULL, 0);
	else
		(void)syscall(SYS_pidfd_send_signal, s->w->pidfd, SIGKILL, NULL, 0);
}

static int signal_target(const struct state *s)
{
	return s->w->sig_pidfd >= 0 ? s->w->sig_pidfd : s->w->pidfd;
}

static void close_slot(struct state *s, int slot)
{
	if (s->pfd[slot].fd >= 0)
		close(s->pfd[slot].fd);
	s->pfd[slot].fd = -1;
}

/* Pass output through (or capture it for --json) until the shared cap is hit. */
static void pump(struct state *s, int slot)
{
	char buf[65536];
	struct pj_buf *cap = slot == S_OUT ? &s->res->out : &s->res->err;
	ssize_t n = read(s->pfd[slot].fd, buf, sizeof(buf));
	size_t keep;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_slot(s, slot);
		return;
	}
	keep = (size_t)n < s->output_left ? (size_t)n : (size_t)s->output_left;
	s->output_left -= keep;
	if (s->w->plan->json) {
		if (pj_buf_append(cap, buf, keep) < 0)
			kill_jail(s, PJ_ST_OUTPUT_LIMIT);
	} else if (keep) {
		(void)pj_write_all(slot == S_OUT ? 1 : 2, buf, keep);
	}
	if (keep < (size_t)n) {
		if (slot == S_OUT)
			s->res->stdout_truncated = true;
		else
			s->res->stderr_truncated = true;
		close_slot(s, slot);
		kill_jail(s, PJ_ST_OUTPUT_LIMIT);
	}
}

static void reporter_done(struct state *s);

/* init is alone, out of the jail's cgroups and exiting (sync.h, PJ_STATUS_LEFT):
 * what waitid would have said of its children comes with the message. */
static struct timeval usec_tv(unsigned long long us)
{
	return (struct timeval){ (time_t)(us / 1000000ULL), (suseconds_t)(us % 1000000ULL) };
}

static void init_left(struct state *s, const struct pj_msg *m)
{
	s->ru.ru_utime = usec_tv(m->t[PJ_STATUS_T_UTIME_US]);
	s->ru.ru_stime = usec_tv(m->t[PJ_STATUS_T_STIME_US]);
	s->ru.ru_maxrss = (long)m->t[PJ_STATUS_T_MAXRSS_KB];
	if (s->w->cg)
		s->w->cg->vacated = true;
	reporter_done(s);
}

static void on_sync(struct state *s)
{
	struct pj_msg m;
	int fd = -1, r = pj_sync_recv(s->pfd[S_SYNC].fd, &m, &fd);

	/* A child that died with our sync #2 unread leaves ECONNRESET pending, and the
	 * kernel reports it before the messages queued ahead of it (its setup error
	 * among them): the error is consumed now, the next read gets the rest. */
	if (r == -ECONNRESET)
		return;
	if (r <= 0) {
		close_slot(s, S_SYNC);
		/* a prepared jail: P and the zygote both gone without a word */
		if (s->w->foreign && !s->init_gone)
			reporter_done(s);
		return;
	}
	switch (m.type) {
	case PJ_MSG_RUNNING:
		s->running = true;
		s->res->t[PJ_T_RUNNING] = pj_now_ns();
		break;
	case PJ_MSG_TIMES:
		memcpy(&s->res->t[PJ_T_C_GO], m.t, (PJ_T_C_CAPS - PJ_T_C_GO + 1) * sizeof(m.t[0]));
		break;
	case PJ_MSG_ERROR:
		if (s->res->status != PJ_ST_SETUP_ERROR) {
			s->res->status = PJ_ST_SETUP_ERROR;
			s->res->error = m.err;
		}
		break;
	case PJ_MSG_STATUS:
		/* the first word stands: a prepared jail's reporter may speak later */
		if (s->got_status)
			break;
		s->got_status = true;
		s->payload_status = m.value;
		/* A prepared jail's reporter has nothing left to say: its own exit need
		 * not be waited for; nor that of an init that left. */
		if (s->w->foreign && !s->init_gone)
			reporter_done(s);
		else if ((m.t[PJ_STATUS_T_FLAGS] & PJ_STATUS_LEFT) && !s->init_gone)
			init_left(s, &m);
		break;
	case PJ_MSG_NOTIFY_FD:
		if (fd >= 0 && s->pfd[S_NOTIFY].fd < 0) {
			s->pfd[S_NOTIFY].fd = fd;
			fd = -1;
		}
		break;
	default:
		break;
	}
	if (fd >= 0)
		close(fd);
}

static void on_signal(struct state *s)
{
	struct signalfd_siginfo si;

	if (read(s->pfd[S_SIG].fd, &si, sizeof(si)) != sizeof(si))
		return;
	/* init forwards it to the payload; the program decides what it means. */
	(void)syscall(SYS_pidfd_send_signal, signal_target(s), (int)si.ssi_signo, NULL, 0);
}

static void on_ctl(struct state *s)
{
	int sig = s->w->on_ctl(s->w->ctl_arg);

	if (sig > 0) {
		(void)syscall(SYS_pidfd_send_signal, signal_target(s), sig, NULL, 0);
	} else if (sig < 0) {
		s->pfd[S_CTL].fd = -1; /* the caller owns it */
		kill_jail(s, PJ_ST_SIGNALED);
	}
}

static void on_tick(struct state *s)
{
	struct pj_cg_stats st;
	uint64_t ticks;
	uint64_t limit = s->w->plan->cfg->cpu_time.value;

	(void)!read(s->pfd[S_TICK].fd, &ticks, sizeof(ticks));
	if (pj_cgroup_stats(s->w->cg, &st) == 0 && st.has_cpu && st.cpu_usec >= limit)
		kill_jail(s, PJ_ST_CPU_LIMIT);
}

/* The jail's init (or a prepared jail's reporter) is gone: what the payload left
 * behind dies with its PID namespace, as on the cold path. */
static void reporter_done(struct state *s)
{
	s->init_gone = true;
	s->res->t[PJ_T_EXITED] = pj_now_ns();
	s->pfd[S_PID].fd = -1; /* jail.c or handler.c owns the pidfd */
	if (s->w->ns_pidfd >= 0)
		(void)syscall(SYS_pidfd_send_signal, s->w->ns_pidfd, SIGKILL, NULL, 0);
}

static void on_init_exit(struct state *s)
{
	memset(&s->init_info, 0, sizeof(s->init_info));
	if (!s->w->foreign &&
	    syscall(SYS_waitid, P_PIDFD, s->w->pidfd, &s->init_info, WEXITED | __WALL, &s->ru) < 0)
		return;
	/* init's last messages (sync #4) are queued before it exits: read them all. */
	while (s->pfd[S_SYNC].fd >= 0 && poll(&s->pfd[S_SYNC], 1, 0) > 0 && !s->init_gone)
		on_sync(s);
	if (!s->init_gone) {
		s->res->init_waited = true;
		reporter_done(s);
	}
}

static int open_fds(struct state *s, struct pj_err *err)
{
	const struct pj_config *cfg = s->w->plan->cfg;
	sigset_t set;

	for (int i = 0; i < S_N; i++)
		s->pfd[i] = (struct pollfd){ .fd = -1, .events = POLLIN };
	s->pfd[S_PID].fd = s->w->pidfd;
	s->pfd[S_SYNC].fd = s->w->sync_fd;
	s->pfd[S_OUT].fd = s->w->out_r;
	s->pfd[S_ERR].fd = s->w->err_r;
	s->pfd[S_NOTIFY].fd = s->w->notify_fd;
	s->pfd[S_CTL].fd = s->w->ctl_fd;
	s->pfd[S_CTL].events = POLLIN | POLLRDHUP;
	if (cfg->wall_time.value != PJ_UNLIMITED) {
		s->pfd[S_WALL].fd = timer_open(cfg->wall_time.value * 1000ULL, 0);
		if (s->pfd[S_WALL].fd < 0)
			return pj_fail(err, errno, "timerfd");
	}
	if (cfg->cpu_time.value != PJ_UNLIMITED && pj_cgroup_enforcer(s->w->cg, "cpu_time")) {
		s->pfd[S_TICK].fd = timer_open(CPU_TICK_NS, CPU_TICK_NS);
		if (s->pfd[S_TICK].fd < 0)
			return pj_fail(err, errno, "timerfd");
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	s->pfd[S_SIG].fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->pfd[S_SIG].fd < 0)
		return pj_fail(err, errno, "signalfd");
	return 0;
}

static bool done(const struct state *s)
{
	return s->init_gone && s->pfd[S_OUT].fd < 0 && s->pfd[S_ERR].fd < 0;
}

static void wait_status_into(struct pj_result *res, int ws)
{
	if (WIFSIGNALED(ws)) {
		res->status = PJ_ST_SIGNALED;
		res->signal = WTERMSIG(ws);
		res->exit_code = -1;
	} else {
		res->status = PJ_ST_EXITED;
		res->exit_code = WEXITSTATUS(ws);
	}
}

/* Did the program exit 0, all by itself? */
static bool ended_well(const struct state *s)
{
	return !s->killed && s->got_status && WIFEXITED(s->payload_status) &&
	       WEXITSTATUS(s->payload_status) == 0;
}

/* Decide the status from what we did, what the payload did and the cgroup's counters. */
static void finish(struct state *s)
{
	struct pj_result *res = s->res;
	const struct pj_config *cfg = s->w->plan->cfg;
	struct pj_cg_stats st = { 0 };
	int ws;

	if (!s->w->counters_if_failed || !ended_well(s))
		(void)pj_cgroup_stats(s->w->cg, &st);
	res->wall_ms = (pj_now_ns() - s->w->t_start) / 1000000ULL;
	res->cpu_ms =
		st.has_cpu ? st.cpu_usec / 1000
			   : (uint64_t)(s->ru.ru_utime.tv_sec + s->ru.ru_stime.tv_sec) * 1000 +
				     (uint64_t)(s->ru.ru_utime.tv_usec + s->ru.ru_stime.tv_usec) /
					     1000;
	res->peak_memory_bytes = st.peak_memory ? st.peak_memory : (uint64_t)s->ru.ru_maxrss * 1024;
	res->pids_limit_hit = st.pids_max_hit;
	if (res->status == PJ_ST_SETUP_ERROR)
		return;
	if (s->killed && s->kill_status != PJ_ST_SIGNALED) {
		res->status = s->kill_status;
		res->signal = SIGKILL;
		res->exit_code = -1;
		return;
	}
	if (s->got_status) {
		ws = s->payload_status;
	} else if (s->w->foreign) {
		res->status = PJ_ST_SETUP_ERROR;
		pj_fail(&res->error, 0, "the prepared jail ended without the program's status");
		return;
	} else if (s->init_info.si_code == CLD_EXITED && !s->running) {
		res->status = PJ_ST_SETUP_ERROR;
		pj_fail(&res->error, 0, "the jail ended during setup (exit %d)",
			s->init_info.si_status);
		return;
	} else {
		ws = s->init_info.si_code == CLD_EXITED ? (s->init_info.si_status & 0xff) << 8
							: (s->init_info.si_status & 0x7f);
	}
	wait_status_into(res, ws);
	/* A limit the kernel enforced explains a failure (exit_code is -1 when
	 * signaled); a program that recovered and exited 0 keeps "exited". */
	if (st.oom_killed && res->exit_code != 0)
		res->status = PJ_ST_MEMORY_LIMIT;
	else if (res->status == PJ_ST_SIGNALED &&
		 (res->signal == SIGXCPU ||
		  (res->signal == SIGKILL && cfg->cpu_time.value != PJ_UNLIMITED &&
		   res->cpu_ms * 1000 >= cfg->cpu_time.value)))
		res->status = PJ_ST_CPU_LIMIT;
	/* A refused fork ends nothing by itself: the program decides what to do about
	 * it, so its own status stands and pids_limit_hit tells the rest. */
}

int pj_supervise(struct pj_watch *w, struct pj_result *res, struct pj_err *err)
{
	struct state s = { .w = w, .res = res, .output_left = w->plan->cfg->output.value };
	int r = open_fds(&s, err);

	if (r < 0) {
		kill_jail(&s, PJ_ST_SIGNALED);
		return r;
	}
	while (!done(&s)) {
		if (poll(s.pfd, S_N, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = pj_fail(err, errno, "poll");
			kill_jail(&s, PJ_ST_SIGNALED);
			break;
		}
		if (s.pfd[S_OUT].fd >= 0 && s.pfd[S_OUT].revents)
			pump(&s, S_OUT);
		if (s.pfd[S_ERR].fd >= 0 && s.pfd[S_ERR].revents)
			pump(&s, S_ERR);
		if (s.pfd[S_SYNC].fd >= 0 && s.pfd[S_SYNC].revents)
			on_sync(&s);
		if (s.pfd[S_NOTIFY].fd >= 0 && s.pfd[S_NOTIFY].revents &&
		    pj_seccomp_notify_handle(s.pfd[S_NOTIFY].fd, &res->denied) < 0)
			close_slot(&s, S_NOTIFY);
		if (s.pfd[S_WALL].fd >= 0 && s.pfd[S_WALL].revents) {
			close_slot(&s, S_WALL);
			kill_jail(&s, PJ_ST_TIMEOUT);
		}
		if (s.pfd[S_TICK].fd >= 0 && s.pfd[S_TICK].revents)
			on_tick(&s);
		if (s.pfd[S_SIG].fd >= 0 && s.pfd[S_SIG].revents)
			on_signal(&s);
		if (s.pfd[S_CTL].fd >= 0 && s.pfd[S_CTL].revents)
			on_ctl(&s);
		if (s.pfd[S_PID].fd >= 0 && s.pfd[S_PID].revents)
			on_init_exit(&s);
	}
	finish(&s);
	for (int i = S_OUT; i < S_N; i++)
		if (i != S_SYNC && i != S_CTL)
			close_slot(&s, i);
	return r;
}
