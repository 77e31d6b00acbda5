/* landlock.c: a second wall around the jail's filesystem view (Landlock LSM).
 *
 * The mounts already make the root read-only; Landlock says the same thing again
 * in a way that no mount trick undoes: below the jail's "/", files may be read
 * and executed, and written only under /tmp, /dev/shm, the :rw binds and the
 * three harmless devices.  It also scopes abstract unix sockets and signals to
 * the jail (ABI 6).  Best effort by ABI version; without Landlock nothing is done
 * and the ABI reported is 0.  Runs in the payload after pivot_root and
 * no_new_privs, before seccomp (whose allow-list does not include Landlock's
 * calls).  Must not print. */
#include "landlock.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* Newer than the build host's headers (Linux 6.2 and 6.12). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

#define FS_READ                                                                                    \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_FILE_RIGHTS                                                                             \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)
/* Every right the jail may use where it may write: not device nodes. */
#define FS_WRITE_TREE                                                                              \
	(FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                 \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |                            \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                              \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER |   \
	 LANDLOCK_ACCESS_FS_TRUNCATE)
#define FS_ALL_V3 (FS_WRITE_TREE | LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK)

/* struct landlock_ruleset_attr grew "scoped" in ABI 6; older headers lack it. */
struct ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

int pj_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return abi > 0 ? (int)abi : 0;
}

/* The rights this kernel knows (ABI 1 lacks REFER, ABI 2 lacks TRUNCATE). */
static uint64_t handled_fs(int abi)
{
	uint64_t fs = FS_ALL_V3;

	if (abi < 2)
		fs &= ~(uint64_t)LANDLOCK_ACCESS_FS_REFER;
	if (abi < 3)
		fs &= ~(uint64_t)LANDLOCK_ACCESS_FS_TRUNCATE;
	return fs;
}

/* Grant rights below path (a file gets only the rights a file can have). */
static int allow_path(int ruleset, const char *path, uint64_t rights, uint64_t handled,
		      struct pj_err *err)
{
	struct landlock_path_beneath_attr pb = { 0 };
	_cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return pj_fail(err, errno, "landlock: '%s'", path);
	if (!S_ISDIR(st.st_mode))
		rights &= FS_FILE_RIGHTS;
	pb.allowed_access = rights & handled;
	pb.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
		return pj_fail(err, errno, "landlock: rule for '%s'", path);
	return 0;
}

void pj_landlock_rules(const struct pj_plan *p, pj_landlock_rule_fn fn, void *arg)
{
	static const char *const trees[] = { "/tmp", "/dev/shm" };
	static const char *const devs[] = { "/dev/null", "/dev/zero", "/dev/full" };

	fn(arg, "/", FS_READ);
	for (size_t i = 0; i < ARRAY_SIZE(trees); i++)
		fn(arg, trees[i], FS_WRITE_TREE);
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++)
		fn(arg, devs[i], FS_FILE_RIGHTS & ~LANDLOCK_ACCESS_FS_EXECUTE);
	for (unsigned i = 0; i < p->n_binds; i++)
		if (p->binds[i].rw)
			fn(arg, p->binds[i].dst, FS_WRITE_TREE);
}

uint64_t pj_landlock_handled(int abi)
{
	return abi > 0 ? handled_fs(abi) : 0;
}

uint64_t pj_landlock_scoped(int abi)
{
	return abi >= 6 ? LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL : 0;
}

uint64_t pj_landlock_file_rights(void)
{
	return FS_FILE_RIGHTS;
}

struct add_ctx {
	int ruleset;
	uint64_t handled;
	struct pj_err *err;
	int r;
};

static void add_one(void *arg, const char *path, uint64_t rights)
{
	struct add_ctx *c = arg;

	if (c->r >= 0)
		c->r = allow_path(c->ruleset, path, rights, c->handled, c->err);
}

int pj_landlock_apply(const struct pj_plan *p, int *ret_abi, struct pj_err *err)
{
	int abi = pj_landlock_abi();
	struct ruleset_attr attr = { .handled_access_fs = handled_fs(abi) };
	_cleanup_close_ int ruleset = -1;
	int r;

	if (abi == 0 || !p->cfg->landlock) {
		*ret_abi = 0;
		return 0;
	}
	attr.scoped = pj_landlock_scoped(abi);
	/* Older kernels accept the longer struct as long as its tail is zero. */
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0)
		return pj_fail(err, errno, "landlock: create ruleset (ABI %d)", abi);
	struct add_ctx c = { ruleset, attr.handled_access_fs, err, 0 };
	pj_landlock_rules(p, add_one, &c);
	r = c.r;
	if (r < 0)
		return r;
	/* no_new_privs is already set (caps.c), as landlock_restrict_self requires. */
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		return pj_fail(err, errno, "landlock: restrict");
	*ret_abi = abi;
	return 0;
}
