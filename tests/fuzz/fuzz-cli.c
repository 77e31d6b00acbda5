/* fuzz-cli.c: libFuzzer target for the command line and the plan.
 *
 * The input is split at newlines into argv; the first byte also picks who runs
 * pyjail (root or an ordinary uid).  Runs pj_cli_parse(), the options over the
 * compiled-in defaults as main.c does, pj_config_validate() and pj_plan_build(),
 * then checks what the plan promises: a python argv, binds with absolute
 * destinations and no "..", one entry per environment name, sane id maps. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "fuzz.h"
#include "plan.h"

#define MAX_ARGS 128

static FILE *devnull;

static int split(char *text, char **argv)
{
	int argc = 0;

	argv[argc++] = "pyjail";
	for (char *p = text; p && argc < MAX_ARGS; argc++) {
		argv[argc] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}

static void check_path(const char *p)
{
	CHECK(p[0] == '/');
	CHECK(strstr(p, "//") == NULL && strstr(p, "/../") == NULL && strstr(p, "/./") == NULL);
	CHECK(strcmp(p, "/..") != 0 && (strlen(p) < 3 || strcmp(p + strlen(p) - 3, "/..") != 0));
}

static void check_plan(const struct pj_plan *p, const struct pj_config *cfg, uid_t uid)
{
	CHECK(p->argv && p->argv[0] && p->exec_path);
	if (p->mode == PJ_MODE_PYTHON)
		CHECK(strcmp(p->argv[0], cfg->python) == 0);
	for (unsigned i = 0; i < p->n_binds; i++)
		check_path(p->binds[i].dst);
	if (p->has_script)
		CHECK(!p->binds[p->n_binds - 1].rw);
	for (char **e = p->envp; *e; e++) {
		size_t n = strcspn(*e, "=");
		CHECK((*e)[n] == '=' && n > 0);
		for (char **f = e + 1; *f; f++)
			CHECK(strncmp(*e, *f, n + 1) != 0);
	}
	CHECK(p->as_root == (uid == 0));
	CHECK(p->outer_uid != 0 && p->outer_gid != 0);
	CHECK(strchr(p->uid_map, '\n') == p->uid_map + strlen(p->uid_map) - 1);
	pj_plan_print(p, devnull);
}

static void run(struct pj_cli *cli, uid_t uid)
{
	struct pj_config cfg;
	struct pj_plan plan;
	struct pj_err err = { 0 };
	int r = pj_config_init(&cfg, &err);

	CHECK(r == 0);
	for (unsigned i = 0; r >= 0 && i < cli->n_overrides; i++) {
		const struct pj_key *k = pj_config_find(NULL, cli->overrides[i].key);
		CHECK(k != NULL);
		r = pj_config_set(&cfg, k, cli->overrides[i].value, PJ_FROM_CLI, &err);
	}
	if (r >= 0)
		r = pj_config_validate(&cfg, &err);
	if (r >= 0 && (cli->mode == PJ_MODE_PYTHON || cli->mode == PJ_MODE_RUN)) {
		r = pj_plan_build(&cfg, cli, uid, uid, &plan, &err);
		if (r >= 0) {
			check_plan(&plan, &cfg, uid);
			pj_plan_free(&plan);
		}
	}
	if (r < 0)
		CHECK(memchr(err.msg, '\0', sizeof(err.msg)) && err.msg[0]);
	pj_config_free(&cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 1];
	struct pj_cli cli;
	struct pj_err err = { 0 };
	uid_t uid;
	char *text;
	int argc;

	if (size < 1 || size > 1 << 14)
		return 0;
	if (!devnull)
		devnull = fopen("/dev/null", "we");
	uid = data[0] & 1 ? 0 : 1000 + data[0];
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	argc = split(text, argv);
	if (pj_cli_parse(argc, argv, &cli, &err) >= 0) {
		CHECK(cli.n_py_flags < (unsigned)argc && cli.n_args < (unsigned)argc);
		run(&cli, uid);
		pj_cli_free(&cli);
	} else {
		CHECK(err.msg[0] && memchr(err.msg, '\0', sizeof(err.msg)));
	}
	free(text);
	return 0;
}
