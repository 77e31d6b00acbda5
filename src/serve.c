/* serve.c: `pyjail serve`, the server's event loop.
 *
 * One single-threaded process: it accepts clients on a unix socket, reads each
 * request line (with its passed stdio fds) under a size cap and a deadline,
 * parses it (request.c), and when a worker is free forks a handler (handler.c)
 * that runs it in a prepared jail from the pool (pool.c) or, when no prepared
 * jail can run it exactly, in a cold jail of its own.  Waits on fds only.
 * SIGTERM or SIGINT: stop accepting, finish every request already accepted,
 * then remove the pool and exit.  If the server is killed, the zygote's keeper
 * and every handler die with it (parent-death signals), and with the keeper
 * every jail it made. */
#include "serve.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "handler.h"
#include "pool.h"
#include "request.h"
#include "util.h"

#define RESTART_NS 5000000000ULL

enum conn_state { C_READING, C_QUEUED };

struct conn {
	enum conn_state state;
	int fd;
	int fds[3]; /* passed stdio, or -1 */
	char *buf;
	size_t len, cap;
	unsigned long long deadline;
	struct pj_request req;
};

/* A running handler, and the prepared jail's cgroup it got (NULL: none). */
struct handler {
	pid_t pid;
	struct pj_cgroup *cg;
};

struct server {
	const struct pj_cli *cli;
	const struct pj_config *cfg;
	int listen_fd, sig_fd;
	struct pj_pool pool;
	struct conn **conns;
	unsigned n_conns;
	struct handler *handlers;
	unsigned running;
	bool draining;
	pid_t self;
	unsigned long long restarted; /* when the zygote was last restarted */
};

/* ---- the socket ---- */

static int bind_socket(const struct pj_cli *cli, int fd, struct pj_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = cli->socket_path;
	struct stat st;

	if (strlen(path) >= sizeof(sa.sun_path))
		return pj_fail(err, 0, "--socket '%s': path too long", path);
	strcpy(sa.sun_path, path);
	/* A socket nobody answers on is a leftover of a killed server. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == ECONNREFUSED)
		unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return pj_fail(err, errno, "--socket '%s'", path);
	return 0;
}

/* 0600, or 0660 and the group's with --group: nobody else may connect. */
static int socket_access(const struct pj_cli *cli, struct pj_err *err)
{
	struct group *g;

	if (!cli->group)
		return chmod(cli->socket_path, 0600) < 0 ? pj_fail(err, errno, "chmod socket") : 0;
	g = getgrnam(cli->group);
	if (!g)
		return pj_fail(err, 0, "--group '%s': no such group", cli->group);
	if (chown(cli->socket_path, (uid_t)-1, g->gr_gid) < 0 || chmod(cli->socket_path, 0660) < 0)
		return pj_fail(err, errno, "--group '%s'", cli->group);
	return 0;
}

static int open_listener(struct server *s, struct pj_err *err)
{
	mode_t old = umask(0177);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), r;

	if (fd < 0) {
		umask(old);
		return pj_fail(err, errno, "socket");
	}
	r = bind_socket(s->cli, fd, err);
	umask(old);
	if (r >= 0)
		r = socket_access(s->cli, err);
	if (r >= 0 &&
	    listen(fd, (int)(s->cfg->serve_queue < 4096 ? s->cfg->serve_queue : 4096) + 16) < 0)
		r = pj_fail(err, errno, "listen");
	if (r < 0) {
		close(fd);
		return r;
	}
	s->listen_fd = fd;
	return 0;
}

/* ---- connections ---- */

static void conn_free(struct conn *c)
{
	close(c->fd);
	for (int i = 0; i < 3; i++)
		if (c->fds[i] >= 0)
			close(c->fds[i]);
	free(c->buf);
	pj_request_free(&c->req);
	free(c);
}

/* Keeps the order: the oldest request is served first. */
static void drop_conn(struct server *s, unsigned i)
{
	conn_free(s->conns[i]);
	memmove(s->conns + i, s->conns + i + 1, (--s->n_conns - i) * sizeof(*s->conns));
}

static void refuse(int fd, const char *why, unsigned long long v)
{
	struct pj_err err = { 0 };

	pj_fail(&err, 0, "%s (%llu)", why, v);
	pj_handler_send_error(fd, &err);
}

