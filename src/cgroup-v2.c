/* cgroup-v2.c: the jail's cgroup on the unified hierarchy.
 *
 * One leaf per run directly below the parent: pyjail's own cgroup (from
 * /proc/self/cgroup) or cgroup_parent.  The parent must offer memory and pids
 * (cpu too, for cpu_quota); they are enabled in its cgroup.subtree_control.  The
 * no-internal-process rule forbids that while the parent holds processes, so when
 * the parent is pyjail's own cgroup, pyjail first moves itself into a leaf of its
 * own ("pyjail-<pid>-<start>-self"); that leaf is left for the next run's reaper
 * or the scope's removal, since a process cannot remove its own cgroup.  The
 * jail is cloned straight into its leaf (CLONE_INTO_CGROUP), killed as a whole
 * with cgroup.kill, and its leaf removed once cgroup.events says it is empty.
 *
 * As an ordinary user this needs a delegated subtree (systemd-run --user --scope
 * -p Delegate=yes): otherwise the files are not writable and -EACCES makes the
 * facade fall back.  On a hybrid host the unified tree usually has no controllers:
 * -ENOTSUP. */
#include "cgroup.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "util.h"

#define CPU_PERIOD_US 100000ULL
#define CPU_QUOTA_MIN_US 1000ULL
#define EMPTY_WAIT_NS 2000000000ULL

struct v2 {
	int parent; /* the parent cgroup's dirfd */
	int leaf;   /* the jail's cgroup, locked (also cg->clone_fd) */
	int self;   /* pyjail's own leaf when it had to move there, locked; else -1 */
	bool cpu;   /* cpu controller enabled (cpu.max written) */
	char path[4096];
	char name[PJ_CG_NAME_MAX], self_name[PJ_CG_NAME_MAX];
};

/* Which of memory, pids, cpu the cgroup at dirfd lists in file (cgroup.controllers
 * or cgroup.subtree_control). */
static int controllers(int dirfd, const char *file, bool *mem, bool *pids, bool *cpu)
{
	char buf[512], *tok, *save = NULL;
	int r = pj_read_fileat(dirfd, file, buf, sizeof(buf));

	*mem = *pids = *cpu = false;
	if (r < 0)
		return r;
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		*mem |= strcmp(tok, "memory") == 0;
		*pids |= strcmp(tok, "pids") == 0;
		*cpu |= strcmp(tok, "cpu") == 0;
	}
	return 0;
}

static int enable(struct v2 *v, struct pj_err *err)
{
	bool m, p, c;
	char buf[64] = "";
	int r = controllers(v->parent, "cgroup.subtree_control", &m, &p, &c);

	if (r < 0)
		return pj_fail(err, -r, "cgroup v2: cannot read '%s/cgroup.subtree_control'",
			       v->path);
	if (m && p && (c || !v->cpu))
		return 0;
	snprintf(buf, sizeof(buf), "%s%s%s", m ? "" : " +memory", p ? "" : " +pids",
		 c || !v->cpu ? "" : " +cpu");
	return pj_cg_write(v->parent, "cgroup.subtree_control", NULL, "%s", buf + 1);
}

/* Back into the parent (allowed: it has no controllers enabled), leaf removed. */
static void unmove_self(struct v2 *v)
{
	(void)pj_cg_write(v->parent, "cgroup.procs", NULL, "0");
	close(v->self);
	v->self = -1;
	(void)unlinkat(v->parent, v->self_name, AT_REMOVEDIR);
}

/* Move pyjail into its own leaf so the parent may enable controllers. */
static int move_self(struct v2 *v, struct pj_err *err)
{
	int r = pj_cg_name(true, v->self_name, sizeof(v->self_name), err);

	if (r < 0)
		return r;
	v->self = pj_cg_mkdir_locked(v->parent, v->self_name, err);
	if (v->self < 0)
		return v->self;
	r = pj_cg_write(v->self, "cgroup.procs", err, "0");
	if (r < 0)
		unmove_self(v);
	return r;
}

static int setup_parent(struct v2 *v, bool own, struct pj_err *err)
{
	int r = enable(v, err);

	if (r != -EBUSY || !own)
		goto out;
	r = move_self(v, err);
	if (r >= 0)
		r = enable(v, err);
	if (r < 0 && v->self >= 0)
		unmove_self(v);
out:
	if (r == -EBUSY)
		return pj_fail(err, EBUSY,
			       "cgroup v2: '%s' holds other processes, so no controller "
			       "can be enabled below it: run pyjail in a scope of its own "
			       "(systemd-run --user --scope -p Delegate=yes pyjail ...) or set "
			       "cgroup_parent",
			       v->path);
	if (r < 0 && !err->msg[0])
		return pj_fail(err, -r,
			       "cgroup v2: cannot enable controllers in '%s' (not "
			       "delegated to uid %u: use systemd-run --user --scope -p "
			       "Delegate=yes, or run as root)",
			       v->path, (unsigned)geteuid());
	return r;
}

/* A hybrid host's unified tree usually has no controllers at all: say so before
 * looking for the parent, which may only exist in the v1 hierarchies. */
