/* cgroup-v2.c: placeholder until the v2 backend lands; reports "not supported". */
#include "cgroup.h"

static int v2_create(struct pj_cgroup *cg, const struct pj_config *cfg, struct pj_err *err)
{
	return pj_fail(err, ENOTSUP, "cgroup v2 backend not built");
}
static int v2_attach(struct pj_cgroup *cg, pid_t pid, struct pj_err *err) { return 0; }
static int v2_stats(struct pj_cgroup *cg, struct pj_cg_stats *ret) { return 0; }
static int v2_kill(struct pj_cgroup *cg) { return -ENOTSUP; }
static void v2_destroy(struct pj_cgroup *cg) { }
static bool v2_enforces(const struct pj_cgroup *cg, const char *limit) { return false; }
static void v2_describe(FILE *out) { }

const struct pj_cgroup_ops pj_cgroup_v2_ops = {
	.name = "cgroup2",
	.create = v2_create, .attach = v2_attach, .stats = v2_stats, .kill = v2_kill,
	.destroy = v2_destroy, .enforces = v2_enforces, .describe = v2_describe,
};
