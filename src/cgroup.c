/* cgroup.c: backend selection, the thin facade over the ops table, and what the
 * backends share: finding mounts and our own cgroup, naming, the owner lock, the
 * stale-cgroup reaper and killing a cgroup's processes through pidfds.
 *
 * Never touches a cgroup it did not name: only "pyjail-*" directories directly
 * below the parent, and only when their owner is provably gone. */
#include "cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util.h"

#define PROCS_MAX 1024 /* pids handled per kill round */
#define KILL_ROUNDS 32 /* rounds before giving up on a cgroup that keeps refilling */
#define KILL_WAIT_NS 1000000000ULL
#define REMOVE_DEPTH 8

static bool fallback_code(int r)
{
	return r == -ENOTSUP || r == -ENOENT || r == -EACCES || r == -EPERM || r == -EROFS ||
	       r == -EBUSY;
}

static void close_self_fds(struct pj_cgroup *cg)
{
	for (int i = 0; i < PJ_CG_MAX_SELF; i++) {
		if (cg->self_fds[i] >= 0)
			close(cg->self_fds[i]);
		if (cg->home_fds[i] >= 0)
			close(cg->home_fds[i]);
		cg->self_fds[i] = cg->home_fds[i] = -1;
	}
	cg->init_may_leave = false;
}

static int try_backends(struct pj_cgroup *cg, const struct pj_config *cfg, struct pj_err *err)
{
	static const struct pj_cgroup_ops *const order[] = { &pj_cgroup_v2_ops, &pj_cgroup_v1_ops };
	struct pj_err e = { 0 };
	int r = -ENOTSUP;

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		cg->ops = order[i];
		cg->clone_fd = -1;
		close_self_fds(cg);
		cg->priv = NULL;
		e = (struct pj_err){ 0 };
		r = cg->ops->create(cg, cfg, &e);
		if (r >= 0)
			return 0;
		/* the message to show: the last one that says more than "not there" */
		if (!err->msg[0] || (r != -ENOENT && r != -ENOTSUP))
			*err = e;
		if (!fallback_code(r))
			return r;
	}
	return r;
}

