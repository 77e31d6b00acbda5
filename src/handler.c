/* handler.c: one pyjail serve request, in a process forked for it by serve.c.
 *
 * Warm: the request goes to the interpreter waiting in a prepared jail (its
 * argv, environment, limits and stdio; zygote.py), and the handler supervises
 * it as the cold path supervises its jail (supervisor.c), with the client's
 * connection as the one extra input (signals, or a client that went away).
 * Cold (interpreter options, an interactive terminal, limits fixed when a jail is
 * prepared, or no pool): the cold path itself, with the client's stdio.  Either
 * way the record goes back before the jail's cgroup is removed. */
#include "handler.h"

#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jail.h"
#include "marshal.h"
#include "plan.h"
#include "supervisor.h"
#include "sync.h"
#include "util.h"

#define SEND_TIMEOUT_MS 5000
#define BIG_MESSAGE (32 << 10) /* and more: in a memfd */

int pj_handler_send_record(int conn, const struct pj_result *res, bool with_output)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct timeval tv = { SEND_TIMEOUT_MS / 1000, 0 };
	int r = 0;

	if (!f)
		return -ENOMEM;
	pj_result_write_json(f, res, with_output);
	fclose(f);
	/* A client that does not read its reply cannot hold a handler forever. */
	(void)setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)fcntl(conn, F_SETFL, fcntl(conn, F_GETFL) & ~O_NONBLOCK);
	for (size_t off = 0; off < len;) {
		ssize_t n = send(conn, text + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = -errno;
			break;
		}
		off += (size_t)n;
	}
	free(text);
	return r;
}

void pj_handler_send_error(int conn, const struct pj_err *err)
{
	struct pj_result res = { .status = PJ_ST_SETUP_ERROR, .exit_code = -1, .error = *err };

	(void)pj_handler_send_record(conn, &res, false);
}

