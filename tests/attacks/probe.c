/* probe.c: calls dangerous syscalls with harmless, invalid arguments and prints
 * what happened, one line per check: "NAME RESULT", RESULT being OK, an errno
 * name (EPERM, ENOSYS, ...) or the name of the signal that killed it (SIGSYS).
 *
 *   probe CHECK...            (the names are those in run_check)
 *   probe --direct CHECK...   the same in this process, no child
 *
 * Each check runs in a child of its own, so a killed check (kill mode, foreign
 * ABIs) is reported and the others still run; --direct lets the kill reach the
 * process itself (the jail's record then shows it).  The arguments are chosen so that
 * even unconfined, as root, a check changes nothing: a policy regression shows
 * up as a different errno, not as damage.  Built with gcc -static by the attack
 * tests and bound into the jail; needs nothing from the rootfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#define NOPATH "/nonexistent-pyjail-probe"
#define HI (1UL << 32) /* high bits the kernel drops from an int argument */

static long sys_socket(unsigned long family, int type, int proto)
{
	long fd = syscall(SYS_socket, family, type, proto);

	if (fd >= 0)
		close((int)fd);
	return fd;
}

/* clone() without a new stack: the child returns 0 and leaves at once. */
static long sys_clone(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid;
}

static long keep_personality(void)
{
	long cur = syscall(SYS_personality, 0xffffffffUL);

	return cur < 0 ? cur : syscall(SYS_personality, (unsigned long)cur);
}

#if defined(__x86_64__)
/* i386 getpid (20) through the 32-bit entry point. */
static long int80(void)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}
#define X32_GETPID (0x40000000L | 39)
#else
static long int80(void)
{
	errno = ENOSYS;
	return -1;
}
#define X32_GETPID -1L
#endif

static long tiocsti(unsigned long req)
{
	char c = '#';

	return syscall(SYS_ioctl, 0, req, &c);
}

static long tioclinux(unsigned long req)
{
	char sub = 0; /* no such subcode */

	return syscall(SYS_ioctl, 0, req, &sub);
}