int pj_cgroup_setup(const struct pj_config *cfg, struct pj_cgroup **ret, struct pj_err *err)
{
	struct pj_cgroup *cg = calloc(1, sizeof(*cg));
	struct pj_err why = { 0 };
	int r;

	if (!cg)
		return pj_fail(err, ENOMEM, "cgroup");
	for (int i = 0; i < PJ_CG_MAX_SELF; i++)
		cg->self_fds[i] = cg->home_fds[i] = -1;
	r = try_backends(cg, cfg, &why);
	if (r >= 0) {
		*ret = cg;
		return 0;
	}
	if (!fallback_code(r) || cfg->require_cgroup) {
		free(cg);
		*err = why;
		err->stage = PJ_STAGE_CGROUP;
		if (fallback_code(r))
			pj_fail_prefix(err,
				       "require_cgroup = yes, but no cgroup can enforce the limits "
				       "(see 'pyjail check'): ");
		return r;
	}
	cg->ops = &pj_cgroup_none_ops;
	cg->clone_fd = -1;
	close_self_fds(cg);
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

int pj_cgroup_set_limits(struct pj_cgroup *cg, const struct pj_config *cfg, struct pj_err *err)
{
	return cg ? cg->ops->set_limits(cg, cfg, err) : 0;
}

int pj_cgroup_stats(struct pj_cgroup *cg, struct pj_cg_stats *ret)
{
	*ret = (struct pj_cg_stats){ 0 };
	return cg ? cg->ops->stats(cg, ret) : -ENOTSUP;
}

int pj_cgroup_kill(struct pj_cgroup *cg)
{
	return cg ? cg->ops->kill(cg) : -ENOTSUP;
}

int pj_cgroup_join_self(const int *fds, unsigned n, struct pj_err *err)
{
	for (unsigned i = 0; i < n; i++)
		if (pwrite(fds[i], "0", 1, 0) != 1)
			return pj_fail(err, errno, "join the jail's cgroup");
	return 0;
}

bool pj_cgroup_before_clone(void)
{
	struct statfs sf;

	return statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

void pj_cgroup_destroy(struct pj_cgroup *cg)
{
	if (!cg)
		return;
	close_self_fds(cg);
	cg->ops->destroy(cg);
	free(cg);
}

void pj_cgroup_release(struct pj_cgroup *cg)
{
	if (!cg)
		return;
	cg->keep = true;
	pj_cgroup_destroy(cg);
}

int pj_cgroup_empty(struct pj_cgroup *cg)
{
	return cg && cg->ops->empty ? cg->ops->empty(cg) : -ENOTSUP;
}

int pj_cgroup_recycle(struct pj_cgroup *cg)
{
	return cg && cg->ops->recycle ? cg->ops->recycle(cg) : -ENOTSUP;
}

const char *pj_cgroup_enforcer(const struct pj_cgroup *cg, const char *limit)
{
	return cg && cg->ops->enforces(cg, limit) ? cg->ops->name : NULL;
}

/* What a run would really get: make (and remove) a jail cgroup with cfg. */
void pj_cgroup_describe(const struct pj_config *cfg, FILE *out)
{
	static const char *const limits[] = { "memory", "pids", "cpu_time", "cpu_quota" };
	struct pj_config c = *cfg;
	struct pj_cgroup *cg = NULL;
	struct pj_err err = { 0 };
	char list[64] = "";

	pj_cgroup_v2_ops.describe(cfg, out);
	pj_cgroup_v1_ops.describe(cfg, out);
	c.require_cgroup = false;
	c.reuse_cgroups = false; /* a cgroup of its own, removed: check leaves nothing */
	if (pj_cgroup_setup(&c, &cg, &err) < 0) {
		pj_cg_line(out, "missing", "cgroup", "%s", err.msg);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(limits); i++)
		if (pj_cgroup_enforcer(cg, limits[i]))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 list[0] ? " " : "", limits[i]);
	if (cg->ops != &pj_cgroup_none_ops)
		pj_cg_line(out, "ok", "cgroup", "the %s backend enforces: %s", cg->ops->name, list);
	else
		pj_cg_line(out, cfg->require_cgroup ? "missing" : "warn", "cgroup",
			   "no usable cgroup: memory, pids and CPU time fall back to rlimits, "
			   "cpu_quota is not enforced%s",
			   cfg->require_cgroup ? " and require_cgroup = yes refuses to run" : "");
	pj_cgroup_destroy(cg);
}

void pj_cg_line(FILE *out, const char *state, const char *what, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "%-8s %-22s ", state, what);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	putc('\n', out);
}

/* Field 22 of /proc/PID/stat: start time in clock ticks after boot.  0 if gone. */
static unsigned long long start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pj_read_fileat(AT_FDCWD, path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		t = strtoull(p + 1, NULL, 10);
	return t;
}

/* Ours, read once per process (pyjail serve makes a cgroup per request). */
static unsigned long long own_start_time(void)
{
	static pid_t pid;
	static unsigned long long start;

	if (pid != getpid()) {
		start = start_time(getpid());
		pid = getpid();
	}
	return start;
}

int pj_cg_name(bool self, char *buf, size_t size, struct pj_err *err)
{
	unsigned long long start = own_start_time(), rnd = 0;

	if (!start)
		return pj_fail(err, ENOENT, "cannot read /proc/self/stat");
	if (self) {
		snprintf(buf, size, PJ_CG_PREFIX "%d-%llu-self", (int)getpid(), start);
		return 0;
	}
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = pj_now_ns() ^ ((unsigned long long)getpid() << 32);
	snprintf(buf, size, PJ_CG_PREFIX "%d-%llu-%016llx", (int)getpid(), start, rnd);
	return 0;
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, word, n) == 0 && (p[n] == ',' || p[n] == '\0' || p[n] == '\n'))
			return true;
	return false;
}

/* The cgroup hierarchies' mounts, in mountinfo's order: they do not move while
 * pyjail runs, so /proc/self/mountinfo is read once per process (a launch asks
 * for four controllers; pyjail serve for every request). */
