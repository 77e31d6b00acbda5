/* cgroup-v1.c: the jail's cgroups on a cgroup v1 (or hybrid) host.
 *
 * One cgroup per hierarchy that holds memory, pids, cpu or cpuacct (co-mounted
 * controllers such as "cpu,cpuacct" share one), each directly below pyjail's own
 * cgroup in that hierarchy (or cgroup_parent).  Limits: memory.limit_in_bytes and
 * memory.memsw.limit_in_bytes (swap 0) where swap is accounted, pids.max,
 * cpu.cfs_quota_us.  Usage: cpuacct.usage; the OOM kill from memory.oom_control's
 * oom_kill counter.  v1 has no CLONE_INTO_CGROUP and no cgroup.kill: the pid is
 * written to cgroup.procs before the payload is released (sync #2), and processes
 * are SIGKILLed one by one through pidfds.  Only root can normally write here;
 * an ordinary user gets -EACCES and the facade falls back.
 *
 * Kept cgroups (reuse_cgroups = yes, pyjail's own runs): making and removing
 * four v1 cgroups costs ~0.6 ms of a launch, the removal on the path from the
 * program's end to pyjail's exit.  So a run takes "pyjail-keep-N", the first
 * slot whose lock is free, makes it only if it does not exist yet, resets its
 * counters and writes its limits, and at the end lets go of the lock instead of
 * removing it.  There are as many slots as runs at once (at most KEEP_MAX, then
 * a cgroup of the run's own); each is empty whenever no run holds it. */
#include "cgroup.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define CFS_PERIOD_US 100000ULL
#define CFS_QUOTA_MIN_US 1000ULL
/* What an emptied memory cgroup may still be charged for and be reused: kernel
 * objects and page cache that the last jail made (its /tmp went with its mounts). */
#define RECYCLE_RESIDUE_MAX (4ULL << 20)
/* How long emptying waits for that: the kernel frees the stacks and tables of a
 * jail's dead processes an RCU grace period later.  After a request that forked
 * to its pids limit, 3.3 MB was still charged at once and ~0.3 MB 20 ms later. */
#define RESIDUE_WAIT_MS 100
#define KEEP_MAX 16

enum { H_MEMORY, H_PIDS, H_CPU, H_CPUACCT, H_N };
static const char *const ctrl[H_N] = { "memory", "pids", "cpu", "cpuacct" };

struct v1 {
	int parent[H_N]; /* parent dirfd, -1 when the controller is not used */
	int dir[H_N];    /* the jail's cgroup, locked; shared by co-mounted controllers */
	int owner[H_N];  /* the slot that made dir[h] (itself, or a co-mounted one) */
	char path[H_N][4096];
	char name[PJ_CG_NAME_MAX];
	uint64_t base_oom, base_pids_max; /* counters when the cgroup was last recycled */
	bool own;  /* the parents are pyjail's own cgroups (no cgroup_parent) */
	bool kept; /* a kept slot: reset and let go, never removed */
};

static bool wanted(const struct pj_config *cfg, int h)
{
	return h != H_CPU || cfg->cpu_quota.value != PJ_UNLIMITED;
}

/* Close the jail's cgroups, which lets go of their locks. */
static void close_dirs(struct v1 *v)
{
	for (int h = 0; h < H_N; h++) {
		if (v->dir[h] >= 0 && v->owner[h] == h)
			close(v->dir[h]);
		v->dir[h] = v->owner[h] = -1;
	}
}

static void v1_free(struct v1 *v)
{
	close_dirs(v);
	for (int h = 0; h < H_N; h++)
		if (v->parent[h] >= 0)
			close(v->parent[h]);
	free(v);
}

