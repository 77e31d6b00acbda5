/* client.c: `pyjail client`, the cold path's drop-in that runs through `pyjail serve`.
 *
 * Owns the client's side of the protocol (pyjail(1), PROTOCOL): the request line
 * built with jansson from the parsed command line, the script read with the
 * caller's rights, the conversation on the socket (fds 0, 1 and 2 passed with
 * SCM_RIGHTS, SIGINT/SIGTERM/SIGHUP/SIGQUIT forwarded as {"signal":N} lines), and
 * turning the reply into the cold path's output and exit status.
 *
 * A front-end file like main.c: it prints.  It reads no config: the server
 * decides everything about a request and refuses what it does not allow.  The
 * reply's record is printed as the server wrote it (the server uses the same
 * pj_result_write_json()); jansson only checks it and reads the fields that
 * decide the exit status. */
#include "client.h"

#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "result.h"
#include "util.h"

/* A script larger than this is refused here (the server's max_request, 16M by
 * default, usually refuses it first).  The reply holds at most the output limit,
 * JSON-escaped (at worst 6 bytes for one), plus the record. */
#define CLIENT_MAX_SCRIPT (64UL << 20)
#define CLIENT_MAX_REPLY (256UL << 20)
#define CLIENT_READ_CHUNK 65536

/* ---- the request ---- */

