/* cli.c: pyjail's own long options, then the python part, unchanged.
 *
 *   pyjail [OPTIONS] [PYFLAGS] (-c CODE | -m MODULE | SCRIPT | -) [ARG...]
 *   pyjail [OPTIONS] run [--] PROGRAM [ARG...]
 *   pyjail check | --help | --version
 *
 * pyjail's options are all long options and come first; the first argument that
 * is not one starts the python part, which is passed on as python3 would see it.
 * Pure: no I/O except pj_cli_usage(). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

enum opt_kind {
	O_KEY,
	O_CONFIG,
	O_PROFILE,
	O_JSON,
	O_RESULT,
	O_HELP,
	O_VERSION,
	O_PLAN,
	O_TIMINGS,
	O_SOCKET,
	O_GROUP
};

static const struct option_def {
	const char *name;
	enum opt_kind kind;
	const char *key; /* config key for O_KEY */
	const char *arg; /* NULL: takes no argument */
	const char *help;
} options[] = {
	{ "config", O_CONFIG, NULL, "FILE", "read FILE instead of the system config file" },
	{ "profile", O_PROFILE, NULL, "NAME", "apply the [profile NAME] section" },
	{ "rootfs", O_KEY, "rootfs", "DIR", "the Python root filesystem" },
	{ "bind", O_KEY, "bind", "SRC:DST[:rw]",
	  "make a host path visible (read-only unless :rw)" },
	{ "env", O_KEY, "env", "NAME=VALUE", "add an environment variable" },
	{ "memory", O_KEY, "memory", "SIZE", "memory limit of the jail (swap 0)" },
	{ "pids", O_KEY, "pids", "N", "processes and threads" },
	{ "cpu-time", O_KEY, "cpu_time", "SECONDS", "CPU time" },
	{ "cpu-quota", O_KEY, "cpu_quota", "FRACTION", "share of one CPU" },
	{ "wall-time", O_KEY, "wall_time", "SECONDS", "wall-clock time" },
	{ "output-limit", O_KEY, "output", "SIZE", "stdout and stderr together" },
	{ "file-size", O_KEY, "file_size", "SIZE", "largest file written" },
	{ "tmp-size", O_KEY, "tmp_size", "SIZE", "size of /tmp" },
	{ "open-files", O_KEY, "open_files", "N", "open file descriptors" },
	{ "json", O_JSON, NULL, NULL, "capture the output and print one JSON result record" },
	{ "result", O_RESULT, NULL, "FILE", "write the result record (without output) to FILE" },
	{ "socket", O_SOCKET, NULL, "PATH", "serve, client: the server's unix socket" },
	{ "group", O_GROUP, NULL, "GROUP", "serve: let GROUP connect too (socket mode 0660)" },
	{ "pool", O_KEY, "pool", "N", "serve: jails prepared ahead" },
	{ "workers", O_KEY, "workers", "N", "serve: requests that run at once" },
	{ "queue", O_KEY, "queue", "N", "serve: requests that may wait; more are refused" },
	{ "timings", O_TIMINGS, NULL, NULL, "print the launch's timestamps on stderr" },
	{ "print-plan", O_PLAN, NULL, NULL, NULL /* hidden: for tests */ },
	{ "help", O_HELP, NULL, NULL, "show this help" },
	{ "version", O_VERSION, NULL, NULL, "show the version" },
};

/* Python's own options that take no argument, and those that take one. */
static const char py_noarg[] = "bBdEhiIOPqsSuvVx";
static const char py_witharg[] = "WX";

static const struct option_def *find_option(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++)
		if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
			return &options[i];
	return NULL;
}

static int apply_option(struct pj_cli *cli, const struct option_def *o, const char *val,
			const char *typed, struct pj_err *err)
{
	switch (o->kind) {
	case O_KEY:
		if (cli->n_overrides >= PJ_MAX_OVERRIDES)
			return pj_fail(err, 0, "too many options");
		cli->overrides[cli->n_overrides++] = (struct pj_override){ o->key, val, typed };
		break;
	case O_CONFIG:
		cli->config_path = val;
		break;
	case O_PROFILE:
		cli->profile = val;
		break;
	case O_JSON:
		cli->json = true;
		break;
	case O_RESULT:
		cli->result_path = val;
		break;
	case O_PLAN:
		cli->print_plan = true;
		break;
	case O_TIMINGS:
		cli->timings = true;
		break;
	case O_SOCKET:
		cli->socket_path = val;
		break;
	case O_GROUP:
		cli->group = val;
		break;
	case O_HELP:
		cli->mode = PJ_MODE_HELP;
		break;
	case O_VERSION:
		cli->mode = PJ_MODE_VERSION;
		break;
	}
	return 0;
}

