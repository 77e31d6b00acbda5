/* cli.h: the command line, turned into a struct pj_cli (no side effects). */
#ifndef PJ_CLI_H
#define PJ_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"

enum pj_mode {
	PJ_MODE_PYTHON, /* python3 with -c, -m, a script, - or nothing */
	PJ_MODE_RUN,    /* pyjail run [--] PROGRAM ARGS */
	PJ_MODE_CHECK,  /* pyjail check */
	PJ_MODE_SERVE,  /* pyjail serve --socket PATH [OPTIONS] */
	PJ_MODE_CLIENT, /* pyjail client --socket PATH [OPTIONS] PYTHON-PART */
	PJ_MODE_HELP,
	PJ_MODE_VERSION,
};

enum pj_pykind { PJ_PY_NONE, PJ_PY_CODE, PJ_PY_MODULE, PJ_PY_SCRIPT, PJ_PY_STDIN };

struct pj_override {
	const char *key; /* config key name */
	const char *value;
	const char *option; /* as typed, for messages */
};

#define PJ_MAX_OVERRIDES 512

struct pj_cli {
	enum pj_mode mode;
	const char *config_path; /* NULL: the system file */
	const char *profile;
	bool json;
	const char *result_path;
	bool print_plan;
	bool timings;
	const char *socket_path; /* serve, client */
	const char *group;       /* serve: the group allowed to connect */
	struct pj_override overrides[PJ_MAX_OVERRIDES];
	unsigned n_overrides;
	/* python part: flags before the mode marker, then what to run */
	char **py_flags; /* pointers into argv; NULL-terminated */
	unsigned n_py_flags;
	enum pj_pykind pykind;
	const char *pytarget; /* code, module or script path */
	char **args;          /* what follows: sys.argv[1:] or the run program's argv */
	unsigned n_args;
};

/* Parse argv.  Returns 0, or -EINVAL with err naming the option. */
int pj_cli_parse(int argc, char **argv, struct pj_cli *ret, struct pj_err *err);
void pj_cli_free(struct pj_cli *cli);
void pj_cli_usage(FILE *out);

#endif
