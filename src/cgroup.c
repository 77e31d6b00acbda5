/* cgroup.c: backend selection and the thin facade over the ops table. */
#include "cgroup.h"

#include <stdlib.h>

int pj_cgroup_setup(const struct pj_config *cfg, struct pj_cgroup **ret, struct pj_err *err)
{
	static const struct pj_cgroup_ops *const order[] = { &pj_cgroup_v2_ops, &pj_cgroup_v1_ops };
	struct pj_cgroup *cg = calloc(1, sizeof(*cg));
	struct pj_err first = { 0 };
	int r;

	if (!cg)
		return pj_fail(err, ENOMEM, "cgroup");
	cg->clone_fd = -1;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		cg->ops = order[i];
		r = cg->ops->create(cg, cfg, first.msg[0] ? err : &first);
		if (r >= 0) {
			*ret = cg;
			return 0;
		}
		if (r != -ENOTSUP && r != -ENOENT && r != -EACCES && r != -EPERM && r != -EROFS) {
			free(cg);
			return r;
		}
	}
	if (cfg->require_cgroup) {
		free(cg);
		*err = first;
		pj_fail_prefix(err, "require_cgroup is set but no cgroup is usable: ");
		return -ENOTSUP;
	}
	cg->ops = &pj_cgroup_none_ops;
	r = cg->ops->create(cg, cfg, err);
	if (r < 0) {
		free(cg);
		return r;
	}
	*ret = cg;
	return 0;
}

int pj_cgroup_attach(struct pj_cgroup *cg, pid_t pid, struct pj_err *err)
{
	return cg->ops->attach(cg, pid, err);
}

int pj_cgroup_stats(struct pj_cgroup *cg, struct pj_cg_stats *ret)
{
	*ret = (struct pj_cg_stats){ 0 };
	return cg->ops->stats(cg, ret);
}

int pj_cgroup_kill(struct pj_cgroup *cg)
{
	return cg->ops->kill(cg);
}

void pj_cgroup_destroy(struct pj_cgroup *cg)
{
	if (!cg)
		return;
	cg->ops->destroy(cg);
	free(cg);
}

const char *pj_cgroup_enforcer(const struct pj_cgroup *cg, const char *limit)
{
	return cg && cg->ops->enforces(cg, limit) ? cg->ops->name : NULL;
}

void pj_cgroup_describe(FILE *out)
{
	pj_cgroup_v2_ops.describe(out);
	pj_cgroup_v1_ops.describe(out);
}