static void on_accept(struct server *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct conn *c;

	if (fd < 0)
		return;
	if (s->n_conns >= s->cfg->serve_queue + s->cfg->serve_workers) {
		refuse(fd, "server busy: too many requests are waiting (queue)",
		       (unsigned long long)s->n_conns);
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	*c = (struct conn){ .fd = fd, .fds = { -1, -1, -1 } };
	c->deadline = pj_now_ns() + s->cfg->serve_request_timeout * 1000ULL;
	s->conns[s->n_conns++] = c;
}

/* Keep up to 3 passed fds; more, or fds passed twice, make the request bad. */
static int take_fds(struct conn *c, struct msghdr *mh)
{
	int bad = 0;

	for (struct cmsghdr *m = CMSG_FIRSTHDR(mh); m; m = CMSG_NXTHDR(mh, m)) {
		size_t n = (m->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *fds = (int *)CMSG_DATA(m);
		bool take = n == 3 && c->fds[0] < 0;
		if (m->cmsg_level != SOL_SOCKET || m->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (take)
				c->fds[i] = fds[i];
			else
				close(fds[i]), bad = 1;
		}
	}
	return (mh->msg_flags & MSG_CTRUNC) || bad ? -1 : 0;
}

static int parse(struct server *s, struct conn *c, size_t len, struct pj_err *err)
{
	bool tty = c->fds[0] >= 0 && isatty(c->fds[0]);
	int r = pj_request_parse(c->buf, len, c->fds[0] >= 0, tty, s->cfg, &c->req, err);

	if (r >= 0 && (c->fds[1] >= 0) != (c->fds[2] >= 0))
		r = pj_fail(err, 0, "request: pass exactly 3 fds (stdin, stdout, stderr)");
	return r;
}

/* Read what is there; 1 when the request line is complete, -1 to drop. */
static int read_request(struct server *s, struct conn *c, struct pj_err *err)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(8 * sizeof(int))];
	} u;
	size_t max = s->cfg->serve_max_request;
	char *nl;
	ssize_t n;

	if (c->cap - c->len < 65536) {
		size_t cap = c->cap ? c->cap * 2 : 65536;
		char *nb = realloc(c->buf, cap + 1);
		if (!nb)
			return pj_fail(err, ENOMEM, "request"), 0;
		c->buf = nb;
		c->cap = cap;
	}
	struct iovec iov = { c->buf + c->len, c->cap - c->len };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1; /* gone before its request was whole: nothing to answer */
	if (take_fds(c, &mh) < 0)
		return pj_fail(err, 0, "request: pass exactly 3 fds (stdin, stdout, stderr)"), 2;
	nl = memchr(c->buf + c->len, '\n', (size_t)n);
	c->len += (size_t)n;
	if ((nl ? (size_t)(nl - c->buf) : c->len) > max)
		return pj_fail(err, 0, "request: larger than max_request (%llu bytes)",
			       (unsigned long long)max),
		       2;
	if (!nl)
		return 0;
	return parse(s, c, (size_t)(nl - c->buf), err) < 0 ? 2 : 1;
}

static void on_conn(struct server *s, unsigned i, short revents)
{
	struct conn *c = s->conns[i];
	struct pj_err err = { 0 };
	int r;

	if (c->state == C_QUEUED) {
		/* a client that left while waiting */
		if (revents & (POLLHUP | POLLRDHUP | POLLERR))
			drop_conn(s, i);
		return;
	}
	r = read_request(s, c, &err);
	if (r == 1) {
		c->state = C_QUEUED;
	} else if (r == 2) {
		pj_handler_send_error(c->fd, &err);
		drop_conn(s, i);
	} else if (r < 0) {
		drop_conn(s, i);
	}
}

static void expire(struct server *s)
{
	unsigned long long now = pj_now_ns();

	for (unsigned i = 0; i < s->n_conns; i++) {
		struct conn *c = s->conns[i];
		if (c->state != C_READING || now < c->deadline)
			continue;
		refuse(c->fd, "request: not received within request_timeout (ms)",
		       (unsigned long long)s->cfg->serve_request_timeout / 1000);
		drop_conn(s, i--);
	}
}

/* ---- workers ---- */

/* In the handler: nothing of the server's but this request's own. */
static void handler_close_others(struct server *s, struct conn *mine)
{
	close(s->listen_fd);
	close(s->sig_fd);
	for (unsigned i = 0; i < s->n_conns; i++)
		if (s->conns[i] != mine)
			close(s->conns[i]->fd);
	for (unsigned i = 0; i < s->running; i++)
		pj_cgroup_release(s->handlers[i].cg);
	pj_pool_close_fds(&s->pool);
	pj_jail_forget(s->pool.zygote);
}

static __attribute__((noreturn)) void handler_main(struct server *s, struct conn *c,
						   struct pj_handler *h)
{
	sigset_t none;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != s->self)
		_exit(1);
	/* Not in the terminal's process group: ^C is the server's, not the request's. */
	setpgid(0, 0);
	handler_close_others(s, c);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	_exit(pj_handler_run(h));
}

/* The request's handler: prepared here (for a warm request its program starts
 * now), then forked.  False if it could not be started and may be retried. */
