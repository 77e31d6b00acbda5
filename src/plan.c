/* plan.c: decide everything about one run before anything is created.
 *
 * Owns argv/envp construction, the script's place inside the jail and the id maps.
 * Pure: tested in tests/unit/test-plan.c.  Must not touch the filesystem. */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define PJ_PATH_INSIDE "/usr/local/bin:/usr/bin:/bin"

static int push(char ***v, unsigned *n, const char *s, struct pj_err *err)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));

	if (!nv)
		return pj_fail(err, ENOMEM, "plan");
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return pj_fail(err, ENOMEM, "plan");
	nv[++*n] = NULL;
	return 0;
}

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* The fixed environment, then --env / env= entries (later ones win). */
static int build_env(struct pj_plan *p, struct pj_err *err)
{
	const struct pj_config *cfg = p->cfg;
	const char *fixed[] = { ("PATH=" PJ_PATH_INSIDE), "HOME=/tmp",
				"LANG=C.UTF-8",           "TMPDIR=/tmp",
				"USER=sandbox",           "LOGNAME=sandbox",
				"SHELL=/nonexistent" };
	unsigned n = 0;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
		r = push(&p->envp, &n, fixed[i], err);
		if (r < 0)
			return r;
	}
	for (unsigned i = 0; i < cfg->env.n; i++) {
		size_t klen = strcspn(cfg->env.v[i], "=") + 1;
		for (unsigned j = 0; j < n; j++) {
			if (strncmp(p->envp[j], cfg->env.v[i], klen) == 0) {
				free(p->envp[j]);
				p->envp[j] = p->envp[--n];
				p->envp[n] = NULL;
				break;
			}
		}
		r = push(&p->envp, &n, cfg->env.v[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Where the script appears inside: its own path when that is under /tmp (or
 * relative to a cwd under /tmp), so sys.argv[0] and __file__ match python3's;
 * otherwise the same absolute path, created on a tmpfs if need be by mounts.c. */
static int script_inside(const struct pj_plan *p, const char *path, char **ret, struct pj_err *err)
{
	size_t len = strlen(p->cfg->cwd) + strlen(path) + 2;
	_cleanup_free_ char *joined = malloc(len);
	char *norm = malloc(len);
	int r;

	if (!joined || !norm) {
		free(norm);
		return pj_fail(err, ENOMEM, "plan");
	}
	if (path[0] == '/')
		snprintf(joined, len, "%s", path);
	else
		snprintf(joined, len, "%s/%s", p->cfg->cwd, path);
	r = pj_path_normalize(joined, norm, err);
	if (r < 0) {
		free(norm);
		pj_fail_prefix(err, "script: ");
		return r;
	}
	*ret = norm;
	return 0;
}

static int add_binds(struct pj_plan *p, struct pj_err *err)
{
	const struct pj_config *cfg = p->cfg;
	unsigned cap = cfg->binds.n + 1;

	p->binds = calloc(cap, sizeof(*p->binds));
	if (!p->binds)
		return pj_fail(err, ENOMEM, "plan");
	for (unsigned i = 0; i < cfg->binds.n; i++) {
		int r = pj_parse_bind(cfg->binds.v[i], &p->binds[p->n_binds], err);
		if (r < 0)
			return r;
		p->n_binds++;
	}
	return 0;
}

static int add_script(struct pj_plan *p, struct pj_err *err)
{
	struct pj_bind *b = &p->binds[p->n_binds];
	int r = script_inside(p, p->cli->pytarget, &b->dst, err);

	if (r < 0)
		return r;
	b->src = strdup(p->cli->pytarget);
	if (!b->src)
		return pj_fail(err, ENOMEM, "plan");
	p->n_binds++;
	p->has_script = true;
	return 0;
}

static int build_python_argv(struct pj_plan *p, struct pj_err *err)
{
	const struct pj_cli *cli = p->cli;
	unsigned n = 0;
	int r = push(&p->argv, &n, p->cfg->python, err);

	for (unsigned i = 0; r >= 0 && i < cli->n_py_flags; i++)
		r = push(&p->argv, &n, cli->py_flags[i], err);
	if (r >= 0 && cli->pykind == PJ_PY_CODE)
		r = push(&p->argv, &n, "-c", err);
	else if (r >= 0 && cli->pykind == PJ_PY_MODULE)
		r = push(&p->argv, &n, "-m", err);
	else if (r >= 0 && cli->pykind == PJ_PY_STDIN)
		r = push(&p->argv, &n, "-", err);
	if (r >= 0 && (cli->pykind == PJ_PY_CODE || cli->pykind == PJ_PY_MODULE))
		r = push(&p->argv, &n, cli->pytarget, err);
	if (r >= 0 && cli->pykind == PJ_PY_SCRIPT) {
		r = add_script(p, err);
		/* As typed, as python3 shows it: the typed path names the bind's
		 * destination inside too (same path, or relative to cwd; no ".."). */
		if (r >= 0)
			r = push(&p->argv, &n, cli->pytarget, err);
	}
	for (unsigned i = 0; r >= 0 && i < cli->n_args; i++)
		r = push(&p->argv, &n, cli->args[i], err);
	p->exec_path = p->cfg->python;
	return r;
}

static int build_run_argv(struct pj_plan *p, struct pj_err *err)
{
	unsigned n = 0;
	int r = 0;

	for (unsigned i = 0; r >= 0 && i < p->cli->n_args; i++)
		r = push(&p->argv, &n, p->cli->args[i], err);
	p->exec_path = p->argv[0];
	p->exec_search = !strchr(p->argv[0], '/');
	return r;
}

static void build_ids(struct pj_plan *p, uid_t euid, gid_t egid)
{
	const struct pj_config *cfg = p->cfg;

	p->as_root = euid == 0;
	p->outer_uid = p->as_root ? (uid_t)cfg->host_uid : euid;
	p->outer_gid = p->as_root ? (gid_t)cfg->host_gid : egid;
	p->inner_uid = (uid_t)cfg->uid;
	p->inner_gid = (gid_t)cfg->gid;
	snprintf(p->uid_map, sizeof(p->uid_map), "%u %u 1\n", p->inner_uid, p->outer_uid);
	snprintf(p->gid_map, sizeof(p->gid_map), "%u %u 1\n", p->inner_gid, p->outer_gid);
}

int pj_plan_build(const struct pj_config *cfg, const struct pj_cli *cli, uid_t host_euid,
		  gid_t host_egid, struct pj_plan *ret, struct pj_err *err)
{
	struct pj_plan p = { .cfg = cfg,
			     .cli = cli,
			     .mode = cli->mode,
			     .json = cli->json,
			     .result_path = cli->result_path,
			     .timings = cli->timings };
	int r;

	build_ids(&p, host_euid, host_egid);
	r = add_binds(&p, err);
	if (r >= 0)
		r = build_env(&p, err);
	if (r >= 0)
		r = cli->mode == PJ_MODE_RUN ? build_run_argv(&p, err) : build_python_argv(&p, err);
	if (r < 0) {
		pj_plan_free(&p);
		return r;
	}
	*ret = p;
	return 0;
}

void pj_plan_free(struct pj_plan *plan)
{
	strv_free(plan->argv);
	strv_free(plan->envp);
	for (unsigned i = 0; i < plan->n_binds; i++) {
		free(plan->binds[i].src);
		free(plan->binds[i].dst);
	}
	free(plan->binds);
	memset(plan, 0, sizeof(*plan));
}

void pj_plan_print(const struct pj_plan *p, FILE *out)
{
	const struct pj_config *cfg = p->cfg;

	fprintf(out, "rootfs %s\nexec %s%s\n", cfg->rootfs, p->exec_path,
		p->exec_search ? " (PATH search)" : "");
	for (char **a = p->argv; a && *a; a++)
		fprintf(out, "argv %s\n", *a);
	for (char **e = p->envp; e && *e; e++)
		fprintf(out, "env %s\n", *e);
	for (unsigned i = 0; i < p->n_binds; i++)
		fprintf(out, "bind %s %s %s\n", p->binds[i].src, p->binds[i].dst,
			p->binds[i].rw ? "rw" : "ro");
	fprintf(out, "uid_map %sgid_map %s", p->uid_map, p->gid_map);
	fprintf(out, "cwd %s\nhostname %s\n", cfg->cwd, cfg->hostname);
	for (unsigned i = 0; i < pj_config_nkeys; i++) {
		const struct pj_key *k = &pj_config_keys[i];
		char buf[32];
		if (strcmp(k->section, "limits") || k->type == PJ_K_CEILING ||
		    k->type == PJ_K_BOOL || k->type == PJ_K_STR)
			continue;
		pj_config_format(k, (const char *)cfg + k->offset, buf, sizeof(buf));
		fprintf(out, "limit %s %s\n", k->name, buf);
	}
}