/* Control lines from the client: {"signal": N}.  EOF: the client is gone. */
/* The complete control lines buffered so far: forward the signals they name. */
static void ctl_lines(struct pj_handler *h)
{
	static const int allowed[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
	char *nl;

	h->ctl[h->ctl_len] = '\0';
	while ((nl = strchr(h->ctl, '\n'))) {
		json_t *o = json_loadb(h->ctl, (size_t)(nl - h->ctl), 0, NULL);
		int sig = (int)json_integer_value(json_object_get(o, "signal"));
		for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
			if (sig == allowed[i])
				(void)syscall(SYS_pidfd_send_signal, h->sig_pidfd, sig, NULL, 0);
		json_decref(o);
		h->ctl_len -= (size_t)(nl + 1 - h->ctl);
		memmove(h->ctl, nl + 1, h->ctl_len + 1);
	}
	if (h->ctl_len == sizeof(h->ctl) - 1)
		h->ctl_len = 0; /* an overlong line is dropped */
}

static int on_ctl(void *arg)
{
	struct pj_handler *h = arg;
	ssize_t n =
		recv(h->conn, h->ctl + h->ctl_len, sizeof(h->ctl) - 1 - h->ctl_len, MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return -1;
	h->ctl_len += n > 0 ? (size_t)n : 0;
	ctl_lines(h);
	return 0;
}

/* Capture mode: the request's "stdin" as a file the program reads. */
static int stdin_file(const struct pj_request *req, struct pj_err *err)
{
	int fd = memfd_create("stdin", MFD_CLOEXEC);

	if (fd < 0)
		return pj_fail(err, errno, "memfd");
	if ((req->stdin_len && pj_write_all(fd, req->stdin_data, req->stdin_len) < 0) ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return pj_fail(err, errno, "stdin");
	}
	return fd;
}

static json_t *strv(char **v)
{
	json_t *a = json_array();

	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static void add_rlimit(json_t *a, int res, uint64_t v)
{
	json_int_t x = v == PJ_UNLIMITED ? -1 : (json_int_t)v;

	json_array_append_new(a, json_pack("[iII]", res, x, x));
}

/* As child.c's setup_rlimits: rlimits stand in where no cgroup enforces. */
static json_t *rlimits(const struct pj_config *c, const struct pj_cgroup *cg)
{
	json_t *a = json_array();
	uint64_t cpu = c->cpu_time.value;

	add_rlimit(a, RLIMIT_FSIZE, c->file_size.value);
	add_rlimit(a, RLIMIT_NOFILE, c->open_files.value);
	if (!pj_cgroup_enforcer(cg, "memory"))
		add_rlimit(a, RLIMIT_AS, c->memory.value);
	if (!pj_cgroup_enforcer(cg, "pids"))
		add_rlimit(a, RLIMIT_NPROC, c->pids.value);
	if (cpu != PJ_UNLIMITED) {
		json_int_t secs = (json_int_t)((cpu + 999999) / 1000000 +
					       (pj_cgroup_enforcer(cg, "cpu_time") ? 1 : 0));
		json_array_append_new(a, json_pack("[iII]", RLIMIT_CPU, secs, secs + 1));
	}
	return a;
}

static const char *kind_name(enum pj_pykind k)
{
	switch (k) {
	case PJ_PY_CODE:
		return "code";
	case PJ_PY_MODULE:
		return "module";
	case PJ_PY_SCRIPT:
		return "script";
	case PJ_PY_STDIN:
		return "stdin";
	default:
		return "none";
	}
}

/* What zygote.py's _p_wait() takes, in marshal format (*len bytes). */
static char *run_message(const struct pj_request *req, const struct pj_plan *plan,
			 const struct pj_cgroup *cg, size_t *len)
{
	const struct pj_cli *cli = &req->cli;
	json_t *m = json_pack("{sssssosososo}", "kind", kind_name(cli->pykind), "target",
			      cli->pytarget ? cli->pytarget : "", "args", strv(cli->args),
			      "orig_argv", strv(plan->argv), "env", strv(plan->envp), "rlimits",
			      rlimits(&req->cfg, cg));
	char *text = NULL;

	if (!m)
		return NULL;
	if (plan->has_script) {
		const char *dst = plan->binds[plan->n_binds - 1].dst;
		/* Only /tmp is writable there; elsewhere the source lives in linecache. */
		if (strncmp(dst, "/tmp/", 5) == 0)
			json_object_set_new(m, "script_path", json_string(dst));
		json_object_set_new(
			m, req->script_text ? "script_text" : "script_b64",
			json_string(req->script_text ? req->script_text : req->script_b64));
	}
	(void)pj_marshal_dump(m, &text, len);
	json_decref(m);
	return text;
}

/* The run message with the program's stdio; a big one (a script, a long -c) in a
 * sealed memfd, since a datagram holds only so much. */
static int send_message(int sock, const char *msg, size_t len, int *fds)
{
	static const char big[] = "memfd";
	int r;

	if (len < BIG_MESSAGE)
		return pj_sync_send_raw(sock, msg, len, fds, 3);
	fds[3] = memfd_create("request", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fds[3] < 0)
		return -errno;
	r = pj_write_all(fds[3], msg, len) < 0 ? -errno : 0;
	if (r >= 0 && fcntl(fds[3], F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK) < 0)
		r = -errno;
	if (r >= 0)
		r = pj_sync_send_raw(sock, big, sizeof(big) - 1, fds, 4);
	close(fds[3]);
	return r;
}

/* The run message goes out with the program's stdio: its stdout and stderr are
 * pipes whose read ends are h->out_r and h->err_r. */
static int send_run(struct pj_handler *h, const char *msg, size_t len, struct pj_err *err)
{
	int in = h->fds[0], out[2], errp[2], fds[4], r;

	if (in < 0 && (in = stdin_file(h->req, err)) < 0)
		return in;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
		return pj_fail(err, errno, "pipe");
	fds[0] = in;
	fds[1] = out[1];
	fds[2] = errp[1];
	r = send_message(h->slot->jp_sock, msg, len, fds);
	close(out[1]);
	close(errp[1]);
	if (in != h->fds[0])
		close(in);
	h->out_r = out[0];
	h->err_r = errp[0];
	if (r < 0)
		return pj_fail(err, -r, "hand the request to its jail");
	return 0;
}

/* The run message pj_handler_prepare built goes out (then h->msg is gone). */
static int send_request(struct pj_handler *h, struct pj_err *err)
{
	h->t_start = pj_now_ns();
	h->sent = send_run(h, h->msg, h->msg_len, err);
	free(h->msg);
	h->msg = NULL;
	return h->sent;
}

void pj_handler_prepare(struct pj_handler *h)
{
	h->out_r = h->err_r = -1;
	h->sent = 1; /* not yet */
	h->planned =
		pj_plan_build(&h->req->cfg, &h->req->cli, geteuid(), getegid(), &h->plan, &h->err);
	if (h->planned < 0 || !h->slot)
		return;
	/* A stricter cgroup limit that the prepared cgroup cannot take (below what
	 * its waiting interpreter already uses, or a controller it lacks): the
	 * request gets a cold jail of its own instead (in the handler). */
	if (h->req->cgroup_limits && pj_cgroup_set_limits(h->slot->cg, &h->req->cfg, &h->err) < 0) {
		h->too_strict = true;
		h->err = (struct pj_err){ 0 };
		return;
	}
	h->msg = run_message(h->req, &h->plan, h->slot->cg, &h->msg_len);
	if (!h->msg)
		h->sent = pj_fail(&h->err, ENOMEM, "request");
	/* A big message (a memfd to fill) is the handler's to send: the server's
	 * loop must not stall on it. */
	else if (h->msg_len < BIG_MESSAGE)
		(void)send_request(h, &h->err);
}

void pj_handler_forget(struct pj_handler *h)
{
	free(h->msg);
	if (h->out_r >= 0)
		close(h->out_r);
	if (h->err_r >= 0)
		close(h->err_r);
	if (h->planned >= 0)
		pj_plan_free(&h->plan);
}

/* Without --json, output goes straight to the client's own stdout and stderr. */
static void pass_through(const struct pj_handler *h, const struct pj_plan *plan)
{
	if (!plan->json && h->fds[1] >= 0) {
		dup2(h->fds[1], 1);
		dup2(h->fds[2], 2);
	}
}

static int run_warm(struct pj_handler *h, struct pj_result *res, struct pj_err *err)
{
	struct pj_slot *s = h->slot;
	struct pj_watch w = { .plan = &h->plan,
			      .cg = s->cg,
			      .pidfd = -1, /* the end is the status, or the socket's EOF */
			      .sync_fd = s->jp_sock,
			      .foreign = true,
			      .sig_pidfd = s->p_pidfd,
			      .ns_pidfd = s->ns_pidfd,
			      .notify_fd = TAKE_FD(s->notify_fd),
			      .ctl_fd = h->conn,
			      .on_ctl = on_ctl,
			      .ctl_arg = h };
	int r = 0;

	h->sig_pidfd = s->p_pidfd;
	pj_jail_report_limits(&h->plan, s->cg, res);
	if (h->sent > 0) {
		r = send_request(h, err);
	} else if (h->sent < 0) {
		*err = h->err;
		r = -EINVAL;
	}
	if (r < 0)
		return r;
	ctl_lines(h); /* lines that came with the request */
	pass_through(h, &h->plan);
	w.t_start = h->t_start;
	w.out_r = TAKE_FD(h->out_r);
	w.err_r = TAKE_FD(h->err_r);
	return pj_supervise(&w, res, err);
}

/* A script for a cold jail: its text in a private file that the plan binds. */
static int script_file(struct pj_handler *h, struct pj_plan *plan, char *dir, size_t size,
		       struct pj_err *err)
{
	struct pj_bind *b = &plan->binds[plan->n_binds - 1];
	char *path;
	int fd;

	if (!h->req->script_text)
		return pj_fail(err, 0,
			       "request: a base64 script needs a prepared jail (no python_flags)");
	snprintf(dir, size, "/tmp/pyjail-serve-XXXXXX");
	if (!mkdtemp(dir))
		return pj_fail(err, errno, "script directory");
	if (asprintf(&path, "%s/script.py", dir) < 0)
		return pj_fail(err, ENOMEM, "script");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || pj_write_all(fd, h->req->script_text, strlen(h->req->script_text)) < 0) {
		if (fd >= 0)
			close(fd);
		free(path);
		return pj_fail(err, errno, "script file");
	}
	close(fd);
	free(b->src);
	b->src = path;
	return 0;
}

static int run_cold(struct pj_handler *h, struct pj_plan *plan, struct pj_result *res,
		    struct pj_err *err)
{
	struct pj_jail *j = NULL;
	char dir[64] = "";
	int in = h->fds[0], r = 0;

	if (plan->has_script)
		r = script_file(h, plan, dir, sizeof(dir), err);
	if (r >= 0 && in < 0)
		r = in = stdin_file(h->req, err);
	if (r < 0)
		return r;
	dup2(in, 0);
	pass_through(h, plan);
	r = pj_jail_start(plan, res, &j, err);
	if (r >= 0) {
		h->sig_pidfd = pj_jail_pidfd(j);
		pj_jail_set_ctl(j, h->conn, on_ctl, h);
		ctl_lines(h); /* lines that came with the request */
		r = pj_jail_wait(j, res, err);
	}
	if (dir[0]) {
		char path[96];
		snprintf(path, sizeof(path), "%s/script.py", dir);
		unlink(path);
		rmdir(dir);
	}
	/* The record first, then the cleanup. */
	if (r >= 0)
		(void)pj_handler_send_record(h->conn, res, plan->json);
	pj_jail_free(j);
	return r;
}

/* Returns the setup error, or with ret_left whether the slot's cgroup was left
 * for the server to reuse: only one that still has the server's limits. */
static int run(struct pj_handler *h, struct pj_result *res, bool *ret_left, struct pj_err *err)
{
	int r;

	if (h->slot && h->too_strict) {
		pj_slot_close(h->slot, true);
		h->slot = NULL;
	}
	if (!h->slot)
		return run_cold(h, &h->plan, res, err);
	r = run_warm(h, res, err);
	if (r >= 0)
		(void)pj_handler_send_record(h->conn, res, h->plan.json);
	*ret_left = pj_slot_end(h->slot, !h->req->cgroup_limits);
	return r;
}

int pj_handler_run(struct pj_handler *h)
{
	struct pj_result res = { .exit_code = -1 };
	struct pj_err err = h->err;
	bool left = false;
	int r = h->planned;

	if (r >= 0)
		r = run(h, &res, &left, &err); /* ends the prepared jail, if any */
	else if (h->slot)
		pj_slot_close(h->slot, true);
	if (r < 0)
		pj_handler_send_error(h->conn, &err);
	return left ? PJ_HANDLER_CGROUP_LEFT : 0;
}