static bool start_handler(struct server *s, unsigned i, struct pj_slot *slot)
{
	struct conn *c = s->conns[i];
	struct pj_handler h = { .conn = c->fd, .req = &c->req, .slot = slot, .sig_pidfd = -1 };
	char *nl = memchr(c->buf, '\n', c->len);
	pid_t pid;

	/* What came after the request line: control lines the handler acts on. */
	h.ctl_len = nl ? c->len - (size_t)(nl + 1 - c->buf) : 0;
	if (h.ctl_len > sizeof(h.ctl) - 1)
		h.ctl_len = 0;
	memcpy(h.ctl, nl ? nl + 1 : "", h.ctl_len);
	memcpy(h.fds, c->fds, sizeof(h.fds));
	pj_handler_prepare(&h);
	pid = fork();
	if (pid == 0)
		handler_main(s, c, &h);
	pj_handler_forget(&h);
	if (pid < 0 && h.sent != 0)
		return false; /* nothing ran: the caller ends the slot, the request waits */
	if (pid < 0) {        /* the program ran unsupervised: end it, never run it twice */
		struct pj_err err = { 0 };
		pj_fail(&err, errno, "fork");
		pj_handler_send_error(c->fd, &err);
		pj_slot_close(slot, true);
	} else {
		s->handlers[s->running++] = (struct handler){ pid, slot ? slot->cg : NULL };
	}
	if (slot) {
		slot->cg = NULL; /* the handler's until it ends; then maybe the pool's again */
		pj_slot_close(slot, false);
	}
	drop_conn(s, i);
	return true;
}

/* Start queued requests while workers are free, oldest first; a warm request
 * waits for a prepared jail unless the pool cannot make any. */
static void dispatch(struct server *s)
{
	for (unsigned i = 0; i < s->n_conns && s->running < s->cfg->serve_workers;) {
		struct conn *c = s->conns[i];
		struct pj_slot slot;
		bool warm = c->req.warm && !pj_pool_broken(&s->pool);
		if (c->state != C_QUEUED || (warm && !pj_pool_take(&s->pool, &slot))) {
			i++;
			continue;
		}
		if (!start_handler(s, i, warm ? &slot : NULL)) {
			if (warm)
				pj_slot_close(&slot, true);
			i++;
		}
	}
}

/* A handler ended: its request's cgroup back to the pool if it left it empty;
 * gone if it removed it; removed here if it died before it could. */
static void handler_ended(struct server *s, struct handler *h, int status)
{
	if (!h->cg)
		return;
	if (WIFEXITED(status) && WEXITSTATUS(status) == PJ_HANDLER_CGROUP_LEFT && !s->draining)
		pj_pool_recycle(&s->pool, h->cg);
	else if (WIFEXITED(status) && WEXITSTATUS(status) != PJ_HANDLER_CGROUP_LEFT)
		pj_cgroup_release(h->cg);
	else
		pj_cgroup_destroy(h->cg);
}

static void reap(struct server *s)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (unsigned i = 0; i < s->running; i++)
			if (s->handlers[i].pid == pid) {
				handler_ended(s, &s->handlers[i], status);
				s->handlers[i] = s->handlers[--s->running];
				break;
			}
}

static void on_signal(struct server *s)
{
	struct signalfd_siginfo si;

	while (read(s->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			reap(s);
		} else if (!s->draining && si.ssi_signo != SIGHUP) {
			s->draining = true;
			close(s->listen_fd);
			s->listen_fd = -1;
			unlink(s->cli->socket_path);
		}
	}
}

/* A zygote that died (a bug, or someone killed it) is replaced, and a pool that
 * kept failing tries again, at most every few seconds; meanwhile requests run
 * cold. */
static void revive(struct server *s)
{
	struct pj_err err = { 0 };
	unsigned long long now = pj_now_ns();

	if (!pj_pool_broken(&s->pool) || s->draining || now - s->restarted < RESTART_NS)
		return;
	s->restarted = now;
	if (!s->pool.dead) {
		s->pool.failures = 0; /* try preparing jails again */
		return;
	}
	fprintf(stderr, "pyjail serve: restarting the zygote\n");
	pj_pool_stop(&s->pool);
	if (pj_pool_start(&s->pool, s->cfg, &err) < 0) {
		fprintf(stderr, "pyjail serve: zygote: %s (requests run cold)\n", err.msg);
		s->pool.dead = true;
	}
}

/* ---- the loop ---- */

enum { T_LISTEN = -100, T_SIG = -101, T_CONN = 1 << 20 };

static int next_timeout(const struct server *s)
{
	unsigned long long now = pj_now_ns(), first = 0;

	for (unsigned i = 0; i < s->n_conns; i++)
		if (s->conns[i]->state == C_READING && (!first || s->conns[i]->deadline < first))
			first = s->conns[i]->deadline;
	if (!first)
		return -1;
	return first <= now ? 0 : (int)((first - now) / 1000000ULL + 1);
}