/* One "--name[=value]" at argv[*i]; consumes the value argument if needed. */
static int parse_long(struct pj_cli *cli, int argc, char **argv, int *i, struct pj_err *err)
{
	const char *a = argv[*i] + 2, *eq = strchr(a, '=');
	const struct option_def *o = find_option(a, eq ? (size_t)(eq - a) : strlen(a));
	const char *val = NULL;

	if (!o)
		return pj_fail(err, 0, "unknown option '%s' (see pyjail --help)", argv[*i]);
	if (o->arg && eq) {
		val = eq + 1;
	} else if (o->arg) {
		if (*i + 1 >= argc)
			return pj_fail(err, 0, "option '--%s' needs a value (%s)", o->name, o->arg);
		val = argv[++*i];
	} else if (eq) {
		return pj_fail(err, 0, "option '--%s' takes no value", o->name);
	}
	return apply_option(cli, o, val, o->name, err);
}

static int push_flag(struct pj_cli *cli, char *flag)
{
	cli->py_flags[cli->n_py_flags++] = flag;
	cli->py_flags[cli->n_py_flags] = NULL;
	return 0;
}

/* Python flags like "-u", "-Bu", "-W error", "-Xdev", then -c/-m/-/SCRIPT. */
static int parse_python(struct pj_cli *cli, int argc, char **argv, int i, struct pj_err *err)
{
	for (; i < argc; i++) {
		char *a = argv[i];
		if (strcmp(a, "-") == 0) {
			cli->pykind = PJ_PY_STDIN;
			i++;
			break;
		}
		if (a[0] != '-' || strcmp(a, "--") == 0) {
			if (strcmp(a, "--") == 0 && ++i >= argc)
				break;
			cli->pykind = PJ_PY_SCRIPT;
			cli->pytarget = argv[i++];
			break;
		}
		size_t j = 1;
		for (; a[j] && strchr(py_noarg, a[j]); j++)
			;
		if (a[j] == 'c' || a[j] == 'm') {
			char m = a[j];
			const char *t = a[j + 1] ? a + j + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (!t)
				return pj_fail(err, 0, "python option '-%c' needs an argument", m);
			if (j > 1) {
				a[j] = '\0'; /* keep the plain flags before -c/-m */
				push_flag(cli, a);
			}
			cli->pykind = m == 'c' ? PJ_PY_CODE : PJ_PY_MODULE;
			cli->pytarget = t;
			i++;
			break;
		}
		if (a[j] && strchr(py_witharg, a[j])) {
			push_flag(cli, a);
			if (!a[j + 1]) {
				if (i + 1 >= argc)
					return pj_fail(err, 0,
						       "python option '-%c' needs an argument",
						       a[j]);
				push_flag(cli, argv[++i]);
			}
			continue;
		}
		if (a[j])
			return pj_fail(err, 0,
				       "unknown option '%s' (pyjail's own options are long options "
				       "and come first; see pyjail --help)",
				       a);
		push_flag(cli, a);
	}
	cli->args = argv + i;
	cli->n_args = (unsigned)(argc - i);
	return 0;
}