/* Find each controller's parent; controllers that are not mounted are skipped. */
static int open_parents(struct v1 *v, const struct pj_config *cfg, struct pj_err *err)
{
	int found = 0;

	for (int h = 0; h < H_N; h++) {
		struct pj_err e = { 0 };
		bool own;
		int r;
		if (!wanted(cfg, h))
			continue;
		r = pj_cg_base_dir(cfg, ctrl[h], v->path[h], sizeof(v->path[h]), &own, &e);
		if (r == -EINVAL) {
			*err = e;
			return r;
		}
		if (r < 0)
			continue;
		v->own = own;
		v->parent[h] = open(v->path[h], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		/* a configured parent that is missing is the admin's error, not a fallback */
		if (v->parent[h] < 0 && errno == ENOENT && !own)
			return pj_fail(err, 0,
				       "cgroup_parent '%s': no such cgroup '%s' (create it first)",
				       cfg->cgroup_parent, v->path[h]);
		if (v->parent[h] < 0)
			return pj_fail(err, errno, "cgroup v1 %s: cannot open '%s'", ctrl[h],
				       v->path[h]);
		found++;
	}
	if (!found)
		return pj_fail(err, ENOTSUP,
			       "no cgroup v1 hierarchy holds memory, pids or cpuacct");
	return 0;
}

static int kill_wait(int dirfd)
{
	return pj_cg_kill_procs(dirfd, true);
}

/* Share the directory of an earlier controller co-mounted with h: true if so. */
static bool co_mounted(struct v1 *v, int h)
{
	for (int o = 0; o < h; o++) {
		if (v->dir[o] >= 0 && strcmp(v->path[o], v->path[h]) == 0) {
			v->owner[h] = o;
			v->dir[h] = v->dir[o];
			return true;
		}
	}
	return false;
}

static int make_dirs(struct v1 *v, struct pj_err *err)
{
	for (int h = 0; h < H_N; h++) {
		if (v->parent[h] < 0 || co_mounted(v, h))
			continue;
		v->dir[h] = pj_cg_mkdir_locked(v->parent[h], v->name, err);
		if (v->dir[h] < 0) {
			v->dir[h] = -1;
			pj_fail_prefix(err, "cgroup v1 %s in '%s': ", ctrl[h], v->path[h]);
			return -err->code;
		}
		v->owner[h] = h;
	}
	return 0;
}

/* The plain limit, then memsw (swap 0), which may never be below it: a kept
 * cgroup may still hold a lower memsw of an earlier run, raised first then.
 * An unlimited value is written only there ("-1"): a new cgroup starts so. */
static int write_memory(int d, uint64_t mem, bool kept, struct pj_err *err)
{
	char val[32] = "-1";
	int r;

	if (mem == PJ_UNLIMITED && !kept)
		return 0;
	if (mem != PJ_UNLIMITED)
		snprintf(val, sizeof(val), "%llu", (unsigned long long)mem);
	r = pj_cg_write(d, "memory.limit_in_bytes", NULL, "%s", val);
	if (r == -EINVAL && kept &&
	    pj_cg_write(d, "memory.memsw.limit_in_bytes", NULL, "%s", val) >= 0)
		r = pj_cg_write(d, "memory.limit_in_bytes", NULL, "%s", val);
	if (r < 0)
		return pj_fail(err, -r, "cannot write '%s' to memory.limit_in_bytes", val);
	if (pj_cg_write(d, "memory.memsw.limit_in_bytes", NULL, "%s", val) == -ENOENT)
		(void)pj_cg_write(d, "memory.swappiness", NULL, "0");
	return 0;
}

static int write_limits(struct v1 *v, const struct pj_config *cfg, struct pj_err *err)
{
	uint64_t pids = cfg->pids.value, q = cfg->cpu_quota.value;
	int d, r = 0;

	if ((d = v->dir[H_MEMORY]) >= 0) {
		/* the hierarchy may have inherited oom_kill_disable: an OOM must kill */
		(void)pj_cg_write(d, "memory.oom_control", NULL, "0");
		r = write_memory(d, cfg->memory.value, v->kept, err);
	}
	/* unlimited: "max", written only where an earlier run may have set a limit */
	if (r >= 0 && (d = v->dir[H_PIDS]) >= 0 && (pids != PJ_UNLIMITED || v->kept))
		r = pids == PJ_UNLIMITED
			    ? pj_cg_write(d, "pids.max", err, "max")
			    : pj_cg_write(d, "pids.max", err, "%llu", (unsigned long long)pids);
	/* a kept "cpu,cpuacct" cgroup joined for cpuacct alone: no earlier quota */
	if (r >= 0 && v->kept && v->dir[H_CPU] < 0 && (d = v->dir[H_CPUACCT]) >= 0)
		(void)pj_cg_write(d, "cpu.cfs_quota_us", NULL, "-1");
	if (r >= 0 && (d = v->dir[H_CPU]) >= 0 && q != PJ_UNLIMITED) {
		uint64_t us = q * CFS_PERIOD_US / 1000000ULL;
		r = pj_cg_write(d, "cpu.cfs_period_us", err, "%llu", CFS_PERIOD_US);
		if (r >= 0)
			r = pj_cg_write(d, "cpu.cfs_quota_us", err, "%llu",
					(unsigned long long)(us < CFS_QUOTA_MIN_US
								     ? CFS_QUOTA_MIN_US
								     : us));
	}
	if (r < 0)
		pj_fail_prefix(err, "cgroup v1: ");
	return r;
}

static int v1_set_limits(struct pj_cgroup *cg, const struct pj_config *cfg, struct pj_err *err)
{
	struct v1 *v = cg->priv;

	if (wanted(cfg, H_CPU) && v->dir[H_CPU] < 0)
		return pj_fail(err, ENOTSUP, "cgroup v1: no cpu controller in this cgroup");
	return write_limits(v, cfg, err);
}

static bool has_procs(int dirfd)
{
	char c[2];

	return pj_read_fileat(dirfd, "cgroup.procs", c, sizeof(c)) != 0;
}

/* Kill what is left in the jail's cgroups and wait for it: -EBUSY if some stays. */
static int kill_left(struct v1 *v)
{
	for (int h = 0; h < H_N; h++)
		if (v->dir[h] >= 0 && v->owner[h] == h && has_procs(v->dir[h]) &&
		    kill_wait(v->dir[h]) < 0)
			return -EBUSY;
	return 0;
}

static void v1_destroy(struct pj_cgroup *cg)
{
	struct v1 *v = cg->priv;

	if (!v)
		return;
	if (v->kept && !cg->keep && !cg->vacated)
		(void)kill_left(v);
	for (int h = 0; h < H_N && !v->kept; h++)
		if (v->dir[h] >= 0 && v->owner[h] == h && !cg->keep)
			(void)pj_cg_remove(v->parent[h], v->name, kill_wait);
	v1_free(v);
	cg->priv = NULL;
}

/* The child joins by itself (pj_cgroup_join_self): open each jail cgroup's tasks
 * file now, while we may; and, where the parents are our own cgroups, theirs,
 * for init to go back to at the end.  Without those, init stays and is waited for. */
static int open_tasks(struct pj_cgroup *cg, struct v1 *v, struct pj_err *err)
{
	int n = 0;

	for (int h = 0; h < H_N && n < PJ_CG_MAX_SELF; h++) {
		if (v->dir[h] < 0 || v->owner[h] != h)
			continue;
		cg->self_fds[n] = openat(v->dir[h], "tasks", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (cg->self_fds[n] < 0)
			return pj_fail(err, errno, "cgroup v1 %s: open tasks", ctrl[h]);
		if (v->own)
			cg->home_fds[n] =
				openat(v->parent[h], "tasks", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		n++;
	}
	cg->init_may_leave = v->own;
	for (int i = 0; i < n; i++)
		cg->init_may_leave &= cg->home_fds[i] >= 0;
	return 0;
}

/* max_usage and failcnt are reset by writing 0; cpuacct.usage too; the oom_kill
 * and pids.events counters cannot be: stats compares them with their value now.
 * -EBUSY: a task is still counted, or more than a trace is still charged. */
static int reset_counters(struct v1 *v)
{
	uint64_t x;
	int d;

	if ((d = v->dir[H_PIDS]) >= 0 &&
	    (pj_cg_read_u64(d, "pids.current", &x) < 0 || x != 0 ||
	     pj_cg_read_key(d, "pids.events", "max", &v->base_pids_max) < 0))
		return -EBUSY;
	if ((d = v->dir[H_MEMORY]) >= 0) {
		if (pj_cg_read_u64(d, "memory.usage_in_bytes", &x) < 0 || x > RECYCLE_RESIDUE_MAX ||
		    pj_cg_write(d, "memory.max_usage_in_bytes", NULL, "0") < 0 ||
		    pj_cg_write(d, "memory.failcnt", NULL, "0") < 0)
			return -EBUSY;
		if (pj_cg_read_key(d, "memory.oom_control", "oom_kill", &v->base_oom) < 0)
			v->base_oom = 0; /* before 4.13: failcnt, reset above */
	}
	if ((d = v->dir[H_CPUACCT]) >= 0 && pj_cg_write(d, "cpuacct.usage", NULL, "0") < 0)
		return -EBUSY;
	return 0;
}

static int v1_recycle(struct pj_cgroup *cg)
{
	struct v1 *v = cg->priv;

	for (int h = 0; h < H_N; h++)
		if (v->dir[h] >= 0 && v->owner[h] == h && has_procs(v->dir[h]))
			return -EBUSY;
	return reset_counters(v);
}

/* A kept set's directory below parentfd, made if missing, locked: its fd;
 * -EAGAIN if another run holds it.  Mode 0700: nobody else can open it, so
 * nobody else can take its lock. */
static int open_slot_dir(int parentfd, const char *name)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW;
	int fd = openat(parentfd, name, flags);

	if (fd < 0 && errno == ENOENT && (mkdirat(parentfd, name, 0700) == 0 || errno == EEXIST))
		fd = openat(parentfd, name, flags);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		return e == EWOULDBLOCK ? -EAGAIN : -e;
	}
	return fd;
}

/* Kept slot n: its directory in each hierarchy, locked. */
static int take_slot(struct v1 *v, int n)
{
	snprintf(v->name, sizeof(v->name), PJ_CG_KEEP_PREFIX "%d", n);
	for (int h = 0; h < H_N; h++) {
		int fd;
		if (v->parent[h] < 0 || co_mounted(v, h))
			continue;
		fd = open_slot_dir(v->parent[h], v->name);
		if (fd < 0)
			return fd;
		v->dir[h] = fd;
		v->owner[h] = h;
	}
	return 0;
}

/* What an earlier run left charged to the set beyond a trace (page cache it
 * read first: the rootfs's, above all) must count neither against this run's
 * limit nor in its peak.  Reclaiming it would evict that cache, and the next
 * run would read it, and be charged for it, again.  So the memory cgroup is
 * replaced instead: the charges go with the old one, as they did when every
 * run removed its cgroup, and the pages stay cached.  The other hierarchies'
 * locks, still ours, keep the set ours meanwhile. */
static int renew_memory(struct v1 *v)
{
	int h = H_MEMORY, fd;

	if (unlinkat(v->parent[h], v->name, AT_REMOVEDIR) < 0)
		return -EBUSY;
	fd = open_slot_dir(v->parent[h], v->name);
	if (fd < 0)
		return fd == -EAGAIN ? -EAGAIN : -EBUSY;
	close(v->dir[h]);
	for (int o = 0; o < H_N; o++)
		if (v->owner[o] == h)
			v->dir[o] = fd;
	return 0;
}

/* A slot nobody holds is empty, unless the pyjail that held it was killed: its
 * jail is dying with it, and goes now. */
static int ready_slot(struct v1 *v)
{
	int d = v->dir[H_MEMORY], r = kill_left(v);
	uint64_t x;

	if (r < 0)
		return r;
	if (d >= 0 && pj_cg_read_u64(d, "memory.usage_in_bytes", &x) == 0 &&
	    x > RECYCLE_RESIDUE_MAX && (r = renew_memory(v)) < 0)
		return r;
	return reset_counters(v);
}

/* The first free and ready kept slot; < 0: the run makes a cgroup of its own. */
static int open_kept(struct v1 *v)
{
	for (int n = 0; n < KEEP_MAX; n++) {
		int r = take_slot(v, n);
		if (r >= 0)
			r = ready_slot(v);
		if (r >= 0) {
			v->kept = true;
			return 0;
		}
		close_dirs(v);
		if (r != -EAGAIN && r != -EBUSY)
			return r;
	}
	return -EAGAIN;
}

static int v1_create(struct pj_cgroup *cg, const struct pj_config *cfg, struct pj_err *err)
{
	struct v1 *v = calloc(1, sizeof(*v));
	int r;

	if (!v)
		return pj_fail(err, ENOMEM, "cgroup");
	for (int h = 0; h < H_N; h++)
		v->parent[h] = v->dir[h] = v->owner[h] = -1;
	cg->priv = v;
	r = open_parents(v, cfg, err);
	for (int h = 0; r >= 0 && h < H_N; h++)
		if (v->parent[h] >= 0)
			pj_cg_reap_stale(v->parent[h], kill_wait);
	if (r >= 0 && !(cfg->reuse_cgroups && open_kept(v) == 0)) {
		r = pj_cg_name(false, v->name, sizeof(v->name), err);
		if (r >= 0)
			r = make_dirs(v, err);
	}
	if (r >= 0)
		r = write_limits(v, cfg, err);
	if (r >= 0)
		r = open_tasks(cg, v, err);
	if (r < 0)
		v1_destroy(cg);
	return r;
}

static int v1_attach(struct pj_cgroup *cg, pid_t pid, struct pj_err *err)
{
	struct v1 *v = cg->priv;

	if (cg->self_fds[0] >= 0)
		return 0; /* the child joined by itself */
	for (int h = 0; h < H_N; h++) {
		int r;
		if (v->dir[h] < 0 || v->owner[h] != h)
			continue;
		r = pj_cg_write(v->dir[h], "cgroup.procs", err, "%d", (int)pid);
		if (r < 0) {
			pj_fail_prefix(err, "cgroup v1 %s: ", ctrl[h]);
			return r;
		}
	}
	return 0;
}

static int v1_stats(struct pj_cgroup *cg, struct pj_cg_stats *ret)
{
	struct v1 *v = cg->priv;
	uint64_t x;
	int d;

	if ((d = v->dir[H_CPUACCT]) >= 0 && pj_cg_read_u64(d, "cpuacct.usage", &x) == 0) {
		ret->cpu_usec = x / 1000;
		ret->has_cpu = true;
	}
	if ((d = v->dir[H_MEMORY]) >= 0) {
		ret->has_memory = pj_cg_read_u64(d, "memory.max_usage_in_bytes", &x) == 0;
		ret->peak_memory = ret->has_memory ? x : 0;
		/* oom_kill counts the kills (4.13+); older kernels only have failcnt */
		if (pj_cg_read_key(d, "memory.oom_control", "oom_kill", &x) == 0)
			ret->oom_killed = x > v->base_oom;
		else if (pj_cg_read_u64(d, "memory.failcnt", &x) == 0)
			ret->oom_killed = x > 0;
	}
	if ((d = v->dir[H_PIDS]) >= 0 && pj_cg_read_key(d, "pids.events", "max", &x) == 0)
		ret->pids_max_hit = x > v->base_pids_max;
	return 0;
}

/* Wait (bounded) until what the dead jail left charged is small enough to reuse
 * the cgroup; if it is not by then, v1_recycle refuses it. */
static void wait_residue(int memdir)
{
	const struct timespec ms = { 0, 1000000 };
	uint64_t x;

	for (int i = 0; i < RESIDUE_WAIT_MS; i++) {
		if (pj_cg_read_u64(memdir, "memory.usage_in_bytes", &x) < 0 ||
		    x <= RECYCLE_RESIDUE_MAX)
			return;
		nanosleep(&ms, NULL);
	}
}

/* In the handler, after the record went out: off the request's path. */
static int v1_empty(struct pj_cgroup *cg)
{
	struct v1 *v = cg->priv;

	if (kill_left(v) < 0)
		return -EBUSY;
	if (v->dir[H_MEMORY] >= 0)
		wait_residue(v->dir[H_MEMORY]);
	return 0;
}

static int v1_kill(struct pj_cgroup *cg)
{
	struct v1 *v = cg->priv;
	int d = v->dir[H_PIDS] >= 0 ? v->dir[H_PIDS] : v->dir[H_MEMORY];

	for (int h = 0; d < 0 && h < H_N; h++)
		d = v->dir[h];
	return d >= 0 ? pj_cg_kill_procs(d, false) : -ENOTSUP;
}

static bool v1_enforces(const struct pj_cgroup *cg, const char *limit)
{
	const struct v1 *v = cg->priv;

	if (strcmp(limit, "memory") == 0)
		return v->dir[H_MEMORY] >= 0;
	if (strcmp(limit, "pids") == 0)
		return v->dir[H_PIDS] >= 0;
	if (strcmp(limit, "cpu_time") == 0)
		return v->dir[H_CPUACCT] >= 0;
	if (strcmp(limit, "cpu_quota") == 0)
		return v->dir[H_CPU] >= 0;
	return false;
}

static void v1_describe(const struct pj_config *cfg, FILE *out)
{
	char path[4096], mounted[64] = "", writable[64] = "";
	struct pj_err e = { 0 };
	bool own, any = false;

	for (int h = 0; h < H_N; h++) {
		if (pj_cg_base_dir(cfg, ctrl[h], path, sizeof(path), &own, &e) < 0)
			continue;
		any = true;
		snprintf(mounted + strlen(mounted), sizeof(mounted) - strlen(mounted), " %s",
			 ctrl[h]);
		if (access(path, W_OK) == 0)
			snprintf(writable + strlen(writable), sizeof(writable) - strlen(writable),
				 " %s", ctrl[h]);
	}
	if (!any)
		return;
	if (strcmp(mounted, writable) == 0)
		pj_cg_line(out, "ok", "cgroup v1", "controllers%s, writable below our cgroup",
			   mounted);
	else
		pj_cg_line(out, "warn", "cgroup v1",
			   "controllers%s mounted, writable:%s (v1 cannot be delegated safely: "
			   "run pyjail as root, or move the host to cgroup v2)",
			   mounted, writable[0] ? writable : " none");
}

const struct pj_cgroup_ops pj_cgroup_v1_ops = {
	.name = "cgroup1",
	.create = v1_create,
	.attach = v1_attach,
	.stats = v1_stats,
	.kill = v1_kill,
	.destroy = v1_destroy,
	.empty = v1_empty,
	.recycle = v1_recycle,
	.set_limits = v1_set_limits,
	.enforces = v1_enforces,
	.describe = v1_describe,
};