static unsigned fill_poll(struct server *s, struct pollfd *pfd, int *tag)
{
	unsigned n = 0;

	if (s->listen_fd >= 0 && s->n_conns < s->cfg->serve_queue + s->cfg->serve_workers + 1) {
		pfd[n] = (struct pollfd){ s->listen_fd, POLLIN, 0 };
		tag[n++] = T_LISTEN;
	}
	pfd[n] = (struct pollfd){ s->sig_fd, POLLIN, 0 };
	tag[n++] = T_SIG;
	for (unsigned i = 0; i < s->n_conns; i++) {
		short ev = s->conns[i]->state == C_READING ? POLLIN | POLLRDHUP : POLLRDHUP;
		pfd[n] = (struct pollfd){ s->conns[i]->fd, ev, 0 };
		tag[n++] = T_CONN + (int)i;
	}
	return n + pj_pool_fill_poll(&s->pool, pfd + n, tag + n);
}

static void handle(struct server *s, struct pollfd *pfd, int *tag, unsigned n)
{
	/* Connections last and from the end: dropping one moves the later ones down. */
	for (unsigned k = 0; k < n; k++) {
		if (!pfd[k].revents || tag[k] >= T_CONN)
			continue;
		if (tag[k] == T_LISTEN)
			on_accept(s);
		else if (tag[k] == T_SIG)
			on_signal(s);
		else
			pj_pool_handle(&s->pool, tag[k], pfd[k].revents);
	}
	for (unsigned k = n; k-- > 0;)
		if (pfd[k].revents && tag[k] >= T_CONN && (unsigned)(tag[k] - T_CONN) < s->n_conns)
			on_conn(s, (unsigned)(tag[k] - T_CONN), pfd[k].revents);
}

static int loop(struct server *s)
{
	unsigned max = 2 + (unsigned)(s->cfg->serve_queue + s->cfg->serve_workers) + 1 +
		       pj_pool_max_fds(&s->pool);
	struct pollfd *pfd = calloc(max, sizeof(*pfd));
	int *tag = calloc(max, sizeof(*tag));

	if (!pfd || !tag) {
		free(pfd);
		free(tag);
		return -ENOMEM;
	}
	while (!s->draining || s->n_conns || s->running) {
		unsigned n = fill_poll(s, pfd, tag);
		if (poll(pfd, n, next_timeout(s)) < 0 && errno != EINTR)
			break;
		handle(s, pfd, tag, n);
		expire(s);
		revive(s);
		if (!s->draining)
			pj_pool_refill(&s->pool);
		dispatch(s);
	}
	free(pfd);
	free(tag);
	return 0;
}

static int setup_signals(struct server *s, struct pj_err *err)
{
	sigset_t set;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	/* The server reads nothing from its stdin: the zygote must not either. */
	if (null >= 0) {
		dup2(null, 0);
		close(null);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return s->sig_fd < 0 ? pj_fail(err, errno, "signalfd") : 0;
}

int pj_serve_main(const struct pj_cli *cli, const struct pj_config *config)
{
	/* The server prepares and recycles its requests' cgroups itself (pool.c),
	 * the zygote's lives as long as it does: no kept cgroup v1 slots here. */
	struct pj_config c = *config;
	const struct pj_config *cfg = &c;
	unsigned cap = (unsigned)(cfg->serve_queue + cfg->serve_workers) + 1;
	struct server s = {
		.cli = cli, .cfg = cfg, .listen_fd = -1, .sig_fd = -1, .self = getpid()
	};
	struct pj_err err = { 0 };
	int r;

	c.reuse_cgroups = false;
	s.conns = calloc(cap, sizeof(*s.conns));
	s.handlers = calloc(cfg->serve_workers + 1, sizeof(*s.handlers));
	r = s.conns && s.handlers ? setup_signals(&s, &err) : pj_fail(&err, ENOMEM, "serve");
	if (r >= 0)
		r = pj_pool_start(&s.pool, cfg, &err);
	if (r >= 0)
		r = open_listener(&s, &err);
	if (r >= 0) {
		fprintf(stderr, "pyjail serve: listening on %s\n", cli->socket_path);
		r = loop(&s);
	} else {
		fprintf(stderr, "pyjail: serve: %s%s%s\n",
			err.stage ? pj_stage_name(err.stage) : "", err.stage ? ": " : "", err.msg);
	}
	pj_pool_stop(&s.pool);
	if (s.listen_fd >= 0) {
		close(s.listen_fd);
		unlink(cli->socket_path);
	}
	free(s.conns);
	free(s.handlers);
	return r < 0 ? PJ_EXIT_SETUP : 0;
}