static long run_check(const char *n)
{
	struct termios tio;

#define C(name, expr)                                                                              \
	if (strcmp(n, name) == 0)                                                                  \
		return (long)(expr);
	C("init_module", syscall(SYS_init_module, NULL, 0UL, ""))
	C("finit_module", syscall(SYS_finit_module, -1, "", 0))
	C("delete_module", syscall(SYS_delete_module, "pyjail_no_such_module", O_NONBLOCK))
	C("kexec_load", syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0xdead0000UL))
	C("kexec_file_load", syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL, 0xdead0000UL))
	C("reboot", syscall(SYS_reboot, 0, 0, 0, NULL)) /* wrong magic */
	C("swapon", syscall(SYS_swapon, NOPATH, 0))
	C("swapoff", syscall(SYS_swapoff, NOPATH))
	C("mount", syscall(SYS_mount, "none", NOPATH, "tmpfs", 0UL, NULL))
	C("umount2", syscall(SYS_umount2, NOPATH, 0))
	C("pivot_root", syscall(SYS_pivot_root, NOPATH, NOPATH))
	C("chroot", syscall(SYS_chroot, NOPATH))
	C("fsopen", syscall(SYS_fsopen, "pyjail-no-such-fs", 0))
	C("fsconfig", syscall(SYS_fsconfig, -1, 0, NULL, NULL, 0))
	C("fsmount", syscall(SYS_fsmount, -1, 0, 0))
	C("fspick", syscall(SYS_fspick, AT_FDCWD, NOPATH, 0))
	C("open_tree", syscall(SYS_open_tree, AT_FDCWD, NOPATH, 0))
	C("move_mount", syscall(SYS_move_mount, -1, "", -1, "", 0))
	C("mount_setattr", syscall(SYS_mount_setattr, -1, "", 0, NULL, 0UL))
	C("unshare", syscall(SYS_unshare, 1UL)) /* an exit-signal bit: invalid */
	C("setns", syscall(SYS_setns, -1, 0))
	C("clone_newuser", sys_clone(CLONE_NEWUSER))
	C("clone_newns", sys_clone(CLONE_NEWNS))
	C("clone_newnet", sys_clone(CLONE_NEWNET))
	C("clone_plain", sys_clone(0))
	C("clone3", syscall(SYS_clone3, NULL, 0UL))
	C("keyctl", syscall(SYS_keyctl, 0x7fff, 0UL, 0UL, 0UL, 0UL))
	C("add_key", syscall(SYS_add_key, "pyjail-no-such-type", "d", NULL, 0UL, -2))
	C("request_key", syscall(SYS_request_key, "pyjail-no-such-type", "d", NULL, 0))
	C("bpf", syscall(SYS_bpf, -1, NULL, 0))
	C("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0UL))
	C("userfaultfd", syscall(SYS_userfaultfd, 0xffffffffUL))
	C("ptrace", syscall(SYS_ptrace, 0xdeadL, 0, NULL, NULL))
	C("process_vm_readv", syscall(SYS_process_vm_readv, getpid(), NULL, 0UL, NULL, 0UL, 1UL))
	C("process_vm_writev", syscall(SYS_process_vm_writev, getpid(), NULL, 0UL, NULL, 0UL, 1UL))
	C("pidfd_getfd", syscall(SYS_pidfd_getfd, -1, 0, 0))
	C("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, NULL, 0))
	C("name_to_handle_at", syscall(SYS_name_to_handle_at, AT_FDCWD, NOPATH, NULL, NULL, 0))
	C("settimeofday", syscall(SYS_settimeofday, NULL, NULL)) /* sets nothing */
	C("clock_settime", syscall(SYS_clock_settime, CLOCK_REALTIME, NULL))
	C("clock_adjtime", syscall(SYS_clock_adjtime, CLOCK_REALTIME, NULL))
	C("adjtimex", syscall(SYS_adjtimex, NULL))
	C("personality_query", syscall(SYS_personality, 0xffffffffUL))
	C("personality_set", keep_personality())
	C("io_uring_setup", syscall(SYS_io_uring_setup, 0, NULL))
	C("io_uring_enter", syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0UL))
	C("io_uring_register", syscall(SYS_io_uring_register, -1, 0, NULL, 0))
	C("syslog", syscall(SYS_syslog, 10 /* SIZE_BUFFER: read only */, NULL, 0))
	C("socket_vsock", sys_socket(AF_VSOCK, SOCK_STREAM, 0))
	C("socket_packet", sys_socket(AF_PACKET, SOCK_RAW, 0))
	C("socket_packet_hibits", sys_socket(HI | AF_PACKET, SOCK_RAW, 0))
	C("socket_inet_raw", sys_socket(AF_INET, SOCK_RAW, 1 /* ICMP */))
	C("socket_inet6_raw", sys_socket(AF_INET6, SOCK_RAW, 58 /* ICMPv6 */))
	C("socket_netlink_audit", sys_socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT))
	C("socket_netlink_route", sys_socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE))
	C("socket_inet_stream", sys_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0))
	C("socket_unix_hibits", sys_socket(HI | AF_UNIX, SOCK_STREAM, 0))
	C("tiocsti", tiocsti(TIOCSTI))
	C("tiocsti_hibits", tiocsti(HI | TIOCSTI))
	C("isatty", syscall(SYS_ioctl, 0, TCGETS, &tio))
	C("tioclinux", tioclinux(TIOCLINUX))
	C("tioclinux_hibits", tioclinux(HI | TIOCLINUX))
	C("x32", syscall(X32_GETPID))
	C("int80", int80())
	C("sync", syscall(SYS_sync))
	C("getpid", syscall(SYS_getpid))
#undef C
	errno = EINVAL;
	return -2;
}

/* Run one check in a child; print its result. */
static int probe(const char *name)
{
	int pipefd[2], status;
	long ret;
	int e = 0;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		errno = 0;
		ret = run_check(name);
		e = ret == -2 ? -1 : ret < 0 ? errno : 0;
		(void)!write(pipefd[1], &e, sizeof(e));
		_exit(0);
	}
	close(pipefd[1]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	if (WIFSIGNALED(status))
		printf("%s SIG%s\n", name, sigabbrev_np(WTERMSIG(status)));
	else if (read(pipefd[0], &e, sizeof(e)) != sizeof(e))
		printf("%s NORESULT\n", name);
	else if (e == -1)
		printf("%s UNKNOWN-CHECK\n", name);
	else
		printf("%s %s\n", name, e ? strerrorname_np(e) : "OK");
	close(pipefd[0]);
	return 0;
}

static void direct(const char *name)
{
	long ret;

	errno = 0;
	ret = run_check(name);
	printf("%s %s\n", name, ret >= 0 ? "OK" : strerrorname_np(errno));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--direct") == 0) {
		for (int i = 2; i < argc; i++)
			direct(argv[i]);
		return 0;
	}
	for (int i = 1; i < argc; i++)
		if (probe(argv[i]) < 0)
			printf("%s PROBE-FAILED %s\n", argv[i], strerrorname_np(errno));
	fflush(stdout);
	return 0;
}