static int hierarchy_usable(struct pj_err *err)
{
	char mnt[4096], root[4096];
	bool m, p, c;
	_cleanup_close_ int fd = -1;
	int r = pj_cg_find_mount(NULL, mnt, root, sizeof(mnt));

	if (r < 0)
		return pj_fail(err, -r, "no cgroup2 hierarchy is mounted");
	fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || controllers(fd, "cgroup.controllers", &m, &p, &c) < 0)
		return pj_fail(err, ENOTSUP, "cgroup v2: cannot read '%s/cgroup.controllers'", mnt);
	if (!m || !p)
		return pj_fail(err, ENOTSUP,
			       "cgroup v2: the hierarchy at '%s' has no%s%s controller "
			       "(a hybrid host binds them to cgroup v1)",
			       mnt, m ? "" : " memory", p ? "" : " pids");
	return 0;
}

static int open_parent(struct v2 *v, const struct pj_config *cfg, bool *own, struct pj_err *err)
{
	bool m, p, c;
	int r = hierarchy_usable(err);

	if (r >= 0)
		r = pj_cg_base_dir(cfg, NULL, v->path, sizeof(v->path), own, err);
	if (r < 0)
		return r;
	v->parent = open(v->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* a configured parent that is missing is the admin's error, not a fallback */
	if (v->parent < 0 && errno == ENOENT && !*own)
		return pj_fail(err, 0, "cgroup_parent '%s': no such cgroup '%s' (create it first)",
			       cfg->cgroup_parent, v->path);
	if (v->parent < 0)
		return pj_fail(err, errno, "cgroup v2: cannot open '%s'", v->path);
	r = controllers(v->parent, "cgroup.controllers", &m, &p, &c);
	if (r < 0)
		return pj_fail(err, -r, "cgroup v2: cannot read '%s/cgroup.controllers'", v->path);
	if (!m || !p)
		return pj_fail(err, ENOTSUP,
			       "cgroup v2: '%s' does not offer the%s%s controller "
			       "(a hybrid host binds them to cgroup v1)",
			       v->path, m ? "" : " memory", p ? "" : " pids");
	v->cpu = c && cfg->cpu_quota.value != PJ_UNLIMITED;
	return 0;
}

static int write_limits(struct v2 *v, const struct pj_config *cfg, struct pj_err *err)
{
	uint64_t mem = cfg->memory.value, pids = cfg->pids.value, q = cfg->cpu_quota.value;
	int r = 0;

	if (mem != PJ_UNLIMITED) {
		r = pj_cg_write(v->leaf, "memory.max", err, "%llu", (unsigned long long)mem);
		/* absent when swap is not accounted (no swap, or swapaccount=0) */
		if (r >= 0 && pj_cg_write(v->leaf, "memory.swap.max", NULL, "0") < 0 &&
		    faccessat(v->leaf, "memory.swap.max", F_OK, 0) == 0)
			r = pj_fail(err, EIO, "cannot write 0 to memory.swap.max");
	}
	if (r >= 0 && pids != PJ_UNLIMITED)
		r = pj_cg_write(v->leaf, "pids.max", err, "%llu", (unsigned long long)pids);
	if (r >= 0 && v->cpu) {
		uint64_t us = q * CPU_PERIOD_US / 1000000ULL;
		r = pj_cg_write(v->leaf, "cpu.max", err, "%llu %llu",
				(unsigned long long)(us < CPU_QUOTA_MIN_US ? CPU_QUOTA_MIN_US : us),
				CPU_PERIOD_US);
	}
	if (r < 0)
		pj_fail_prefix(err, "cgroup v2 '%s/%s': ", v->path, v->name);
	return r;
}

/* "populated" from cgroup.events, read through fd: reading it through the fd
 * that is polled re-arms the notification. */
static int populated(int fd)
{
	char buf[256], *p;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	p = strstr(buf, "populated ");
	return p ? p[10] == '1' : -EINVAL;
}

/* Wait (on cgroup.events, no sleeping) until nothing is left in the cgroup. */
static int wait_empty(int dirfd)
{
	_cleanup_close_ int fd = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	unsigned long long end = pj_now_ns() + EMPTY_WAIT_NS, now;
	struct pollfd p = { .fd = fd, .events = POLLPRI };
	int r;

	if (fd < 0)
		return -errno;
	while ((r = populated(fd)) == 1 && (now = pj_now_ns()) < end)
		(void)poll(&p, 1, (int)((end - now) / 1000000ULL) + 1);
	return r == 1 ? -EBUSY : r;
}

static int kill_wait(int dirfd)
{
	/* cgroup.kill (5.14+) kills the whole subtree at once, forks included */
	if (pj_cg_write(dirfd, "cgroup.kill", NULL, "1") < 0)
		(void)pj_cg_kill_procs(dirfd, true);
	return wait_empty(dirfd);
}

static int v2_set_limits(struct pj_cgroup *cg, const struct pj_config *cfg, struct pj_err *err)
{
	struct v2 *v = cg->priv;

	if (cfg->cpu_quota.value != PJ_UNLIMITED && !v->cpu)
		return pj_fail(err, ENOTSUP, "cgroup v2: no cpu controller in this cgroup");
	return write_limits(v, cfg, err);
}

static void v2_destroy(struct pj_cgroup *cg)
{
	struct v2 *v = cg->priv;

	if (!v)
		return;
	if (v->leaf >= 0) {
		if (!cg->keep)
			(void)pj_cg_remove(v->parent, v->name, kill_wait);
		close(v->leaf);
	}
	if (v->self >= 0)
		close(v->self); /* the leaf we are in stays: the next run reaps it */
	if (v->parent >= 0)
		close(v->parent);
	free(v);
	cg->priv = NULL;
	cg->clone_fd = -1;
}

static int v2_create(struct pj_cgroup *cg, const struct pj_config *cfg, struct pj_err *err)
{
	struct v2 *v = calloc(1, sizeof(*v));
	bool own = false;
	int r;

	if (!v)
		return pj_fail(err, ENOMEM, "cgroup");
	v->parent = v->leaf = v->self = -1;
	cg->priv = v;
	r = open_parent(v, cfg, &own, err);
	if (r >= 0)
		r = pj_cg_name(false, v->name, sizeof(v->name), err);
	if (r >= 0) {
		pj_cg_reap_stale(v->parent, kill_wait);
		r = setup_parent(v, own, err);
	}
	if (r >= 0) {
		v->leaf = pj_cg_mkdir_locked(v->parent, v->name, err);
		r = v->leaf < 0 ? v->leaf : write_limits(v, cfg, err);
	}
	if (r < 0) {
		v2_destroy(cg);
		return r;
	}
	cg->clone_fd = v->leaf;
	return 0;
}

/* Only when the cgroup was made after clone (a hybrid host's unified tree):
 * otherwise jail.c cloned straight into clone_fd and does not call this. */
static int v2_attach(struct pj_cgroup *cg, pid_t pid, struct pj_err *err)
{
	return pj_cg_write(cg->clone_fd, "cgroup.procs", err, "%d", (int)pid);
}

static int v2_stats(struct pj_cgroup *cg, struct pj_cg_stats *ret)
{
	struct v2 *v = cg->priv;
	uint64_t x;

	ret->has_cpu = pj_cg_read_key(v->leaf, "cpu.stat", "usage_usec", &ret->cpu_usec) == 0;
	/* memory.peak is 5.19+; without it the supervisor uses the rusage maximum */
	ret->has_memory = pj_cg_read_u64(v->leaf, "memory.peak", &x) == 0;
	ret->peak_memory = ret->has_memory ? x : 0;
	if (pj_cg_read_key(v->leaf, "memory.events", "oom_kill", &x) == 0)
		ret->oom_killed = x > 0;
	if (pj_cg_read_key(v->leaf, "pids.events", "max", &x) == 0)
		ret->pids_max_hit = x > 0;
	return 0;
}

static int v2_kill(struct pj_cgroup *cg)
{
	struct v2 *v = cg->priv;

	if (pj_cg_write(v->leaf, "cgroup.kill", NULL, "1") == 0)
		return 0;
	return pj_cg_kill_procs(v->leaf, false);
}

static bool v2_enforces(const struct pj_cgroup *cg, const char *limit)
{
	const struct v2 *v = cg->priv;

	if (strcmp(limit, "cpu_quota") == 0)
		return v->cpu;
	return strcmp(limit, "memory") == 0 || strcmp(limit, "pids") == 0 ||
	       strcmp(limit, "cpu_time") == 0;
}

static void v2_describe(const struct pj_config *cfg, FILE *out)
{
	char path[4096], have[64] = "";
	struct pj_err e = { 0 };
	bool own, m, p, c;
	_cleanup_close_ int fd = -1;

	if (pj_cg_base_dir(cfg, NULL, path, sizeof(path), &own, &e) < 0)
		return;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || controllers(fd, "cgroup.controllers", &m, &p, &c) < 0)
		return;
	snprintf(have, sizeof(have), "%s%s%s", m ? " memory" : "", p ? " pids" : "",
		 c ? " cpu" : "");
	if (!m || !p)
		pj_cg_line(out, "warn", "cgroup v2",
			   "'%s' offers:%s; memory and pids are needed (on a hybrid host they are "
			   "bound to cgroup v1)",
			   path, have[0] ? have : " none");
	else if (faccessat(fd, "cgroup.subtree_control", W_OK, 0) < 0)
		pj_cg_line(out, "warn", "cgroup v2",
			   "'%s' is not delegated to uid %u: run 'systemd-run --user --scope -p "
			   "Delegate=yes pyjail ...', or run as root",
			   path, (unsigned)geteuid());
	else
		pj_cg_line(out, "ok", "cgroup v2", "'%s' offers%s and is writable", path, have);
}

const struct pj_cgroup_ops pj_cgroup_v2_ops = {
	.name = "cgroup2",
	.create = v2_create,
	.attach = v2_attach,
	.stats = v2_stats,
	.kill = v2_kill,
	.destroy = v2_destroy,
	.set_limits = v2_set_limits,
	.enforces = v2_enforces,
	.describe = v2_describe,
};