static int parse_longs(struct pj_cli *cli, int argc, char **argv, int *i, struct pj_err *err)
{
	for (; *i < argc && strncmp(argv[*i], "--", 2) == 0 && argv[*i][2]; ++*i) {
		int r = parse_long(cli, argc, argv, i, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* serve and client need a socket; serve takes no program, --group only serve. */
static int check_subcommand(const struct pj_cli *cli, int argc, int i, struct pj_err *err)
{
	bool sub = cli->mode == PJ_MODE_SERVE || cli->mode == PJ_MODE_CLIENT;

	if (!sub && (cli->socket_path || cli->group))
		return pj_fail(err, 0, "--socket and --group belong to 'serve' and 'client'");
	if (!sub)
		return 0;
	if (!cli->socket_path || !cli->socket_path[0])
		return pj_fail(err, 0, "'%s' needs --socket PATH",
			       cli->mode == PJ_MODE_SERVE ? "serve" : "client");
	if (cli->mode == PJ_MODE_SERVE && i < argc)
		return pj_fail(err, 0, "'serve' takes only options");
	if (cli->mode == PJ_MODE_CLIENT && cli->group)
		return pj_fail(err, 0, "--group belongs to 'serve'");
	return 0;
}

int pj_cli_parse(int argc, char **argv, struct pj_cli *ret, struct pj_err *err)
{
	struct pj_cli cli = { .mode = PJ_MODE_PYTHON };
	int i = 1, r;

	cli.py_flags = calloc((size_t)argc + 1, sizeof(char *));
	if (!cli.py_flags)
		return pj_fail(err, ENOMEM, "arguments");
	r = parse_longs(&cli, argc, argv, &i, err);
	/* "serve" and "client" take the usual options before and after them. */
	if (r >= 0 && cli.mode == PJ_MODE_PYTHON && i < argc &&
	    (strcmp(argv[i], "serve") == 0 || strcmp(argv[i], "client") == 0)) {
		cli.mode = argv[i][0] == 's' ? PJ_MODE_SERVE : PJ_MODE_CLIENT;
		i++;
		r = parse_longs(&cli, argc, argv, &i, err);
	}
	if (r < 0)
		goto fail;
	r = check_subcommand(&cli, argc, i, err);
	if (r < 0)
		goto fail;
	if (cli.mode == PJ_MODE_CLIENT) {
		r = parse_python(&cli, argc, argv, i, err);
		if (r < 0)
			goto fail;
	} else if (cli.mode == PJ_MODE_PYTHON && i < argc && strcmp(argv[i], "check") == 0) {
		cli.mode = PJ_MODE_CHECK;
		i++;
	} else if (cli.mode == PJ_MODE_PYTHON && i < argc && strcmp(argv[i], "run") == 0) {
		cli.mode = PJ_MODE_RUN;
		if (++i < argc && strcmp(argv[i], "--") == 0)
			i++;
		if (i >= argc) {
			r = pj_fail(err, 0, "'run' needs a PROGRAM to run");
			goto fail;
		}
		cli.args = argv + i;
		cli.n_args = (unsigned)(argc - i);
	} else if (cli.mode == PJ_MODE_PYTHON) {
		r = parse_python(&cli, argc, argv, i, err);
		if (r < 0)
			goto fail;
	}
	if (cli.mode == PJ_MODE_CHECK && i < argc) {
		r = pj_fail(err, 0, "'check' takes no arguments");
		goto fail;
	}
	*ret = cli;
	return 0;
fail:
	free(cli.py_flags);
	return r;
}

void pj_cli_free(struct pj_cli *cli)
{
	free(cli->py_flags);
	cli->py_flags = NULL;
}

void pj_cli_usage(FILE *out)
{
	fputs("Usage: pyjail [OPTIONS] [PYTHON-FLAGS] -c CODE [ARG...]\n"
	      "       pyjail [OPTIONS] [PYTHON-FLAGS] -m MODULE [ARG...]\n"
	      "       pyjail [OPTIONS] [PYTHON-FLAGS] SCRIPT.py [ARG...]\n"
	      "       pyjail [OPTIONS] [PYTHON-FLAGS] - [ARG...]\n"
	      "       pyjail [OPTIONS] run [--] PROGRAM [ARG...]\n"
	      "       pyjail serve --socket PATH [OPTIONS]\n"
	      "       pyjail client --socket PATH [OPTIONS] [PYTHON-FLAGS] (-c CODE | ...)\n"
	      "       pyjail check | --help | --version\n"
	      "Run Python in a fresh, locked-down Linux jail, as a drop-in python3.\n\nOptions:\n",
	      out);
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		char left[40];
		if (!options[i].help)
			continue;
		snprintf(left, sizeof(left), "--%s%s%s", options[i].name, options[i].arg ? " " : "",
			 options[i].arg ? options[i].arg : "");
		fprintf(out, "  %-26s %s\n", left, options[i].help);
	}
	fputs("\nExit status: the program's own; 128+N if killed by signal N; 124 on the "
	      "wall-time\n"
	      "limit; 125 if pyjail itself failed.  See pyjail(1) and pyjail.conf(5).\n",
	      out);
}
