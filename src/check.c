/* check.c: `pyjail check`: what this host lets pyjail do, one line per fact, each
 * with "ok", "missing" or "warn" and how to fix it.  Probes by trying, where a
 * setting alone can mislead (a user namespace is created in a throwaway child). */
#include "check.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "seccomp.h"
#include "util.h"

static void line(FILE *out, const char *state, const char *what, const char *detail)
{
	fprintf(out, "%-8s %-22s %s\n", state, what, detail);
}

static long read_num(const char *path)
{
	char buf[32];

	if (pj_read_fileat(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/* Really try: a child unshares a user namespace and reports. */
static int probe_userns(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET) == 0
			      ? 0
			      : errno);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? -WEXITSTATUS(status) : -EINTR;
}

static int check_userns(FILE *out)
{
	long max = read_num("/proc/sys/user/max_user_namespaces");
	long clone = read_num("/proc/sys/kernel/unprivileged_userns_clone");
	long aa = read_num("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	int r = probe_userns();
	char buf[200];

	snprintf(buf, sizeof(buf), "user.max_user_namespaces = %ld", max);
	line(out, max > 0 ? "ok" : "missing", "max_user_namespaces",
	     max > 0 ? buf : "set it above 0: sysctl -w user.max_user_namespaces=10000");
	if (clone >= 0)
		line(out, clone == 1 || geteuid() == 0 ? "ok" : "missing",
		     "unprivileged_userns_clone",
		     clone == 1 ? "kernel.unprivileged_userns_clone = 1"
				: "sysctl -w kernel.unprivileged_userns_clone=1 (Debian/Ubuntu)");
	if (aa >= 0)
		line(out, aa == 0 || geteuid() == 0 ? "ok" : "missing", "apparmor userns",
		     aa == 0 ? "kernel.apparmor_restrict_unprivileged_userns = 0"
			     : "AppArmor restricts unprivileged user namespaces: "
			       "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 or add a "
			       "profile");
	snprintf(buf, sizeof(buf), "creating user+mount+pid+net namespaces failed: %s",
		 strerror(-r));
	line(out, r == 0 ? "ok" : "missing", "user namespaces",
	     r == 0 ? "a user namespace was created" : buf);
	return r == 0 ? 0 : -1;
}

static int check_seccomp(FILE *out)
{
	/* A NULL filter with SECCOMP_MODE_FILTER fails with EFAULT only when supported. */
	int ok = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL) < 0 && errno == EFAULT;

	line(out, ok ? "ok" : "missing", "seccomp",
	     ok ? "seccomp filters (policy: see pyjail(1), SECCOMP)"
		: "the kernel lacks CONFIG_SECCOMP_FILTER");
	return ok ? 0 : -1;
}

static void check_landlock(FILE *out)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	char buf[64];

	snprintf(buf, sizeof(buf), "Landlock ABI %ld", abi);
	line(out, abi > 0 ? "ok" : "warn", "landlock",
	     abi > 0 ? buf
		     : "not available (boot with lsm=...,landlock); the jail works without it");
}

static int check_rootfs(const struct pj_config *cfg, FILE *out)
{
	char path[4096], buf[4200];
	int ok;

	snprintf(path, sizeof(path), "%s/etc/pyjail-rootfs", cfg->rootfs);
	ok = access(path, R_OK) == 0;
	snprintf(path, sizeof(path), "%s%s", cfg->rootfs, cfg->python);
	ok = ok && access(path, X_OK) == 0;
	snprintf(buf, sizeof(buf), "%s %s", cfg->rootfs,
		 ok ? "" : "(missing: build it with 'make rootfs' or pyjail-mkrootfs)");
	line(out, ok ? "ok" : "missing", "rootfs", buf);
	return ok ? 0 : -1;
}

int pj_check_run(const struct pj_config *cfg, FILE *out)
{
	int bad = 0;

	fprintf(out, "pyjail %s, running as %s (uid %u)\n", PACKAGE_VERSION,
		geteuid() == 0 ? "root" : "an ordinary user", (unsigned)geteuid());
	bad |= check_userns(out);
	pj_cgroup_describe(cfg, out);
	bad |= check_seccomp(out);
	pj_seccomp_describe(out);
	check_landlock(out);
	bad |= check_rootfs(cfg, out);
	fprintf(out, "%s\n",
		bad ? "pyjail cannot run here: fix the lines marked missing"
		    : "pyjail can run here");
	return bad ? 1 : 0;
}
