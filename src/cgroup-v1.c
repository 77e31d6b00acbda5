/* cgroup-v1.c: placeholder until the v1 backend lands; reports "not supported". */
#include "cgroup.h"

static int v1_create(struct pj_cgroup *cg, const struct pj_config *cfg, struct pj_err *err)
{
	return pj_fail(err, ENOTSUP, "cgroup v1 backend not built");
}
static int v1_attach(struct pj_cgroup *cg, pid_t pid, struct pj_err *err) { return 0; }
static int v1_stats(struct pj_cgroup *cg, struct pj_cg_stats *ret) { return 0; }
static int v1_kill(struct pj_cgroup *cg) { return -ENOTSUP; }
static void v1_destroy(struct pj_cgroup *cg) { }
static bool v1_enforces(const struct pj_cgroup *cg, const char *limit) { return false; }
static void v1_describe(FILE *out) { }

const struct pj_cgroup_ops pj_cgroup_v1_ops = {
	.name = "cgroup1",
	.create = v1_create, .attach = v1_attach, .stats = v1_stats, .kill = v1_kill,
	.destroy = v1_destroy, .enforces = v1_enforces, .describe = v1_describe,
};
