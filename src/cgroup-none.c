/* cgroup-none.c: the backend used when no cgroup is usable.  It enforces
 * nothing; child.c's rlimits stand in (address space, CPU time per process,
 * processes per user) and the record says "rlimit" (cpu_quota: "none"). */
#include "cgroup.h"

/* Nothing to leave: init reports the payload's end and goes (child.c). */
static int none_create(struct pj_cgroup *cg, const struct pj_config *cfg, struct pj_err *err)
{
	cg->init_may_leave = true;
	return 0;
}

static int none_attach(struct pj_cgroup *cg, pid_t pid, struct pj_err *err)
{
	return 0;
}

static int none_stats(struct pj_cgroup *cg, struct pj_cg_stats *ret)
{
	return 0;
}

/* The supervisor kills the jail's init; the PID namespace takes the rest. */
static int none_kill(struct pj_cgroup *cg)
{
	return -ENOTSUP;
}

/* The rlimits stand in, and each run sets its own. */
static int none_set_limits(struct pj_cgroup *cg, const struct pj_config *cfg, struct pj_err *err)
{
	(void)cg;
	(void)cfg;
	(void)err;
	return 0;
}

static void none_destroy(struct pj_cgroup *cg)
{
}

static bool none_enforces(const struct pj_cgroup *cg, const char *limit)
{
	return false;
}

static void none_describe(const struct pj_config *cfg, FILE *out)
{
}

const struct pj_cgroup_ops pj_cgroup_none_ops = {
	.name = "none",
	.create = none_create,
	.attach = none_attach,
	.stats = none_stats,
	.kill = none_kill,
	.destroy = none_destroy,
	.set_limits = none_set_limits,
	.enforces = none_enforces,
	.describe = none_describe,
};
