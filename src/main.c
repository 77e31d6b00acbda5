/* main.c: the front.  argv + config files -> a plan -> a run (or `check`), and
 * the only place, with the supervisor, that turns errors into text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "client.h"
#include "config.h"
#include "jail.h"
#include "plan.h"
#include "result.h"
#include "serve.h"
#include "util.h"

#ifndef PYJAIL_SYSCONF
#define PYJAIL_SYSCONF "/etc/pyjail/pyjail.conf"
#endif

/* Defaults, then the system file (or --config), its profile, then options. */
static int load_config(const struct pj_cli *cli, struct pj_config *cfg, struct pj_err *err)
{
	const char *path = cli->config_path ? cli->config_path : PYJAIL_SYSCONF;
	int r = pj_config_init(cfg, err);

	if (r >= 0)
		r = pj_config_load_file(cfg, path, !cli->config_path, cli->profile, err);
	for (unsigned i = 0; r >= 0 && i < cli->n_overrides; i++) {
		const struct pj_override *o = &cli->overrides[i];
		r = pj_config_set(cfg, pj_config_find(NULL, o->key), o->value, PJ_FROM_CLI, err);
		if (r < 0)
			pj_fail_prefix(err, "--%s: ", o->option);
	}
	if (r >= 0)
		r = pj_config_validate(cfg, err);
	return r;
}

static int setup_error(const struct pj_cli *cli, const struct pj_err *err)
{
	fprintf(stderr, "pyjail: %s%s%s\n", err->stage ? pj_stage_name(err->stage) : "",
		err->stage ? ": " : "", err->msg);
	if (cli && cli->json) {
		struct pj_result res = { .status = PJ_ST_SETUP_ERROR,
					 .exit_code = -1,
					 .error = *err };
		pj_result_write_json(stdout, &res, true);
	}
	return PJ_EXIT_SETUP;
}

static void write_result_file(const char *path, const struct pj_result *res)
{
	FILE *f = fopen(path, "we");

	if (!f) {
		fprintf(stderr, "pyjail: cannot write result file '%s': %m\n", path);
		return;
	}
	pj_result_write_json(f, res, false);
	fclose(f);
}

static int report(const struct pj_plan *plan, const struct pj_result *res)
{
	const char *why = pj_result_reason(res);

	if (res->status == PJ_ST_SETUP_ERROR && !plan->json)
		fprintf(stderr, "pyjail: %s%s%s\n",
			res->error.stage ? pj_stage_name(res->error.stage) : "",
			res->error.stage ? ": " : "", res->error.msg);
	if (plan->result_path)
		write_result_file(plan->result_path, res);
	if (plan->json) {
		pj_result_write_json(stdout, res, true);
		fflush(stdout);
	} else if (why) {
		fprintf(stderr, "%s\n", why);
	}
	return pj_result_exit_status(res, plan->json);
}

/* Start, supervise, report, then clean up: the result goes out before the
 * cgroup and fds are removed. */
static int run(const struct pj_cli *cli, const struct pj_config *cfg, struct pj_result *res)
{
	struct pj_plan plan;
	struct pj_jail *jail = NULL;
	struct pj_err err = { 0 };
	int r = pj_plan_build(cfg, cli, geteuid(), getegid(), &plan, &err);

	if (r < 0)
		return setup_error(cli, &err);
	res->t[PJ_T_PLANNED] = pj_now_ns();
	if (cli->print_plan) {
		pj_plan_print(&plan, stdout);
		pj_plan_free(&plan);
		return 0;
	}
	r = pj_jail_start(&plan, res, &jail, &err);
	if (r >= 0)
		r = pj_jail_wait(jail, res, &err);
	if (r < 0)
		r = setup_error(cli, &err);
	else
		r = report(&plan, res);
	res->t[PJ_T_REPORTED] = pj_now_ns();
	pj_jail_free(jail);
	res->t[PJ_T_END] = pj_now_ns();
	if (cli->timings)
		pj_result_write_timings(stderr, res);
	pj_buf_free(&res->out);
	pj_buf_free(&res->err);
	pj_plan_free(&plan);
	return r;
}

int main(int argc, char **argv)
{
	struct pj_result res = { .exit_code = -1, .t[PJ_T_START] = pj_now_ns() };
	struct pj_cli cli;
	struct pj_config cfg;
	struct pj_err err = { 0 };
	int r = pj_cli_parse(argc, argv, &cli, &err);

	if (r < 0)
		return setup_error(NULL, &err);
	if (cli.mode == PJ_MODE_HELP || cli.mode == PJ_MODE_VERSION) {
		if (cli.mode == PJ_MODE_HELP)
			pj_cli_usage(stdout);
		else
			printf("pyjail %s\n", PACKAGE_VERSION);
		pj_cli_free(&cli);
		return 0;
	}
	/* The server decides everything about a request: a client reads no config. */
	if (cli.mode == PJ_MODE_CLIENT) {
		r = pj_client_main(&cli);
		pj_cli_free(&cli);
		return r;
	}
	r = load_config(&cli, &cfg, &err);
	if (r < 0)
		r = setup_error(&cli, &err);
	else if (cli.mode == PJ_MODE_CHECK)
		r = pj_check_run(&cfg, stdout);
	else if (cli.mode == PJ_MODE_SERVE)
		r = pj_serve_main(&cli, &cfg);
	else
		r = run(&cli, &cfg, &res);
	pj_config_free(&cfg);
	pj_cli_free(&cli);
	return r;
}
