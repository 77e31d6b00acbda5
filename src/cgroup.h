/* cgroup.h: one cgroup (or one per v1 hierarchy) per run, behind an ops table.
 *
 * Backends: cgroup-v2.c (pure v2 or a hybrid host's unified tree with controllers),
 * cgroup-v1.c (per-controller hierarchies), cgroup-none.c (no usable cgroup:
 * the child's rlimits stand in).  The jail never degrades silently: each limit
 * reports what enforces it.
 *
 * Naming and ownership.  Every cgroup pyjail makes is called
 * "pyjail-<pid>-<starttime>-<random>" (or "...-self" for pyjail's own leaf on v2),
 * made directly below the parent (pyjail's own cgroup, or cgroup_parent), and its
 * directory is flock()ed by the owner for as long as it exists.  A later run
 * removes a "pyjail-*" cgroup only when both say the owner is gone: no process
 * with that pid and start time, and the lock is free.  So a run killed with
 * SIGKILL leaves at most empty cgroups behind, and the next run removes them.
 * The exception: cgroup v1's kept sets, "pyjail-keep-<n>", which runs take in
 * turn under the same lock and leave empty (cgroup-v1.c). */
#ifndef PJ_CGROUP_H
#define PJ_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
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

#define PJ_CG_MAX_SELF 4

struct pj_cgroup_ops {
	const char *name; /* "cgroup2", "cgroup1", "none": the record's enforced_by */
	/* Make the jail's cgroup(s) and write the limits.  -ENOTSUP, -ENOENT, -EACCES,
	 * -EPERM, -EROFS, -EBUSY mean "not usable here": the next backend is tried. */
	int (*create)(struct pj_cgroup *cg, const struct pj_config *cfg, struct pj_err *err);
	/* Write cfg's limits again (a stricter request in a prepared cgroup);
	 * -ENOTSUP if a limit needs a controller this cgroup does not have. */
	int (*set_limits)(struct pj_cgroup *cg, const struct pj_config *cfg, struct pj_err *err);
	/* Put the cloned pid in (a no-op when clone_fd went to CLONE_INTO_CGROUP). */
	int (*attach)(struct pj_cgroup *cg, pid_t pid, struct pj_err *err);
	int (*stats)(struct pj_cgroup *cg, struct pj_cg_stats *ret);
	/* SIGKILL everything in the jail's cgroup; does not wait. */
	int (*kill)(struct pj_cgroup *cg);
	/* Kill what is left, wait for it to go, remove the cgroup(s), free priv. */
	void (*destroy)(struct pj_cgroup *cg);
	/* Kill what is left and wait until the cgroup is empty: 0 when it is.  NULL
	 * (and recycle NULL): this backend's cgroups are never reused. */
	int (*empty)(struct pj_cgroup *cg);
	/* Make an emptied cgroup ready for another jail with the same limits: what
	 * stats reports starts again from here (counters reset, or a baseline that
	 * stats subtracts).  -EBUSY: something is still in it or charged to it. */
	int (*recycle)(struct pj_cgroup *cg);
	/* does this backend enforce the limit named (memory, pids, cpu_time, cpu_quota)? */
	bool (*enforces)(const struct pj_cgroup *cg, const char *limit);
	/* lines for `pyjail check`: what this host offers this user, and how to fix it */
	void (*describe)(const struct pj_config *cfg, FILE *out);
};

struct pj_cgroup {
	const struct pj_cgroup_ops *ops;
	int clone_fd; /* v2 leaf dirfd for CLONE_INTO_CGROUP, else -1 */
	/* v1: the jail's "tasks" files, opened for writing; the child joins by itself
	 * by writing "0" into each (see pj_cgroup_join_self).  -1 when unused. */
	int self_fds[PJ_CG_MAX_SELF];
	/* v1: the tasks files of pyjail's own cgroups, where the jail's init was
	 * born, one per self_fds entry: init goes back there once the payload and
	 * all it started are gone, so that the jail's cgroups can be removed without
	 * waiting for init's own exit (child.c).  -1 when unused. */
	int home_fds[PJ_CG_MAX_SELF];
	/* init may report the payload's end and leave: there is no cgroup to leave
	 * (none), or home_fds cover every cgroup it joined.  False on v2 (moving a
	 * process takes a global lock there) and under cgroup_parent. */
	bool init_may_leave;
	/* init did leave, after the payload and all it started were gone (set by
	 * the supervisor): nothing of the jail is left in the cgroup to kill. */
	bool vacated;
	void *priv; /* backend state */
	bool keep;  /* destroy only lets go: another process removes the cgroup */
};

extern const struct pj_cgroup_ops pj_cgroup_v2_ops, pj_cgroup_v1_ops, pj_cgroup_none_ops;

/* Pick a backend for this host and user, create the jail's cgroup and write its
 * limits.  Falls back to "none" unless cfg->require_cgroup. */
