/* bench-seccomp.c: writes the seccomp BPF program that the benchmark hands to
 * bubblewrap (--seccomp FD), so bubblewrap is measured with a filter as pyjail is.
 *
 *   bench-seccomp OUTFILE
 *
 * The policy is a denylist in the spirit of the one bubblewrap's demo uses (the
 * flatpak list): allow by default, EPERM for kernel facilities a sandboxed program
 * has no business with, ENOSYS for clone3 (its flags sit in memory a filter cannot
 * read, so glibc falls back to clone, whose flags it can), EPERM for clone with
 * CLONE_NEWUSER and for the TIOCSTI/TIOCLINUX ioctls.  Non-native architectures
 * are killed (libseccomp's default bad-arch action).  It is a benchmark fixture,
 * not pyjail's policy, and owns nothing else. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const denied[] = {
	/* host-wide state */
	"syslog", "acct", "quotactl", "reboot", "swapon", "swapoff", "settimeofday",
	"clock_settime", "clock_adjtime", "adjtimex", "vhangup", "iopl", "ioperm",
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"lookup_dcookie", "uselib", "modify_ldt",
	/* the kernel keyring is not namespaced */
	"add_key", "keyctl", "request_key",
	/* NUMA policy and page moves */
	"move_pages", "mbind", "get_mempolicy", "set_mempolicy", "migrate_pages",
	/* namespaces and mounts */
	"unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig",
	"fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
	/* large attack surface, rarely needed */
	"ptrace", "process_vm_readv", "process_vm_writev", "perf_event_open", "bpf",
	"userfaultfd", "open_by_handle_at", "name_to_handle_at", "io_uring_setup",
	"io_uring_enter", "io_uring_register",
};

static int deny(scmp_filter_ctx ctx, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0; /* not a syscall on this architecture */
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
}

static int add_rules(scmp_filter_ctx ctx)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(denied); i++) {
		r = deny(ctx, denied[i]);
		if (r < 0)
			fprintf(stderr, "bench-seccomp: rule for '%s': %s\n", denied[i], strerror(-r));
	}
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));
	return r;
}

int main(int argc, char **argv)
{
	scmp_filter_ctx ctx;
	int fd, r;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-seccomp OUTFILE\n");
		return 125;
	}
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		fprintf(stderr, "bench-seccomp: seccomp_init failed\n");
		return 1;
	}
	r = add_rules(ctx);
	fd = r < 0 ? -1 : open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (r == 0 && fd < 0) {
		fprintf(stderr, "bench-seccomp: cannot write '%s': %s\n", argv[1], strerror(errno));
		r = -errno;
	}
	if (fd >= 0) {
		r = seccomp_export_bpf(ctx, fd);
		if (r < 0)
			fprintf(stderr, "bench-seccomp: export to '%s': %s\n", argv[1], strerror(-r));
		if (close(fd) < 0 && r == 0)
			r = -errno;
	}
	seccomp_release(ctx);
	return r < 0 ? 1 : 0;
}
