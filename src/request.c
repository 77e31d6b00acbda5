/* request.c: a pyjail serve request line -> struct pj_request (pure).
 *
 * Strict like the config: unknown fields, wrong types, two programs, options
 * that are not limits, and limits above what the server allows are errors that
 * name the field.  Decides whether a prepared jail can run the request exactly
 * as python3 would (warm) or whether it needs a jail of its own (cold).  No I/O. */
#include "request.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The options a request may give: limits only, by their command-line names. */
static const struct {
	const char *option, *key;
	enum { ANY_JAIL, CGROUP, COLD } when; /* what a value other than the server's needs */
} limit_options[] = {
	{ "memory", "memory", CGROUP },           { "pids", "pids", CGROUP },
	{ "cpu-time", "cpu_time", ANY_JAIL },     { "cpu-quota", "cpu_quota", CGROUP },
	{ "wall-time", "wall_time", ANY_JAIL },   { "output-limit", "output", ANY_JAIL },
	{ "file-size", "file_size", ANY_JAIL },   { "tmp-size", "tmp_size", COLD },
	{ "open-files", "open_files", ANY_JAIL },
};

static const char *const fields[] = { "code",         "module",  "script", "stdin_program", "args",
				      "python_flags", "options", "json",   "stdin" };

/* A client's name for a message: one line, at most 40 characters. */
static const char *printable(const char *s, char buf[static 48])
{
	size_t i = 0;

	for (; s[i] && i < 40; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	strcpy(buf + i, s[i] ? "..." : "");
	return buf;
}

static int check_fields(json_t *o, struct pj_err *err)
{
	char name[48];
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
	{
		bool known = false;
		for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
			known = known || strcmp(k, fields[i]) == 0;
		if (!known)
			return pj_fail(err, 0, "request: unknown field '%s'", printable(k, name));
	}
	return 0;
}

/* A NULL-terminated array of the strings in field (an array of strings). */
static int string_array(json_t *o, const char *field, char ***ret, unsigned *ret_n,
			struct pj_err *err)
{
	json_t *a = json_object_get(o, field), *v;
	size_t i;
	char **out;

	*ret_n = 0;
	if (a && !json_is_array(a))
		return pj_fail(err, 0, "request: '%s' must be an array of strings", field);
	out = calloc((a ? json_array_size(a) : 0) + 1, sizeof(char *));
	if (!out)
		return pj_fail(err, ENOMEM, "request");
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v)) {
			free(out);
			return pj_fail(err, 0, "request: '%s' must be an array of strings", field);
		}
		out[i] = (char *)json_string_value(v);
	}
	*ret = out;
	*ret_n = a ? (unsigned)json_array_size(a) : 0;
	return 0;
}

static int get_string(json_t *o, const char *field, const char **ret, struct pj_err *err)
{
	json_t *v = json_object_get(o, field);

	*ret = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return pj_fail(err, 0, "request: '%s' must be a string", field);
	*ret = json_string_value(v);
	return 1;
}

static int parse_script(struct pj_request *r, json_t *s, struct pj_err *err)
{
	const char *k;
	char name[48];
	json_t *v;

	if (!json_is_object(s))
		return pj_fail(err, 0, "request: 'script' must be an object");
	json_object_foreach(s, k, v)
	{
		if (strcmp(k, "path") && strcmp(k, "text") && strcmp(k, "base64"))
			return pj_fail(err, 0, "request: unknown field 'script.%s'",
				       printable(k, name));
		if (!json_is_string(v))
			return pj_fail(err, 0, "request: 'script.%s' must be a string", k);
	}
	r->cli.pytarget = json_string_value(json_object_get(s, "path"));
	r->script_text = json_string_value(json_object_get(s, "text"));
	r->script_b64 = json_string_value(json_object_get(s, "base64"));
	if (!r->cli.pytarget || !r->cli.pytarget[0])
		return pj_fail(err, 0, "request: 'script.path' is missing");
	if (!r->script_text == !r->script_b64)
		return pj_fail(err, 0, "request: 'script' needs one of 'text' and 'base64'");
	return 0;
}

/* code, module, script or stdin_program: at most one. */
static int parse_program(struct pj_request *r, json_t *o, struct pj_err *err)
{
	json_t *s = json_object_get(o, "script"), *sp = json_object_get(o, "stdin_program");
	const char *code, *mod;
	int n = 0, rc;

	if ((rc = get_string(o, "code", &code, err)) < 0)
		return rc;
	n += rc;
	if ((rc = get_string(o, "module", &mod, err)) < 0)
		return rc;
	n += rc + (s != NULL) + (sp != NULL);
	if (n > 1)
		return pj_fail(err, 0,
			       "request: give at most one of 'code', 'module', 'script' and "
			       "'stdin_program'");
	if (sp && !json_is_true(sp))
		return pj_fail(err, 0, "request: 'stdin_program' must be true");
	r->cli.pykind = code  ? PJ_PY_CODE
			: mod ? PJ_PY_MODULE
			: s   ? PJ_PY_SCRIPT
			: sp  ? PJ_PY_STDIN
			      : PJ_PY_NONE;
	r->cli.pytarget = code ? code : mod;
	if (s)
		return parse_script(r, s, err);
	return 0;
}

/* The most a request may ask for: the administrator's ceiling, else the server's value. */
static uint64_t allowed(const struct pj_limit *server)
{
	return server->max != PJ_UNLIMITED ? server->max : server->value;
}

