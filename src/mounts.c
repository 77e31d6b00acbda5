/* mounts.c: the jail's filesystem view, built in the child's new mount namespace.
 *
 * Order: make every mount private; bind the rootfs onto itself and enter it;
 * mount /proc, a minimal /dev, /tmp and the binds relative to it, resolving every
 * target with RESOLVE_IN_ROOT so a symlink in the rootfs cannot point a mount at
 * the host; pivot_root and detach the old root; then make the root read-only and
 * mask the dangerous parts of /proc.  Must not print: errors go into pj_err. */
#include "mounts.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "compat.h"
#include "util.h"

#define PJ_EMPTY_DIR "/sys"

static void fd_path(int fd, char buf[static 32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

/* mount(2) onto path below rootfd, resolved safely. */
static int mount_in(int rootfd, const char *src, const char *path, const char *type,
		    unsigned long flags, const char *data, struct pj_err *err)
{
	_cleanup_close_ int fd = pj_open_in_root(rootfd, path, O_PATH);
	char target[32];

	if (fd < 0)
		return pj_fail(err, -fd, "mount target '%s'", path);
	fd_path(fd, target);
	if (mount(src, target, type, flags, data) < 0)
		return pj_fail(err, errno, "mount %s on '%s'", type ? type : src, path);
	return 0;
}

/* Mount flags that a remount in a user namespace must keep (they are locked). */
static unsigned long locked_flags(int fd)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (fstatvfs(fd, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

/* Remount the mount at path (below rootfd) read-only, keeping locked flags. */
static int remount_ro(int rootfd, const char *path, unsigned long extra, struct pj_err *err)
{
	_cleanup_close_ int fd = pj_open_in_root(rootfd, path, O_PATH);
	char target[32];
	unsigned long flags;

	if (fd < 0)
		return pj_fail(err, -fd, "remount '%s'", path);
	flags = MS_REMOUNT | MS_BIND | MS_RDONLY | extra | locked_flags(fd);
	fd_path(fd, target);
	if (mount(NULL, target, NULL, flags, NULL) < 0)
		return pj_fail(err, errno, "remount '%s' read-only", path);
	return 0;
}

/* mkdir -p below rootfd (each step resolved in the root). */
static int mkdir_p(int rootfd, const char *path, struct pj_err *err)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return pj_fail(err, ENAMETOOLONG, "'%s'", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		_cleanup_close_ int fd = pj_open_in_root(rootfd, buf, O_PATH | O_DIRECTORY);
		if (fd == -ENOENT) {
			char *slash = strrchr(buf, '/');
			_cleanup_close_ int parent = -1;
			*slash = '\0';
			parent = pj_open_in_root(rootfd, buf[0] ? buf : "/", O_PATH | O_DIRECTORY);
			*slash = '/';
			if (parent < 0 || mkdirat(parent, slash + 1, 0755) < 0)
				return pj_fail(err, parent < 0 ? -parent : errno, "mkdir '%s'",
					       buf);
		} else if (fd < 0) {
			return pj_fail(err, -fd, "'%s'", buf);
		}
		*p = saved;
		if (!saved)
			return 0;
	}
}

/* Create an empty file at path (its parent must exist) as a bind target. */
static int touch_in(int rootfd, const char *path, struct pj_err *err)
{
	_cleanup_close_ int fd = pj_open_in_root(rootfd, path, O_WRONLY | O_CREAT | O_NOFOLLOW);

	if (fd < 0 && fd != -EEXIST)
		return pj_fail(err, -fd, "create '%s'", path);
	return 0;
}

/* Fds the parent opened refer to mounts of the parent's namespace, which cannot
 * be bound here; open the same path in our copy and check it is the same inode. */
static int reopen_same(const char *path, int parent_fd, struct pj_err *err)
{
	struct stat want, got;
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return pj_fail(err, errno, "'%s'", path);
	if (fstat(fd, &got) < 0 || fstat(parent_fd, &want) < 0 || got.st_ino != want.st_ino ||
	    got.st_dev != want.st_dev) {
		close(fd);
		return pj_fail(err, EXDEV, "'%s' changed during setup", path);
	}
	return fd;
}

/* Bind the rootfs onto itself and return an fd of the new mount (cwd moved there). */
static int enter_rootfs(const struct pj_launch *l, struct pj_err *err)
{
	const char *path = l->plan->cfg->rootfs;
	char src[32];
	int fd, r;

	fd = reopen_same(path, l->rootfs_fd, err);
	if (fd < 0)
		return fd;
	fd_path(fd, src);
	r = mount(src, src, NULL, MS_BIND, NULL);
	close(fd);
	if (r < 0)
		return pj_fail(err, errno, "bind rootfs '%s'", path);
	/* The path now leads into the new mount; it must still be the same directory. */
	fd = reopen_same(path, l->rootfs_fd, err);
	if (fd < 0)
		return fd;
	if (fchdir(fd) < 0) {
		close(fd);
		return pj_fail(err, errno, "enter rootfs '%s'", path);
	}
	return fd;
}

/* A fresh procfs for the new PID namespace; verified to really be procfs. */
static int setup_proc(int root, struct pj_err *err)
{
	_cleanup_close_ int fd = -1;
	struct statfs sf;
	int r = mount_in(root, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
			 err);

	if (r < 0)
		return r;
	fd = pj_open_in_root(root, "/proc", O_PATH | O_DIRECTORY);
	if (fd < 0 || fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
		return pj_fail(err, EXDEV, "/proc is not procfs after mounting it");
	return 0;
}

/* /dev: the harmless host devices bound in (mknod is refused in a user
 * namespace), the /dev/fd links and a private /dev/shm. */
static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom" };
static const char *const dev_links[][2] = { { "fd", "/proc/self/fd" },
					    { "stdin", "/proc/self/fd/0" },
					    { "stdout", "/proc/self/fd/1" },
					    { "stderr", "/proc/self/fd/2" } };

/* Entry i of the layout: a node, a link or "shm"; -1 if name is none of them. */
static int dev_entry(const char *name, unsigned char type)
{
	const size_t nn = ARRAY_SIZE(dev_nodes), nl = ARRAY_SIZE(dev_links);

	for (size_t i = 0; i < nn; i++)
		if (type == DT_REG && strcmp(name, dev_nodes[i]) == 0)
			return (int)i;
	for (size_t i = 0; i < nl; i++)
		if (type == DT_LNK && strcmp(name, dev_links[i][0]) == 0)
			return (int)(nn + i);
	return type == DT_DIR && strcmp(name, "shm") == 0 ? (int)(nn + nl) : -1;
}

static bool dev_links_right(int dev)
{
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++) {
		char buf[32];
		ssize_t n = readlinkat(dev, dev_links[i][0], buf, sizeof(buf) - 1);
		if (n < 0 || (buf[n] = '\0', strcmp(buf, dev_links[i][1]) != 0))
			return false;
	}
	return true;
}

/* Does the rootfs's /dev hold exactly this layout and nothing else (as
 * pyjail-mkrootfs makes it)?  Then it serves read-only as it is, and a launch
 * saves the tmpfs and the entries made in it.  dev: O_RDONLY. */
static bool dev_prebuilt(int dev)
{
	const unsigned all = (1U << (ARRAY_SIZE(dev_nodes) + ARRAY_SIZE(dev_links) + 1)) - 1;
	unsigned seen = 0;
	char buf[2048];
	long n;

	while ((n = syscall(SYS_getdents64, dev, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			const struct dirent64 *d = (const struct dirent64 *)(buf + off);
			int i = dev_entry(d->d_name, d->d_type);
			off += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
				continue;
			if (i < 0)
				return false;
			seen |= 1U << i;
		}
	}
	return n == 0 && seen == all && dev_links_right(dev);
}

/* A tmpfs on /dev with the layout's links and /dev/shm; returns it (O_PATH). */
static int make_dev(int root, struct pj_err *err)
{
	int dev, r = mount_in(root, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
			      "mode=0755,size=64k,nr_inodes=64", err);

	if (r < 0)
		return r;
	dev = pj_open_in_root(root, "/dev", O_PATH | O_DIRECTORY);
	if (dev < 0)
		return pj_fail(err, -dev, "open /dev");
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(dev_links); i++)
		if (symlinkat(dev_links[i][1], dev, dev_links[i][0]) < 0)
			r = pj_fail(err, errno, "symlink /dev/%s", dev_links[i][0]);
	if (r >= 0 && mkdirat(dev, "shm", 01777) < 0)
		r = pj_fail(err, errno, "mkdir /dev/shm");
	if (r < 0) {
		close(dev);
		return r;
	}
	return dev;
}

/* A device's mount point: made in our tmpfs, or the rootfs's empty file. */
static int dev_target(int dev, const char *name, bool prebuilt)
{
	struct stat st;
	int fd = prebuilt ? openat(dev, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)
			  : openat(dev, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);

	if (fd >= 0 && prebuilt && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		errno = EEXIST;
		return -1;
	}
	return fd;
}

/* Sets *ret_prebuilt when the rootfs's own /dev was used (it needs no remount). */
static int setup_dev(int root, const char *shm_opts, bool *ret_prebuilt, struct pj_err *err)
{
	_cleanup_close_ int dev = pj_open_in_root(root, "/dev", O_RDONLY | O_DIRECTORY);
	bool prebuilt = dev >= 0 && dev_prebuilt(dev);

	if (!prebuilt) {
		if (dev >= 0)
			close(dev);
		dev = make_dev(root, err);
		if (dev < 0)
			return dev;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		char host[32], target[32];
		_cleanup_close_ int fd = dev_target(dev, dev_nodes[i], prebuilt);
		if (fd < 0)
			return pj_fail(err, errno, "mount point /dev/%s", dev_nodes[i]);
		snprintf(host, sizeof(host), "/dev/%s", dev_nodes[i]);
		fd_path(fd, target);
		if (mount(host, target, NULL, MS_BIND, NULL) < 0)
			return pj_fail(err, errno, "bind %s", host);
	}
	*ret_prebuilt = prebuilt;
	return mount_in(root, "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			shm_opts, err);
}

static int setup_tmp(int root, const char *opts, struct pj_err *err)
{
	return mount_in(root, "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, opts, err);
}

static bool under_tmp(const char *path)
{
	return strncmp(path, "/tmp/", 5) == 0;
}

/* True if the directory open at fd holds nothing but "." and "..". */
static bool dir_is_empty(int fd)
{
	char buf[2048];
	ssize_t n;

	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *d = (const struct dirent64 *)(buf + off);
			if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
				return false;
			off += d->d_reclen;
		}
	}
	return n == 0;
}

/* The script may live outside /tmp: give its top-level directory (empty in the
 * rootfs, such as /home or /root) a small tmpfs so the same path can exist.
 * Never over a directory with content (/usr, /etc): the jail needs it.  One we
 * cannot read (/root, 0700) shows the jail nothing anyway. */
static int make_room(int root, const char *dst, struct pj_err *err)
{
	char top[256];
	size_t n = strcspn(dst + 1, "/") + 1;
	_cleanup_close_ int fd = -1;

	if (n >= sizeof(top) || dst[n] != '/')
		return pj_fail(err, ENOENT, "script path '%s' cannot be created inside", dst);
	memcpy(top, dst, n);
	top[n] = '\0';
	fd = pj_open_in_root(root, top, O_RDONLY | O_DIRECTORY);
	if (fd == -EACCES)
		fd = pj_open_in_root(root, top, O_PATH | O_DIRECTORY);
	else if (fd >= 0 && !dir_is_empty(fd))
		return pj_fail(err, ENOTEMPTY,
			       "script path '%s': its directory would hide '%s' of the rootfs "
			       "(put the script under /tmp or pass a relative path)",
			       dst, top);
	if (fd < 0)
		return pj_fail(err, ENOENT,
			       "script path '%s': '%s' is not a directory of the rootfs "
			       "(put the script under /tmp or pass a relative path)",
			       dst, top);
	return mount_in(root, "tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV,
			"mode=0755,size=1m,nr_inodes=256", err);
}

/* Make sure the bind target exists: created under /tmp, required elsewhere. */
static int prepare_target(int root, const struct pj_bind *b, bool is_dir, bool is_script,
			  struct pj_err *err)
{
	_cleanup_close_ int fd = pj_open_in_root(root, b->dst, O_PATH);
	char parent[4096];
	int r;

	if (fd >= 0)
		return 0;
	if (!under_tmp(b->dst) && !is_script)
		return pj_fail(err, ENOENT,
			       "bind destination '%s' does not exist in the rootfs "
			       "(only paths under /tmp are created)",
			       b->dst);
	snprintf(parent, sizeof(parent), "%s", b->dst);
	*strrchr(parent, '/') = '\0';
	if (!under_tmp(b->dst)) {
		_cleanup_close_ int pfd = pj_open_in_root(root, parent[0] ? parent : "/", O_PATH);
		if (pfd < 0 && (r = make_room(root, b->dst, err)) < 0)
			return r;
	}
	r = mkdir_p(root, is_dir ? b->dst : parent, err);
	if (r >= 0 && !is_dir)
		r = touch_in(root, b->dst, err);
	return r;
}

/* Attach a detached mount (open_tree in the parent) at path below rootfd. */
static int move_in(int rootfd, int srcfd, const char *path, struct pj_err *err)
{
	_cleanup_close_ int fd = pj_open_in_root(rootfd, path, O_PATH);

	if (fd < 0)
		return pj_fail(err, -fd, "mount target '%s'", path);
	if (syscall(SYS_move_mount, srcfd, "", fd, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return pj_fail(err, errno, "move mount onto '%s'", path);
	return 0;
}

/* A read-only directory bind is a private overlay of the source (over the empty
 * /sys layer) rather than a bind: its files get this jail's own inodes, so file
 * locks taken by two jails on a shared directory never meet (flock and POSIX
 * locks live on the inode).  Without an upper layer it cannot be written. */
static int overlay_in(int root, const struct pj_bind *b, int srcfd, struct pj_err *err)
{
	_cleanup_close_ int empty = pj_open_in_root(root, PJ_EMPTY_DIR, O_PATH | O_DIRECTORY);
	char opts[96];

	if (empty < 0)
		return pj_fail(err, -empty, "open /sys");
	snprintf(opts, sizeof(opts), "lowerdir=/proc/self/fd/%d:/proc/self/fd/%d", srcfd, empty);
	return mount_in(root, "overlay", b->dst, "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV, opts,
			err);
}

static int bind_one(int root, const struct pj_bind *b, int srcfd, bool is_script, bool detached,
		    struct pj_err *err)
{
	struct stat st;
	char src[32];
	int r;

	if (fstat(srcfd, &st) < 0)
		return pj_fail(err, errno, "bind source '%s'", b->src);
	r = prepare_target(root, b, S_ISDIR(st.st_mode), is_script, err);
	if (r < 0)
		return r;
	if (!b->rw && S_ISDIR(st.st_mode) && !detached)
		return overlay_in(root, b, srcfd, err);
	fd_path(srcfd, src);
	r = detached ? move_in(root, srcfd, b->dst, err)
		     : mount_in(root, src, b->dst, NULL, MS_BIND, NULL, err);
	if (r < 0)
		return r;
	if (!b->rw && S_ISDIR(st.st_mode)) {
		/* A detached source is not a valid layer: stack the overlay on the
		 * moved mount instead. */
		_cleanup_close_ int moved = -1;
		r = remount_ro(root, b->dst, MS_NOSUID | MS_NODEV, err);
		if (r < 0)
			return r;
		moved = pj_open_in_root(root, b->dst, O_PATH | O_DIRECTORY);
		if (moved < 0)
			return pj_fail(err, -moved, "bind '%s'", b->dst);
		return overlay_in(root, b, moved, err);
	}
	if (b->rw)
		return 0;
	return remount_ro(root, b->dst, MS_NOSUID | MS_NODEV, err);
}

/* Sources are reopened before we leave the host's cwd: relative paths are the
 * caller's, and each must be the very object the parent checked.  As root the
 * parent already made detached mounts of them (jail.c), used as they are. */
static int open_sources(const struct pj_launch *l, int *fds, struct pj_err *err)
{
	for (unsigned i = 0; i < l->plan->n_binds; i++) {
		if (l->plan->as_root) {
			fds[i] = fcntl(l->bind_fds[i], F_DUPFD_CLOEXEC, 3);
			if (fds[i] < 0)
				return pj_fail(err, errno, "bind source '%s'",
					       l->plan->binds[i].src);
			continue;
		}
		fds[i] = reopen_same(l->plan->binds[i].src, l->bind_fds[i], err);
		if (fds[i] < 0)
			return fds[i];
	}
	return 0;
}

static int setup_binds(int root, const struct pj_launch *l, const int *fds, struct pj_err *err)
{
	const struct pj_plan *p = l->plan;

	for (unsigned i = 0; i < p->n_binds; i++) {
		bool is_script = p->has_script && i == p->n_binds - 1;
		int r = bind_one(root, &p->binds[i], fds[i], is_script, p->as_root, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* pivot_root(".", ".") stacks the old root on the new one; detaching it leaves
 * only the new root visible (the trick from pivot_root(2)). */
static int pivot(struct pj_err *err)
{
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return pj_fail(err, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return pj_fail(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return pj_fail(err, errno, "chdir /");
	return 0;
}

/* After pivot_root, /proc is the procfs just mounted and verified, and nothing
 * in the rootfs can redirect a path below it: the masks name their targets
 * directly, one mount(2) each.  A target the kernel lacks (ENOENT) is skipped. */
static int mask_mount(const char *src, const char *path, unsigned long flags, struct pj_err *err)
{
	if (mount(src, path, NULL, flags, NULL) == 0 || errno == ENOENT)
		return 0;
	return pj_fail(err, errno, "mask '%s'", path);
}

/* A read-only bind of path onto itself. */
static int mask_ro(const char *path, struct pj_err *err)
{
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return errno == ENOENT ? 0 : pj_fail(err, errno, "bind '%s'", path);
	if (mount(NULL, path, NULL,
		  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return pj_fail(err, errno, "remount '%s' read-only", path);
	return 0;
}

/* Hide what an unprivileged process still should not read in /proc, and make
 * the kernel's knobs read-only.  Files are covered by /dev/null, directories by
 * binds of the empty read-only /sys (one inode, no room for another): binds
 * cost less than a tmpfs each. */
static int mask_proc(struct pj_err *err)
{
	static const char *const hide_files[] = {
		"/proc/kcore",       "/proc/keys",          "/proc/key-users",
		"/proc/timer_list",  "/proc/sched_debug",   "/proc/kallsyms",
		"/proc/kmsg",        "/proc/latency_stats", "/proc/config.gz",
		"/proc/vmallocinfo", "/proc/pagetypeinfo",  "/proc/kpagecount",
		"/proc/kpageflags",  "/proc/kpagecgroup",   "/proc/slabinfo",
	};
	static const char *const hide_dirs[] = { "/proc/acpi", "/proc/asound", "/proc/scsi",
						 "/proc/firmware", "/proc/tty/driver" };
	static const char *const ro[] = { "/proc/sys", "/proc/irq",           "/proc/bus",
					  "/proc/fs",  "/proc/sysrq-trigger", "/proc/sysvipc" };
	int r = 0;

	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(hide_files); i++)
		r = mask_mount("/dev/null", hide_files[i], MS_BIND, err);
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(hide_dirs); i++)
		r = mask_mount(PJ_EMPTY_DIR, hide_dirs[i], MS_BIND, err);
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(ro); i++)
		r = mask_ro(ro[i], err);
	return r;
}

static void tmpfs_opts(const struct pj_config *cfg, char tmp[static 64], char shm[static 64])
{
	snprintf(tmp, 64, "mode=1777,size=%llu,nr_inodes=65536",
		 (unsigned long long)cfg->tmp_size.value);
	snprintf(shm, 64, "mode=1777,size=%llu,nr_inodes=1024",
		 (unsigned long long)cfg->tmp_size.value);
}

int pj_mounts_setup(const struct pj_launch *l, struct pj_err *err)
{
	const struct pj_config *cfg = l->plan->cfg;
	_cleanup_close_ int root = -1;
	char tmp_opts[64], shm_opts[64];
	bool rootfs_dev = false;
	int r;

	tmpfs_opts(cfg, tmp_opts, shm_opts);
	int srcs[l->plan->n_binds + 1];

	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return pj_fail(err, errno, "make mounts private");
	for (unsigned i = 0; i < l->plan->n_binds; i++)
		srcs[i] = -1;
	r = open_sources(l, srcs, err);
	if (r < 0)
		return r;
	root = enter_rootfs(l, err);
	if (root < 0)
		return root;
	r = setup_proc(root, err);
	if (r >= 0)
		r = setup_dev(root, shm_opts, &rootfs_dev, err);
	if (r >= 0)
		r = setup_tmp(root, tmp_opts, err);
	/* An empty read-only /sys: nothing of the host's, the empty layer of the
	 * read-only directory binds' overlays, and what masks /proc's directories. */
	if (r >= 0)
		r = mount_in(root, "tmpfs", PJ_EMPTY_DIR, "tmpfs",
			     MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,nr_inodes=1",
			     err);
	if (r >= 0)
		r = setup_binds(root, l, srcs, err);
	if (r >= 0 && !rootfs_dev)
		r = remount_ro(root, "/dev", MS_NOSUID | MS_NOEXEC, err);
	if (r >= 0)
		r = pivot(err);
	if (r < 0)
		return r;
	close(root);
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return pj_fail(err, errno, "open new root");
	/* Read-only last: the mounts above needed their targets created first.
	 * pyjail serve's zygote jail runs no request code, and each jail it
	 * prepares stacks a masked /proc of its own on this one: masks here would
	 * only be copied into every prepared jail and torn down with it. */
	r = remount_ro(root, "/", MS_NOSUID | MS_NODEV, err);
	if (r >= 0 && l->zygote_fd < 0)
		r = mask_proc(err);
	if (r >= 0 && chdir(cfg->cwd) < 0)
		r = pj_fail(err, errno, "working directory '%s'", cfg->cwd);
	for (unsigned i = 0; i < l->plan->n_binds; i++)
		close(srcs[i]);
	return r;
}

int pj_mounts_renew(const struct pj_config *cfg, struct pj_err *err)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char tmp_opts[64], shm_opts[64];
	int r;

	if (root < 0)
		return pj_fail(err, errno, "open /");
	tmpfs_opts(cfg, tmp_opts, shm_opts);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return pj_fail(err, errno, "make mounts private");
	/* The new procfs goes on top of the old one, not in its place: a user
	 * namespace may mount procfs only where one is already fully visible. */
	r = setup_proc(root, err);
	if (r >= 0)
		r = mask_proc(err);
	/* The old tmpfs go away entirely (nothing in them, but nothing to find). */
	if (r >= 0 && umount2("/tmp", MNT_DETACH) < 0)
		r = pj_fail(err, errno, "detach the old /tmp");
	if (r >= 0)
		r = setup_tmp(root, tmp_opts, err);
	if (r >= 0 && umount2("/dev/shm", MNT_DETACH) < 0)
		r = pj_fail(err, errno, "detach the old /dev/shm");
	if (r >= 0)
		r = mount_in(root, "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			     shm_opts, err);
	if (r >= 0 && chdir(cfg->cwd) < 0)
		r = pj_fail(err, errno, "working directory '%s'", cfg->cwd);
	return r;
}
