/* keeper.c: the init of pyjail serve's zygote jail, and the jails it prepares.
 *
 * The zygote is a jail launched like any other (jail.c, child.c) whose payload is
 * a pristine interpreter waiting for work (zygote.py) and whose init, this
 * keeper, still holds every capability of the jail's user namespace.  For each
 * PJ_MSG_PREPARE from the server the keeper clones, with new mount, network,
 * IPC, UTS and PID namespaces, the new PID namespace's init: that init gives
 * the view its own /proc, /tmp and /dev/shm, brings up loopback, says
 * PJ_MSG_GO and then only reaps.  The interpreter's fork for the
 * request joins these namespaces later (zygote.py).  Nothing here runs request
 * code, and nothing here prints: errors go to the server as PJ_MSG_ERROR. */
#include "keeper.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "mounts.h"
#include "net.h"
#include "sync.h"
#include "util.h"

#define PREPARED_NS (CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID)

static __attribute__((noreturn)) void fail(int sock, struct pj_err *err, enum pj_stage st)
{
	err->stage = st;
	(void)pj_sync_send_error(sock, err);
	_exit(PJ_EXIT_SETUP);
}

/* Keep only fd 0-2 and sock (moved to 3): the keeper's fds are not the jail's. */
static int keep_only(int sock)
{
	if (sock != 3 && dup2(sock, 3) < 0)
		return -1;
	return (int)syscall(SYS_close_range, 4, ~0U, 0);
}

static __attribute__((noreturn)) void reap_until_hangup(int sock)
{
	struct pollfd pfd[2] = { { .fd = sock, .events = POLLRDHUP } };
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pfd[1] = (struct pollfd){ .fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK),
				  .events = POLLIN };
	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			_exit(1);
		if (pfd[0].revents & (POLLRDHUP | POLLHUP | POLLERR))
			_exit(0);
		if (pfd[1].revents) {
			struct signalfd_siginfo si;
			while (read(pfd[1].fd, &si, sizeof(si)) > 0)
				;
			while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
				;
		}
	}
}

/* The namespaces to join, as nsfs files: setns on them checks capabilities only,
 * where a pidfd would also need ptrace access to this non-dumpable init. */
static const char *const ns_files[PJ_PREPARED_NS] = { "pid", "mnt", "net", "ipc", "uts" };

static int open_ns(int *fds, struct pj_err *err)
{
	for (int i = 0; i < PJ_PREPARED_NS; i++) {
		char path[32];
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_files[i]);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			return pj_fail(err, errno, "open %s", path);
	}
	return 0;
}

/* The prepared jail's init: its own /proc, /tmp, /dev/shm and loopback; then,
 * powerless and not dumpable, it only reaps, until the server kills it or lets
 * go of the jail (EOF on sock: the slot failed, the request is done, the server
 * died).  With it goes every process left in the PID namespace. */
static __attribute__((noreturn)) void jail_init(const struct pj_config *cfg, int sock)
{
	struct pj_err err = { 0 };
	struct pj_msg go = { .type = PJ_MSG_GO };
	int ns[PJ_PREPARED_NS];
	sigset_t all;

	prctl(PR_SET_DUMPABLE, 0);
	if (pj_mounts_renew(cfg, &err) < 0)
		fail(sock, &err, PJ_STAGE_MOUNTS);
	if (pj_net_setup_loopback(&err) < 0)
		fail(sock, &err, PJ_STAGE_NET);
	if (open_ns(ns, &err) < 0)
		fail(sock, &err, PJ_STAGE_CLONE);
	if (pj_caps_clear(&err) < 0)
		fail(sock, &err, PJ_STAGE_CAPS);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	(void)pj_sync_sendv(sock, &go, ns, PJ_PREPARED_NS);
	for (int i = 0; i < PJ_PREPARED_NS; i++)
		close(ns[i]);
	reap_until_hangup(sock);
}

/* PJ_MSG_PREPARE: clone the init of new mount, network, IPC, UTS and PID
 * namespaces, and answer PJ_MSG_JAIL with its socket at once; on that socket
 * PJ_MSG_PID (its pidfd, from here) and its PJ_MSG_GO (or an error) follow. */
static void prepare(const struct pj_launch *l)
{
	struct pj_msg m = { .type = PJ_MSG_JAIL }, pm = { .type = PJ_MSG_PID };
	struct pj_err err = { 0 };
	int sp[2], pidfd = -1;
	struct clone_args args = { .flags = PREPARED_NS | CLONE_PIDFD,
				   .pidfd = (uintptr_t)&pidfd,
				   .exit_signal = SIGCHLD };
	long pid;

	if (pj_sync_open(sp, &err) < 0) {
		(void)pj_sync_send_error(l->sync_fd, &err);
		return;
	}
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0) {
		if (keep_only(sp[1]) < 0)
			fail(sp[1], (pj_fail(&err, errno, "close fds"), &err), PJ_STAGE_CLONE);
		jail_init(l->plan->cfg, 3);
	}
	if (pid < 0) {
		pj_fail(&err, errno, "clone3 the jail's namespaces");
		err.stage = PJ_STAGE_CLONE;
		(void)pj_sync_send_error(l->sync_fd, &err);
	} else {
		pm.value = (int)pid;
		(void)pj_sync_send(sp[1], &pm, pidfd);
		(void)pj_sync_send(l->sync_fd, &m, sp[0]);
		close(pidfd);
	}
	close(sp[0]);
	close(sp[1]);
}

/* Reap; when the interpreter itself is gone, so is the zygote. */
static void reap(const struct pj_launch *l, pid_t zygote)
{
	int status;
	pid_t dead;

	while ((dead = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
		if (dead == zygote) {
			struct pj_msg m = { .type = PJ_MSG_STATUS, .value = status };
			(void)pj_sync_send(l->sync_fd, &m, -1);
			_exit(0);
		}
	}
}

void pj_keeper_main(const struct pj_launch *l, pid_t zygote)
{
	struct pollfd pfd[2] = { { .fd = l->sync_fd, .events = POLLIN } };
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pfd[1].fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	pfd[1].events = POLLIN;
	if (pfd[1].fd < 0)
		_exit(PJ_EXIT_SETUP);
	for (;;) {
		struct pj_msg m;
		if (poll(pfd, 2, -1) < 0)
			continue;
		if (pfd[1].revents) {
			struct signalfd_siginfo si;
			while (read(pfd[1].fd, &si, sizeof(si)) > 0)
				;
			reap(l, zygote);
		}
		if (!pfd[0].revents)
			continue;
		/* EOF: the server is gone, and with the keeper the whole zygote goes. */
		if (pj_sync_recv(l->sync_fd, &m, NULL) <= 0)
			_exit(0);
		if (m.type == PJ_MSG_PREPARE)
			prepare(l);
	}
}