/* The server's config and profiles decide these; a request cannot choose them. */
static int refuse_local_options(const struct pj_cli *cli, struct pj_err *err)
{
	const struct {
		bool set;
		const char *name;
	} local[] = {
		{ cli->config_path != NULL, "config" },
		{ cli->profile != NULL, "profile" },
		{ cli->print_plan, "print-plan" },
		{ cli->timings, "timings" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(local); i++)
		if (local[i].set)
			return pj_fail(err, 0,
				       "--%s cannot be used with 'client' (the server's "
				       "configuration applies)",
				       local[i].name);
	return 0;
}

/* obj[key] = s, refused if s is not UTF-8 (the protocol carries text). */
static int set_text(json_t *obj, const char *key, const char *s, size_t len, const char *what,
		    struct pj_err *err)
{
	json_t *v = json_stringn(s, len);

	if (!v)
		return pj_fail(err, 0,
			       "%s is not valid UTF-8 (a request to the server carries text)",
			       what);
	if (json_object_set_new(obj, key, v) < 0)
		return pj_fail(err, ENOMEM, "request");
	return 0;
}

static int add_strings(json_t *req, const char *key, char **v, unsigned n, const char *what,
		       struct pj_err *err)
{
	json_t *a = json_array();

	if (!a || json_object_set_new(req, key, a) < 0)
		return pj_fail(err, ENOMEM, "request");
	for (unsigned i = 0; i < n; i++) {
		json_t *s = json_string(v[i]);
		if (!s)
			return pj_fail(err, 0,
				       "%s '%s' is not valid UTF-8 (a request carries text)", what,
				       v[i]);
		if (json_array_append_new(a, s) < 0)
			return pj_fail(err, ENOMEM, "request");
	}
	return 0;
}

/* --memory 64M -> "options": {"memory": "64M"}; the server checks names and values.
 * A repeated option: the last one counts, as on the command line of a run. */
static int add_options(json_t *req, const struct pj_cli *cli, struct pj_err *err)
{
	json_t *opts;
	int r;

	if (cli->n_overrides == 0)
		return 0;
	opts = json_object();
	if (!opts || json_object_set_new(req, "options", opts) < 0)
		return pj_fail(err, ENOMEM, "request");
	for (unsigned i = 0; i < cli->n_overrides; i++) {
		const struct pj_override *o = &cli->overrides[i];
		char what[64];
		snprintf(what, sizeof(what), "the value of --%s", o->option);
		r = set_text(opts, o->option, o->value, strlen(o->value), what, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static char *base64(const unsigned char *p, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		*o++ = a[v >> 18];
		*o++ = a[(v >> 12) & 63];
		*o++ = i + 1 < n ? a[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? a[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* Read the script as the cold path opens it: by the caller's rights, a regular
 * file; at most CLIENT_MAX_SCRIPT bytes. */
static int read_script(const char *path, struct pj_buf *ret, struct pj_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct pj_buf b = { 0 };
	char chunk[CLIENT_READ_CHUNK];
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return pj_fail(err, errno, "script '%s'", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return pj_fail(err, 0, "script '%s' is not a regular file", path);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		int r = 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = pj_fail(err, errno, "script '%s'", path);
		else if (b.len + (size_t)n > CLIENT_MAX_SCRIPT)
			r = pj_fail(err, 0, "script '%s' is larger than %luM", path,
				    CLIENT_MAX_SCRIPT >> 20);
		else if (pj_buf_append(&b, chunk, (size_t)n) < 0)
			r = pj_fail(err, ENOMEM, "script '%s'", path);
		if (r < 0) {
			pj_buf_free(&b);
			return r;
		}
	}
	*ret = b;
	return 0;
}

/* "script": {"path": P, "text": UTF-8} or {"path": P, "base64": ...}. */
static int add_script(json_t *req, const char *path, struct pj_err *err)
{
	_cleanup_free_ char *b64 = NULL;
	struct pj_buf data = { 0 };
	json_t *s = json_object(), *text;
	int r;

	if (!s || json_object_set_new(req, "script", s) < 0)
		return pj_fail(err, ENOMEM, "request");
	r = set_text(s, "path", path, strlen(path), "the script's path", err);
	if (r < 0)
		return r;
	r = read_script(path, &data, err);
	if (r < 0)
		return r;
	text = json_stringn(data.data ? data.data : "", data.len);
	if (!text) {
		b64 = base64((const unsigned char *)data.data, data.len);
		text = b64 ? json_string(b64) : NULL;
	}
	pj_buf_free(&data);
	if (!text || json_object_set_new(s, b64 ? "base64" : "text", text) < 0)
		return pj_fail(err, ENOMEM, "request");
	return 0;
}

static int add_program(json_t *req, const struct pj_cli *cli, struct pj_err *err)
{
	const char *t = cli->pytarget;

	switch (cli->pykind) {
	case PJ_PY_CODE:
		return set_text(req, "code", t, strlen(t), "the program text of -c", err);
	case PJ_PY_MODULE:
		return set_text(req, "module", t, strlen(t), "the module name of -m", err);
	case PJ_PY_SCRIPT:
		return add_script(req, t, err);
	case PJ_PY_STDIN:
		if (json_object_set_new(req, "stdin_program", json_true()) < 0)
			return pj_fail(err, ENOMEM, "request");
		return 0;
	case PJ_PY_NONE:
		break;
	}
	return 0;
}

/* The request as one line, "\n" included (jansson escapes every newline). */
static int build_request(const struct pj_cli *cli, char **ret_line, size_t *ret_len,
			 struct pj_err *err)
{
	json_auto_t *req = json_object();
	char *line, *nl;
	size_t len;
	int r;

	if (!req)
		return pj_fail(err, ENOMEM, "request");
	r = add_program(req, cli, err);
	if (r >= 0)
		r = add_strings(req, "args", cli->args, cli->n_args, "argument", err);
	if (r >= 0 && cli->n_py_flags)
		r = add_strings(req, "python_flags", cli->py_flags, cli->n_py_flags, "python flag",
				err);
	if (r >= 0)
		r = add_options(req, cli, err);
	if (r >= 0 && cli->json && json_object_set_new(req, "json", json_true()) < 0)
		r = pj_fail(err, ENOMEM, "request");
	if (r < 0)
		return r;
	line = json_dumps(req, JSON_COMPACT);
	len = line ? strlen(line) : 0;
	nl = line ? realloc(line, len + 2) : NULL;
	if (!nl) {
		free(line);
		return pj_fail(err, ENOMEM, "request");
	}
	memcpy(nl + len, "\n", 2);
	*ret_line = nl;
	*ret_len = len + 1;
	return 0;
}

/* ---- the conversation ---- */

/* fds 0, 1 and 2 go to the server, so each must be open: /dev/null stands in
 * for a closed one, as it would for a program started with it closed. */
static int ensure_std_fds(struct pj_err *err)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int n = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (n < 0)
			return pj_fail(err, errno, "open '/dev/null'");
		if (n != fd)
			return pj_fail(err, EBADF, "standard fd %d", fd);
	}
	return 0;
}

/* Blocked before connecting, so a signal that arrives at any point after is
 * forwarded, not lost.  SIGPIPE: a server that went away is an EPIPE, not death. */
static int open_signalfd(int *ret_fd, struct pj_err *err)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return pj_fail(err, errno, "sigprocmask");
	signal(SIGPIPE, SIG_IGN);
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return pj_fail(err, errno, "signalfd");
	*ret_fd = fd;
	return 0;
}

static int connect_server(const char *path, int *ret_fd, struct pj_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return pj_fail(err, 0, "--socket '%s': the path is too long (at most %zu bytes)",
			       path, sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pj_fail(err, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return pj_fail(err, errno, "cannot reach the server at '%s'", path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* The request with fds 0, 1 and 2 attached to its first bytes ("fds mode").  A
 * server that refuses early replies and closes: EPIPE here, the reply next. */
static int send_request(int sock, const char *line, size_t len, struct pj_err *err)
{
	int fds[3] = { 0, 1, 2 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(fds))];
	} c = { 0 };
	struct iovec iov = { .iov_base = (void *)line, .iov_len = len };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = c.buf,
			    .msg_controllen = sizeof(c.buf) };
	ssize_t n;

	c.h.cmsg_level = SOL_SOCKET;
	c.h.cmsg_type = SCM_RIGHTS;
	c.h.cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(&c.h), fds, sizeof(fds));
	while ((n = sendmsg(sock, &m, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (n < 0 && errno != EPIPE && errno != ECONNRESET)
		return pj_fail(err, errno, "send the request");
	while (n >= 0 && (size_t)n < len) {
		ssize_t k = send(sock, line + n, len - (size_t)n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno != EPIPE && errno != ECONNRESET)
			return pj_fail(err, errno, "send the request");
		n = k < 0 ? -1 : n + k;
	}
	return 0;
}

/* A signal for pyjail is one for the program: {"signal":N}.  A server that is
 * gone shows as the end of the reply, so a failed send is ignored here. */
static void forward_signal(int sock, int sfd)
{
	struct signalfd_siginfo si;
	char line[32];
	int len;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		len = snprintf(line, sizeof(line), "{\"signal\":%u}\n", si.ssi_signo);
		(void)send(sock, line, (size_t)len, MSG_NOSIGNAL);
	}
}

/* Read what is there.  Returns 1 once the reply line is complete (cut after
 * its "\n"), 0 to wait for more. */
static int read_reply(int sock, struct pj_buf *b, struct pj_err *err)
{
	char chunk[CLIENT_READ_CHUNK], *nl;
	ssize_t n = read(sock, chunk, sizeof(chunk));

	if (n < 0 && errno == EINTR)
		return 0;
	if (n < 0 && errno != ECONNRESET)
		return pj_fail(err, errno, "read the reply");
	if (n <= 0 && b->len == 0)
		return pj_fail(err, 0, "no reply (the connection was closed)");
	if (n <= 0)
		return pj_fail(err, 0, "the reply ended without its end of line");
	if (b->len + (size_t)n > CLIENT_MAX_REPLY)
		return pj_fail(err, 0, "the reply is larger than %luM", CLIENT_MAX_REPLY >> 20);
	nl = memchr(chunk, '\n', (size_t)n);
	if (pj_buf_append(b, chunk, nl ? (size_t)(nl - chunk) + 1 : (size_t)n) < 0)
		return pj_fail(err, ENOMEM, "the server's reply");
	return nl != NULL;
}

/* Wait for the reply, forwarding signals meanwhile. */
static int converse(int sock, int sfd, struct pj_buf *reply, struct pj_err *err)
{
	struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
	int r;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return pj_fail(err, errno, "poll");
		}
		if (p[1].revents & POLLIN)
			forward_signal(sock, sfd);
		if (p[0].revents) {
			r = read_reply(sock, reply, err);
			if (r != 0)
				return r < 0 ? r : 0;
		}
	}
}

/* ---- the reply ---- */

/* jansson refuses lone surrogates, which the record uses for bytes that are not
 * UTF-8 (\udcXX).  For the checks below, a copy reads every surrogate escape
 * as U+FFFD; the record itself is printed as it came. */
static void mask_surrogates(char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u' && i + 5 < n && (s[i + 2] | 0x20) == 'd' && s[i + 3] &&
		    strchr("89abcdefABCDEF", s[i + 3]))
			memcpy(s + i + 2, "fffd", 4);
		i++; /* outside strings valid JSON has no backslash: skip the escaped char */
	}
}

static int find_status(const char *name, enum pj_status *ret)
{
	for (int st = PJ_ST_EXITED; st <= PJ_ST_SETUP_ERROR; st++)
		if (strcmp(name, pj_result_status_name((enum pj_status)st)) == 0) {
			*ret = (enum pj_status)st;
			return 0;
		}
	return -EINVAL;
}

/* An integer in [lo, hi] or null (-1 for "none"); missing is an error. */
static int int_or_null(json_t *rec, const char *key, int lo, int hi, int *ret)
{
	json_t *v = json_object_get(rec, key);

	if (json_is_null(v)) {
		*ret = -1;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return -EINVAL;
	*ret = (int)json_integer_value(v);
	return 0;
}

/* The fields that decide what pyjail prints and its exit status. */
static int read_record(json_t *rec, struct pj_result *ret, struct pj_err *err)
{
	json_t *st = json_object_get(rec, "status"), *e = json_object_get(rec, "error");
	struct pj_result res = { 0 };
	int sig;

	if (!json_is_string(st) || find_status(json_string_value(st), &res.status) < 0)
		return pj_fail(err, 0, "no valid \"status\"");
	if (int_or_null(rec, "exit_code", 0, 255, &res.exit_code) < 0 ||
	    (res.status == PJ_ST_EXITED && res.exit_code < 0))
		return pj_fail(err, 0, "no valid \"exit_code\"");
	if (int_or_null(rec, "signal", 1, 64, &sig) < 0)
		return pj_fail(err, 0, "no valid \"signal\"");
	res.signal = sig < 0 ? 0 : sig;
	res.pids_limit_hit = json_is_true(json_object_get(rec, "pids_limit_hit"));
	if (res.status == PJ_ST_SETUP_ERROR && !json_is_string(e))
		return pj_fail(err, 0, "a setup-error without an \"error\" message");
	if (e && json_is_string(e))
		snprintf(res.error.msg, sizeof(res.error.msg), "%s", json_string_value(e));
	*ret = res;
	return 0;
}

/* Check the reply line: one JSON object, a record pyjail could have printed. */
static int parse_reply(const struct pj_buf *reply, const char *path, struct pj_result *ret,
		       struct pj_err *err)
{
	_cleanup_free_ char *copy = malloc(reply->len);
	json_auto_t *rec = NULL;
	json_error_t je;
	int r;

	if (!copy)
		return pj_fail(err, ENOMEM, "the server's reply");
	memcpy(copy, reply->data, reply->len);
	mask_surrogates(copy, reply->len);
	rec = json_loadb(copy, reply->len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	if (!rec)
		r = pj_fail(err, 0, "not JSON (%s)", je.text);
	else if (!json_is_object(rec))
		r = pj_fail(err, 0, "not a JSON object");
	else
		r = read_record(rec, ret, err);
	if (r < 0)
		pj_fail_prefix(err, "the server at '%s' sent a malformed reply: ", path);
	return r;
}

/* End of the JSON value (or key) that starts at s[i], in a reply jansson read. */
static size_t value_end(const char *s, size_t n, size_t i)
{
	int depth = 0;
	bool str = false;

	for (; i < n; i++) {
		char c = s[i];
		if (str && c == '\\') {
			i++;
		} else if (str && c == '"') {
			str = false;
			if (!depth)
				return i + 1;
		} else if (str) {
			continue;
		} else if (c == '"') {
			str = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return i; /* a scalar ends where its object does */
			if (--depth == 0)
				return i + 1;
		} else if (c == ',' && !depth) {
			return i;
		}
	}
	return n;
}

/* The record without "stdout" and "stderr", for --result FILE: the reply's own
 * text, member by member, so everything else reads exactly as the server wrote it. */
static int record_without_output(const struct pj_buf *rec, struct pj_buf *out)
{
	const char *s = rec->data;
	size_t n = rec->len, i = 0, k, v, end;
	bool first = true;
	int r = 0;

	while (i < n && s[i] != '{')
		i++;
	r |= pj_buf_append(out, "{", 1);
	for (i++; i < n && r >= 0; i = end) {
		while (i < n && strchr(" \t\r\n,", s[i]))
			i++;
		if (i >= n || s[i] != '"')
			break;
		k = value_end(s, n, i);
		for (v = k; v < n && strchr(" \t\r\n:", s[v]); v++)
			;
		end = value_end(s, n, v);
		if ((k - i == 8 && memcmp(s + i, "\"stdout\"", 8) == 0) ||
		    (k - i == 8 && memcmp(s + i, "\"stderr\"", 8) == 0))
			continue;
		if (!first)
			r |= pj_buf_append(out, ",", 1);
		r |= pj_buf_append(out, s + i, end - i);
		first = false;
	}
	r |= pj_buf_append(out, "}\n", 2);
	return r < 0 ? -ENOMEM : 0;
}

static void write_result_file(const char *path, const struct pj_buf *rec, bool has_output)
{
	struct pj_buf stripped = { 0 };
	const struct pj_buf *b = rec;
	FILE *f;

	if (has_output) {
		if (record_without_output(rec, &stripped) < 0) {
			fprintf(stderr, "pyjail: cannot write result file '%s': out of memory\n",
				path);
			pj_buf_free(&stripped);
			return;
		}
		b = &stripped;
	}
	f = fopen(path, "we");
	if (!f) {
		fprintf(stderr, "pyjail: cannot write result file '%s': %m\n", path);
	} else {
		fwrite(b->data, 1, b->len, f);
		if (fclose(f) != 0)
			fprintf(stderr, "pyjail: cannot write result file '%s': %m\n", path);
	}
	pj_buf_free(&stripped);
}

/* As main.c's report(): the same messages, files and exit status as the cold path. */
static int report(const struct pj_cli *cli, const struct pj_buf *rec, const struct pj_result *res)
{
	const char *why = pj_result_reason(res);

	if (res->status == PJ_ST_SETUP_ERROR && !cli->json)
		fprintf(stderr, "pyjail: %s\n", res->error.msg);
	if (cli->result_path)
		write_result_file(cli->result_path, rec, cli->json);
	if (cli->json) {
		fwrite(rec->data, 1, rec->len, stdout);
		fflush(stdout);
	} else if (why) {
		fprintf(stderr, "%s\n", why);
	}
	return pj_result_exit_status(res, cli->json);
}

/* As main.c's setup_error(): the message, and with --json a setup-error record. */
static int local_error(const struct pj_cli *cli, const struct pj_err *err)
{
	fprintf(stderr, "pyjail: %s\n", err->msg);
	if (cli->json) {
		struct pj_result res = { .status = PJ_ST_SETUP_ERROR,
					 .exit_code = -1,
					 .error = *err };
		pj_result_write_json(stdout, &res, true);
	}
	return PJ_EXIT_SETUP;
}

int pj_client_main(const struct pj_cli *cli)
{
	_cleanup_free_ char *line = NULL;
	_cleanup_close_ int sfd = -1, sock = -1;
	struct pj_buf reply = { 0 };
	struct pj_result res;
	struct pj_err err = { 0 };
	size_t len = 0;
	int r;

	r = refuse_local_options(cli, &err);
	if (r >= 0)
		r = build_request(cli, &line, &len, &err);
	if (r >= 0)
		r = ensure_std_fds(&err);
	if (r >= 0)
		r = open_signalfd(&sfd, &err);
	if (r >= 0)
		r = connect_server(cli->socket_path, &sock, &err);
	if (r >= 0)
		r = send_request(sock, line, len, &err);
	if (r >= 0) {
		r = converse(sock, sfd, &reply, &err);
		if (r < 0)
			pj_fail_prefix(&err, "the server at '%s': ", cli->socket_path);
	}
	if (r >= 0)
		r = parse_reply(&reply, cli->socket_path, &res, &err);
	r = r < 0 ? local_error(cli, &err) : report(cli, &reply, &res);
	pj_buf_free(&reply);
	return r;
}
