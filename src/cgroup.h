/* cgroup.h: one cgroup (or one per v1 controller) per run, behind an ops table.
 *
 * Backends: cgroup-v2.c (pure v2 or a hybrid host's unified tree with controllers),
 * cgroup-v1.c (per-controller hierarchies), cgroup-none.c (no usable cgroup:
 * the child's rlimits stand in).  The jail never degrades silently: each limit
 * reports what enforces it. */
#ifndef PJ_CGROUP_H
#define PJ_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "config.h"
#include "err.h"

struct pj_cg_stats {
	uint64_t cpu_usec;    /* CPU time used by the whole jail */
	uint64_t peak_memory; /* bytes, 0 if unknown */
	bool oom_killed;      /* the memory limit killed something */
	bool pids_max_hit;    /* a fork was refused by the pids limit */
	bool has_cpu, has_memory;
};

struct pj_cgroup;

struct pj_cgroup_ops {
	const char *name; /* "cgroup2", "cgroup1", "none": the record's enforced_by */
	int (*create)(struct pj_cgroup *cg, const struct pj_config *cfg, struct pj_err *err);
	int (*attach)(struct pj_cgroup *cg, pid_t pid, struct pj_err *err);
	int (*stats)(struct pj_cgroup *cg, struct pj_cg_stats *ret);
	int (*kill)(struct pj_cgroup *cg);
	void (*destroy)(struct pj_cgroup *cg);
	/* does this backend enforce the limit named (memory, pids, cpu_time, cpu_quota)? */
	bool (*enforces)(const struct pj_cgroup *cg, const char *limit);
	/* one line per fact for `pyjail check` */
	void (*describe)(FILE *out);
};

struct pj_cgroup {
	const struct pj_cgroup_ops *ops;
	int clone_fd;  /* v2 leaf dirfd for CLONE_INTO_CGROUP, else -1 */
	void *priv;    /* backend state */
};

extern const struct pj_cgroup_ops pj_cgroup_v2_ops, pj_cgroup_v1_ops, pj_cgroup_none_ops;

/* Pick a backend for this host and user, create the jail's cgroup and write its
 * limits.  Falls back to "none" unless cfg->require_cgroup. */
int pj_cgroup_setup(const struct pj_config *cfg, struct pj_cgroup **ret, struct pj_err *err);
int pj_cgroup_attach(struct pj_cgroup *cg, pid_t pid, struct pj_err *err);
int pj_cgroup_stats(struct pj_cgroup *cg, struct pj_cg_stats *ret);
int pj_cgroup_kill(struct pj_cgroup *cg);
/* Kill what is left, remove the cgroup(s), free.  Accepts NULL. */
void pj_cgroup_destroy(struct pj_cgroup *cg);
const char *pj_cgroup_enforcer(const struct pj_cgroup *cg, const char *limit);
/* For `pyjail check`: which backend would be used and why. */
void pj_cgroup_describe(FILE *out);

#endif