#define PJ_CG_MOUNTS 32
static struct cg_mount {
	char *mnt, *root, *super; /* super: the superblock options (v1: controllers) */
	bool v2;
} cg_mounts[PJ_CG_MOUNTS];
static int n_cg_mounts = -1;

static int remember_mount(const char *line)
{
	char root[4096], mnt[4096], fstype[64], super[1024];
	const char *dash = strstr(line, " - ");
	struct cg_mount *m;

	/* mountinfo: id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
	if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
	    sscanf(dash + 3, "%63s %*s %1023s", fstype, super) != 2)
		return 0;
	if (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0)
		return 0;
	if (n_cg_mounts == PJ_CG_MOUNTS)
		return 0;
	m = &cg_mounts[n_cg_mounts];
	*m = (struct cg_mount){ strdup(mnt), strdup(root), strdup(super), fstype[6] == '2' };
	if (!m->mnt || !m->root || !m->super)
		return -ENOMEM;
	n_cg_mounts++;
	return 0;
}

static int load_mounts(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	int r = 0;

	if (!f)
		return -errno;
	n_cg_mounts = 0;
	while (r == 0 && getline(&line, &cap, f) > 0)
		r = remember_mount(line);
	if (r < 0) {
		for (int i = 0; i < PJ_CG_MOUNTS; i++) {
			free(cg_mounts[i].mnt);
			free(cg_mounts[i].root);
			free(cg_mounts[i].super);
			cg_mounts[i] = (struct cg_mount){ 0 };
		}
		n_cg_mounts = -1;
	}
	return r;
}

/* The first mount of the v1 hierarchy holding controller (NULL: the cgroup2 mount). */
int pj_cg_find_mount(const char *controller, char *ret_mnt, char *ret_root, size_t size)
{
	int r = n_cg_mounts < 0 ? load_mounts() : 0;

	if (r < 0)
		return r;
	for (int i = 0; i < n_cg_mounts; i++) {
		const struct cg_mount *m = &cg_mounts[i];
		if (controller ? m->v2 || !has_word(m->super, controller) : !m->v2)
			continue;
		if (strlen(m->mnt) >= size || strlen(m->root) >= size)
			return -ENAMETOOLONG;
		strcpy(ret_mnt, m->mnt);
		strcpy(ret_root, m->root);
		return 0;
	}
	return -ENOENT;
}

/* Our path in the hierarchy holding controller (v2: controller NULL, line "0::").
 * Read without stdio: a launch asks once per controller, and musl's FILE buffers
 * would each cost the allocator a map and an unmap. */
static int own_path(const char *controller, char *ret, size_t size)
{
	char buf[16384], *next;
	int n = pj_read_fileat(AT_FDCWD, "/proc/self/cgroup", buf, sizeof(buf));

	if (n < 0)
		return n;
	if ((size_t)n == sizeof(buf) - 1)
		return -E2BIG;
	for (char *line = buf; *line; line = next) {
		char *c1, *c2;
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		c1 = strchr(line, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		if (controller ? !has_word(c1 + 1, controller) : strcmp(line, "0:") != 0)
			continue;
		if (strlen(c2 + 1) >= size)
			return -ENAMETOOLONG;
		strcpy(ret, c2 + 1);
		return 0;
	}
	return -ENOENT;
}

static int check_parent_key(const char *v, struct pj_err *err)
{
	if (v[0] != '/' || strstr(v, "/../") || strstr(v, "/./") ||
	    (strlen(v) >= 3 && strcmp(v + strlen(v) - 3, "/..") == 0))
		return pj_fail(err, 0,
			       "cgroup_parent '%s': must be an absolute cgroup path "
			       "without '.' or '..' components",
			       v);
	return 0;
}

/* Once pyjail moved itself into its own leaf (cgroup v2's no-internal-process
 * rule), its jails still go next to that leaf, not below it: pyjail serve makes
 * many after the first. */
static void leave_own_leaf(char *path)
{
	char self[PJ_CG_NAME_MAX];
	struct pj_err ignored = { 0 };
	char *slash = strrchr(path, '/');

	if (slash && pj_cg_name(true, self, sizeof(self), &ignored) >= 0 &&
	    strcmp(slash + 1, self) == 0)
		*(slash == path ? slash + 1 : slash) = '\0';
}

int pj_cg_base_dir(const struct pj_config *cfg, const char *controller, char *ret, size_t size,
		   bool *ret_own, struct pj_err *err)
{
	const char *what = controller ? controller : "cgroup2";
	char mnt[4096], root[4096], path[4096];
	bool own = !cfg->cgroup_parent || !cfg->cgroup_parent[0];
	size_t rl;
	int r = pj_cg_find_mount(controller, mnt, root, sizeof(mnt));

	if (r < 0)
		return pj_fail(err, -r, "no %s hierarchy is mounted", what);
	if (!own && check_parent_key(cfg->cgroup_parent, err) < 0)
		return -EINVAL;
	r = own ? own_path(controller, path, sizeof(path)) : 0;
	if (r < 0)
		return pj_fail(err, -r, "%s: cannot find our cgroup in /proc/self/cgroup", what);
	if (own)
		leave_own_leaf(path);
	if (!own)
		snprintf(path, sizeof(path), "%s", cfg->cgroup_parent);
	/* A mount of a subtree (containers) shows the hierarchy from `root` down. */
	rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
	if (strncmp(path, root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))
		return pj_fail(err, ENOENT, "%s: cgroup '%s' is not visible in the mount at '%s'",
			       what, path, mnt);
	if ((size_t)snprintf(ret, size, "%s%s", mnt, strcmp(path + rl, "/") ? path + rl : "") >=
	    size)
		return pj_fail(err, ENAMETOOLONG, "%s: cgroup path", what);
	*ret_own = own;
	return 0;
}

int pj_cg_mkdir_locked(int parentfd, const char *name, struct pj_err *err)
{
	int fd;

	if (mkdirat(parentfd, name, 0755) < 0)
		return pj_fail(err, errno, "cannot create cgroup '%s'", name);
	fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		(void)unlinkat(parentfd, name, AT_REMOVEDIR);
		return pj_fail(err, e, "cannot open cgroup '%s'", name);
	}
	return fd;
}

int pj_cg_read_u64(int dirfd, const char *file, uint64_t *ret)
{
	char buf[64], *end;
	int r = pj_read_fileat(dirfd, file, buf, sizeof(buf));

	if (r < 0)
		return r;
	if (strncmp(buf, "max", 3) == 0) {
		*ret = UINT64_MAX;
		return 0;
	}
	errno = 0;
	*ret = strtoull(buf, &end, 10);
	return errno || end == buf ? -EINVAL : 0;
}

int pj_cg_read_key(int dirfd, const char *file, const char *key, uint64_t *ret)
{
	char buf[4096];
	size_t n = strlen(key);
	int r = pj_read_fileat(dirfd, file, buf, sizeof(buf));

	if (r < 0)
		return r;
	for (char *p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, n) == 0 && p[n] == ' ') {
			*ret = strtoull(p + n + 1, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

int pj_cg_write(int dirfd, const char *file, struct pj_err *err, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	r = pj_write_fileat(dirfd, file, buf);
	if (r < 0 && err)
		return pj_fail(err, -r, "cannot write '%s' to %s", buf, file);
	return r;
}

/* Up to max pids from dirfd's cgroup.procs. */
static int read_procs(int dirfd, pid_t *pids, int max)
{
	_cleanup_close_ int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	_cleanup_fclose_ FILE *f = NULL;
	int n = 0, pid;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "r");
	if (!f)
		return -errno;
	fd = -1; /* the FILE owns it now */
	while (n < max && fscanf(f, "%d", &pid) == 1)
		if (pid > 0) /* 0: a process outside our pid namespace */
			pids[n++] = pid;
	return n;
}

static bool listed(const pid_t *pids, int n, pid_t pid)
{
	for (int i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Wait until every pidfd in pfd has exited, or the deadline. */
static void wait_exits(struct pollfd *pfd, int n)
{
	unsigned long long end = pj_now_ns() + KILL_WAIT_NS, now;
	int left = n;

	while (left > 0 && (now = pj_now_ns()) < end) {
		int r = poll(pfd, (nfds_t)n, (int)((end - now) / 1000000ULL) + 1);
		if (r < 0 && errno != EINTR)
			return;
		for (int i = 0; r > 0 && i < n; i++) {
			if (pfd[i].fd >= 0 && pfd[i].revents) {
				pfd[i].fd = -1;
				left--;
			}
		}
	}
}

/* One round: pidfds for what is listed; a pid still listed after its pidfd was
 * opened is that process (not a reused pid), so kill it; then wait for them. */
static int kill_round(int dirfd, bool wait)
{
	pid_t pids[PROCS_MAX], again[PROCS_MAX];
	int fds[PROCS_MAX], n = read_procs(dirfd, pids, PROCS_MAX), m, k = 0, nk = 0;
	struct pollfd pfd[PROCS_MAX];

	if (n <= 0)
		return n;
	for (int i = 0; i < n; i++) {
		int fd = (int)syscall(SYS_pidfd_open, pids[i], 0);
		if (fd >= 0) {
			fds[k] = fd;
			pids[k++] = pids[i];
		}
	}
	m = read_procs(dirfd, again, PROCS_MAX);
	for (int i = 0; i < k; i++)
		if (m > 0 && listed(again, m, pids[i]) &&
		    syscall(SYS_pidfd_send_signal, fds[i], SIGKILL, NULL, 0) == 0)
			pfd[nk++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	if (wait)
		wait_exits(pfd, nk);
	for (int i = 0; i < k; i++)
		close(fds[i]);
	return n;
}

int pj_cg_kill_procs(int dirfd, bool wait)
{
	for (int round = 0; round < (wait ? KILL_ROUNDS : 1); round++) {
		int n = kill_round(dirfd, wait);
		if (n <= 0)
			return n == -ENOENT ? 0 : n;
	}
	return wait ? -EBUSY : 0;
}

/* A DIR stream of its own for name below dirfd (O_CLOEXEC). */
static DIR *opendir_at(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d && fd >= 0)
		close(fd);
	return d;
}

static int remove_tree(int parentfd, const char *name, int depth, int (*kill)(int dirfd))
{
	_cleanup_close_ int fd =
		openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d = NULL;
	struct dirent *de;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (kill)
		(void)kill(fd);
	if (depth < REMOVE_DEPTH)
		d = opendir_at(fd, ".");
	while (d && (de = readdir(d)))
		if (de->d_type == DT_DIR && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			(void)remove_tree(fd, de->d_name, depth + 1, kill);
	if (d)
		closedir(d);
	if (unlinkat(parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int pj_cg_remove(int parentfd, const char *name, int (*kill)(int dirfd))
{
	/* The usual case, on the exit path: the jail is gone and the cgroup empty,
	 * so one rmdir does it.  It fails (EBUSY) while anything is left inside. */
	if (unlinkat(parentfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	return remove_tree(parentfd, name, 0, kill);
}

/* A pyjail cgroup whose owner is gone: dead pid (or reused: other start time)
 * and the owner's lock free.  Takes the lock itself, so two reapers never race. */
static int lock_if_stale(int parentfd, const char *name)
{
	int pid, off = 0, fd;
	unsigned long long start;

	if (sscanf(name, PJ_CG_PREFIX "%d-%llu-%n", &pid, &start, &off) != 2 || !off || pid <= 0)
		return -1;
	if (pid == getpid() ? own_start_time() == start : start_time(pid) == start)
		return -1;
	fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void pj_cg_reap_stale(int parentfd, int (*kill)(int dirfd))
{
	DIR *d = opendir_at(parentfd, ".");
	struct dirent *de;

	while (d && (de = readdir(d))) {
		int fd;
		if (de->d_type != DT_DIR || strncmp(de->d_name, PJ_CG_PREFIX, strlen(PJ_CG_PREFIX)))
			continue;
		fd = lock_if_stale(parentfd, de->d_name);
		if (fd < 0)
			continue;
		(void)pj_cg_remove(parentfd, de->d_name, kill);
		close(fd);
	}
	if (d)
		closedir(d);
}