static int set_limit(struct pj_request *r, const struct pj_config *server, size_t i,
		     const char *value, struct pj_err *err)
{
	const struct pj_key *key = pj_config_find("limits", limit_options[i].key);
	size_t off = key->offset;
	const struct pj_limit *sl = (const struct pj_limit *)((const char *)server + off);
	struct pj_limit *rl = (struct pj_limit *)((char *)&r->cfg + off);
	char a[32], b[32];
	int rc = pj_config_set(&r->cfg, key, value, PJ_FROM_CLI, err);

	if (rc < 0) {
		pj_fail_prefix(err, "request: option '%s': ", limit_options[i].option);
		return rc;
	}
	if (rl->value > allowed(sl)) {
		uint64_t max = allowed(sl);
		pj_config_format(key, &rl->value, a, sizeof(a));
		pj_config_format(key, &max, b, sizeof(b));
		return pj_fail(err, 0, "request: option '%s': %s is above the server's maximum %s",
			       limit_options[i].option, a, b);
	}
	/* /tmp's size is fixed when a jail is prepared; cgroup limits can be rewritten */
	if (limit_options[i].when == COLD && rl->value != sl->value)
		r->warm = false;
	if (limit_options[i].when == CGROUP && rl->value != sl->value)
		r->cgroup_limits = true;
	return 0;
}

static int parse_options(struct pj_request *r, json_t *o, const struct pj_config *server,
			 struct pj_err *err)
{
	json_t *opts = json_object_get(o, "options"), *v;
	const char *k;

	if (opts && !json_is_object(opts))
		return pj_fail(err, 0, "request: 'options' must be an object");
	json_object_foreach(opts, k, v)
	{
		char num[32], name[48];
		const char *value = num;
		size_t i = 0;
		for (; i < ARRAY_SIZE(limit_options) && strcmp(k, limit_options[i].option); i++)
			;
		if (i == ARRAY_SIZE(limit_options))
			return pj_fail(
				err, 0,
				"request: option '%s' is not allowed (a request may set only "
				"limits)",
				printable(k, name));
		if (json_is_string(v))
			value = json_string_value(v);
		else if (json_is_integer(v) && json_integer_value(v) >= 0)
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		else if (json_is_real(v) && json_real_value(v) >= 0)
			snprintf(num, sizeof(num), "%.6f", json_real_value(v));
		else
			return pj_fail(err, 0, "request: option '%s' must be a string or a number",
				       k);
		int rc = set_limit(r, server, i, value, err);
		if (rc < 0)
			return rc;
	}
	return pj_config_validate(&r->cfg, err);
}

static int parse_io(struct pj_request *r, json_t *o, bool have_fds, struct pj_err *err)
{
	json_t *j = json_object_get(o, "json"), *in = json_object_get(o, "stdin");

	if (j && !json_is_boolean(j))
		return pj_fail(err, 0, "request: 'json' must be true or false");
	if (in && !json_is_string(in))
		return pj_fail(err, 0, "request: 'stdin' must be a string");
	if (in && have_fds)
		return pj_fail(err, 0, "request: 'stdin' is for requests without passed fds");
	r->capture = !have_fds;
	r->cli.json = r->capture || json_is_true(j);
	if (in) {
		r->stdin_data = json_string_value(in);
		r->stdin_len = json_string_length(in);
	}
	return 0;
}

static int parse_object(struct pj_request *r, json_t *o, bool have_fds, bool stdin_tty,
			const struct pj_config *server, struct pj_err *err)
{
	int rc = check_fields(o, err);

	if (rc >= 0)
		rc = parse_program(r, o, err);
	if (rc >= 0)
		rc = string_array(o, "args", &r->cli.args, &r->cli.n_args, err);
	if (rc >= 0)
		rc = string_array(o, "python_flags", &r->cli.py_flags, &r->cli.n_py_flags, err);
	if (rc >= 0)
		rc = parse_io(r, o, have_fds, err);
	if (rc >= 0)
		rc = parse_options(r, o, server, err);
	if (rc < 0)
		return rc;
	/* Interpreter options and a terminal's interactive mode are decided when an
	 * interpreter starts: such requests get a fresh one. */
	if (r->cli.n_py_flags || (r->cli.pykind == PJ_PY_NONE && stdin_tty))
		r->warm = false;
	return 0;
}

/* An error is one line, whatever the client's strings held. */
static int one_line(struct pj_err *err, int rc)
{
	for (char *c = err->msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return rc;
}

int pj_request_parse(const char *line, size_t len, bool have_fds, bool stdin_tty,
		     const struct pj_config *server, struct pj_request *ret, struct pj_err *err)
{
	struct pj_request r = { .cfg = *server, .warm = true };
	json_error_t je;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	int rc;

	r.cli.mode = PJ_MODE_PYTHON;
	if (!o)
		return one_line(err, pj_fail(err, 0, "request: malformed JSON at column %d: %s",
					     je.column, je.text));
	r.root = o;
	if (!json_is_object(o))
		rc = pj_fail(err, 0, "request: not a JSON object");
	else
		rc = parse_object(&r, o, have_fds, stdin_tty, server, err);
	if (rc < 0) {
		pj_request_free(&r);
		return one_line(err, rc);
	}
	*ret = r;
	return 0;
}

void pj_request_free(struct pj_request *r)
{
	free(r->cli.args);
	free(r->cli.py_flags);
	json_decref(r->root);
	*r = (struct pj_request){ 0 };
}
