/* plan.h: config + command line -> the immutable description of one run.
 * Pure: every path, id map, argv and environment is decided here, before clone. */
#ifndef PJ_PLAN_H
#define PJ_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cli.h"
#include "config.h"

struct pj_plan {
	const struct pj_config *cfg;
	const struct pj_cli *cli;
	enum pj_mode mode;
	/* what to execute inside */
	char **argv;           /* argv[0] is what the program sees */
	const char *exec_path; /* path inside the rootfs, or a name to search in PATH */
	bool exec_search;
	char **envp;
	/* mounts beyond the fixed set */
	struct pj_bind *binds; /* includes the script, read-only, as the last entry */
	unsigned n_binds;
	bool has_script;
	/* identities */
	bool as_root;    /* pyjail runs as host root */
	uid_t outer_uid; /* host uid the jail runs as */
	gid_t outer_gid;
	uid_t inner_uid;
	gid_t inner_gid;
	char uid_map[64], gid_map[64];
	/* output */
	bool json;
	const char *result_path;
	bool timings;
};

/* host_euid/host_egid: who runs pyjail (geteuid()/getegid(), passed in to stay pure). */
int pj_plan_build(const struct pj_config *cfg, const struct pj_cli *cli, uid_t host_euid,
		  gid_t host_egid, struct pj_plan *ret, struct pj_err *err);
void pj_plan_free(struct pj_plan *plan);
/* For --print-plan and tests: a stable, line-oriented dump. */
void pj_plan_print(const struct pj_plan *plan, FILE *out);

#endif