int pj_cgroup_setup(const struct pj_config *cfg, struct pj_cgroup **ret, struct pj_err *err);
/* True on a pure cgroup v2 host: the cgroup is made before clone3 so the child
 * is cloned straight into it.  Elsewhere it is made while the child sets up. */
bool pj_cgroup_before_clone(void);
int pj_cgroup_attach(struct pj_cgroup *cg, pid_t pid, struct pj_err *err);
int pj_cgroup_set_limits(struct pj_cgroup *cg, const struct pj_config *cfg, struct pj_err *err);
/* Child side, first thing after clone: join the jail's v1 cgroups by writing "0"
 * into their tasks files.  Moving only the calling thread lets the kernel skip the
 * global threadgroup lock that writing another pid takes (a wait of up to ~10 ms
 * on cgroup v1), which is why the child does it and not the parent. */
int pj_cgroup_join_self(const int *fds, unsigned n, struct pj_err *err);
int pj_cgroup_stats(struct pj_cgroup *cg, struct pj_cg_stats *ret);
int pj_cgroup_kill(struct pj_cgroup *cg);
/* Kill what is left, remove the cgroup(s), free.  Accepts NULL. */
void pj_cgroup_destroy(struct pj_cgroup *cg);
/* Close and free without removing: for pyjail serve, whose forked handler owns
 * the request's cgroup and removes it.  Accepts NULL. */
void pj_cgroup_release(struct pj_cgroup *cg);
/* pyjail serve reuses a request's cgroup for a later request: creating and
 * removing cgroups costs more than everything else a request's jail needs (the
 * memory controller's above all).  The handler empties it after the request
 * (pj_cgroup_empty, in the handler: it may wait); the server then recycles it
 * (pj_cgroup_recycle: no wait, only checks and resets).  Both return 0 when the
 * cgroup may be reused, else a negative errno: the caller removes it. */
int pj_cgroup_empty(struct pj_cgroup *cg);
int pj_cgroup_recycle(struct pj_cgroup *cg);
/* The record's enforced_by for a cgroup limit, or NULL if the cgroup does not enforce it. */
const char *pj_cgroup_enforcer(const struct pj_cgroup *cg, const char *limit);
/* For `pyjail check`: each backend's view, then which one a run would use and why. */
void pj_cgroup_describe(const struct pj_config *cfg, FILE *out);

/* ---- helpers shared by the backends (cgroup.c) ---- */

#define PJ_CG_PREFIX "pyjail-"
/* cgroup v1's kept slots (cgroup-v1.c): never taken for a stale one, since no
 * pid follows the prefix. */
#define PJ_CG_KEEP_PREFIX PJ_CG_PREFIX "keep-"
#define PJ_CG_NAME_MAX 64

/* One `pyjail check` line, in check.c's format. */
void pj_cg_line(FILE *out, const char *state, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A fresh name for this process: pyjail-<pid>-<starttime>-<random hex>, or with
 * self, pyjail-<pid>-<starttime>-self. */
int pj_cg_name(bool self, char *buf, size_t size, struct pj_err *err);
/* Find a cgroup mount: fstype "cgroup2" (controller NULL) or a v1 hierarchy
 * holding controller.  ret_mnt: the mount point; ret_root: its root in the hierarchy. */
int pj_cg_find_mount(const char *controller, char *ret_mnt, char *ret_root, size_t size);
/* The directory of this process's cgroup (or of cfg->cgroup_parent) in that mount:
 * controller NULL for v2.  ret_own tells whether it is our own cgroup. */
int pj_cg_base_dir(const struct pj_config *cfg, const char *controller, char *ret, size_t size,
		   bool *ret_own, struct pj_err *err);
/* mkdir name below parentfd, open it (O_DIRECTORY) and take its owner lock. */
int pj_cg_mkdir_locked(int parentfd, const char *name, struct pj_err *err);
/* Read "key value" lines (cpu.stat, memory.events, ...) or a lone number. */
int pj_cg_read_key(int dirfd, const char *file, const char *key, uint64_t *ret);
int pj_cg_read_u64(int dirfd, const char *file, uint64_t *ret);
int pj_cg_write(int dirfd, const char *file, struct pj_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* SIGKILL every process listed in dirfd's cgroup.procs, through pidfds.  With
 * wait, repeat until it is empty (bounded): 0 when empty, -EBUSY if some remain. */
int pj_cg_kill_procs(int dirfd, bool wait);
/* Remove stale pyjail cgroups below parentfd (see the header comment); kill is
 * the backend's way to empty one (it gets the stale cgroup's dirfd). */
void pj_cg_reap_stale(int parentfd, int (*kill)(int dirfd));
/* rmdir name below parentfd, with its children (depth-bounded), after kill. */
int pj_cg_remove(int parentfd, const char *name, int (*kill)(int dirfd));

#endif
