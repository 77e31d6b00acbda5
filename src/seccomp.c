/* seccomp.c: the syscall policy, from table to BPF (parent) to kernel (payload)
 * and the supervisor's answers to what it refuses.
 *
 * The policy is an allow-list of the syscalls CPython 3.11 and its common modules
 * need, in named groups, plus groups that are denied whatever the config says.
 * Anything outside the allow-list goes to the supervisor as a user notification
 * (SECCOMP_RET_USER_NOTIF): it answers EPERM (or, in log mode, lets the call run)
 * and counts the call by name for the record's denied_syscalls.
 *
 * The program is built in three pure steps, so its output can be cached by the
 * policy's hash: config -> struct policy (bitmaps) -> libseccomp -> BPF, written
 * to a sealed memfd behind a hand-written prefix that libseccomp cannot express:
 * foreign ABIs (i386 by int 0x80, x32) are killed, syscalls numbered above this
 * table get ENOSYS, and ioctl's request is compared on its low 32 bits only
 * (TIOCSTI, TIOCLINUX: the kernel truncates the argument, CVE-2019-10063).
 *
 * Must not print.  The parent keeps the policy it compiled (for the log-mode
 * answers); the payload only reads the memfd. */
#include "seccomp.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* The highest syscall number this table was written for (Linux 6.18:
 * file_setattr).  Anything above is newer than the list: ENOSYS, so libc and
 * Python fall back to an older call as they would on an older kernel. */
#define KNOWN_MAX 469
#define NWORDS ((KNOWN_MAX >> 6) + 1)
#define X32_SYSCALL_BIT 0x40000000U
#define BPF_MAX 4096     /* BPF_MAXINSNS */
#define POLICY_VERSION 1 /* bump when the generated program changes for the same policy */

#define NS_FLAGS                                                                                   \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |             \
	 CLONE_NEWPID | CLONE_NEWNET)

struct group {
	const char *name;
	bool deny;         /* always denied: `allow` may not name it or its calls */
	const char *calls; /* space-separated */
	const char *why;   /* for `pyjail check` and pyjail(1) */
};

static const struct group groups[] = {
	{ "@io", false,
	  "read write readv writev pread64 pwrite64 preadv pwritev preadv2 pwritev2 lseek close "
	  "close_range dup dup2 dup3 fcntl sendfile splice tee copy_file_range pipe pipe2",
	  "descriptors and pipes" },
	{ "@file", false,
	  "open openat openat2 creat stat fstat lstat newfstatat statx access faccessat faccessat2 "
	  "readlink readlinkat getdents getdents64 getcwd chdir fchdir mkdir mkdirat rmdir rename "
	  "renameat renameat2 link linkat unlink unlinkat symlink symlinkat chmod fchmod fchmodat "
	  "fchmodat2 chown fchown lchown fchownat truncate ftruncate fallocate fsync fdatasync "
	  "sync_file_range utime utimes utimensat futimesat umask statfs fstatfs flock fadvise64 "
	  "readahead mknod mknodat inotify_init inotify_init1 inotify_add_watch inotify_rm_watch "
	  "memfd_create getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr setxattr "
	  "lsetxattr fsetxattr removexattr lremovexattr fremovexattr getxattrat listxattrat "
	  "setxattrat removexattrat",
	  "files, directories, xattrs, inotify" },
	{ "@memory", false,
	  "brk mmap munmap mremap mprotect madvise msync mincore mlock mlock2 munlock mlockall "
	  "munlockall membarrier pkey_alloc pkey_free pkey_mprotect map_shadow_stack mseal",
	  "memory mappings" },
	{ "@process", false,
	  "clone fork vfork execve execveat exit exit_group wait4 waitid kill tkill tgkill "
	  "pidfd_open pidfd_send_signal getpid getppid gettid getpgid setpgid getpgrp getsid "
	  "setsid prctl arch_prctl set_tid_address set_robust_list get_robust_list rseq "
	  "restart_syscall personality",
	  "processes and threads (clone without namespace flags, personality query only)" },
	{ "@credentials", false,
	  "getuid geteuid getgid getegid getresuid getresgid getgroups setuid setgid setreuid "
	  "setregid setresuid setresgid setgroups setfsuid setfsgid capget capset",
	  "ids and capabilities (there are none to gain)" },
	{ "@sched", false,
	  "sched_yield sched_getaffinity sched_setaffinity sched_getparam sched_setparam "
	  "sched_getscheduler sched_setscheduler sched_get_priority_max sched_get_priority_min "
	  "sched_rr_get_interval sched_getattr sched_setattr getpriority setpriority ioprio_get "
	  "ioprio_set getrlimit setrlimit prlimit64 getrusage times sysinfo uname getcpu",
	  "scheduling, limits, system information" },
	{ "@signal", false,
	  "rt_sigaction rt_sigprocmask rt_sigreturn rt_sigpending rt_sigtimedwait rt_sigsuspend "
	  "rt_sigqueueinfo rt_tgsigqueueinfo sigaltstack signalfd signalfd4 pause alarm getitimer "
	  "setitimer timer_create timer_settime timer_gettime timer_getoverrun timer_delete",
	  "signals and timers" },
	{ "@time", false,
	  "clock_gettime clock_getres clock_nanosleep nanosleep gettimeofday time timerfd_create "
	  "timerfd_settime timerfd_gettime",
	  "reading clocks, sleeping" },
	{ "@sync", false, "futex futex_waitv futex_wake futex_wait futex_requeue eventfd eventfd2",
	  "futexes and eventfd" },
	{ "@poll", false,
	  "select pselect6 poll ppoll epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait "
	  "epoll_pwait2",
	  "select, poll, epoll" },
	{ "@network", false,
	  "socket socketpair bind listen accept accept4 connect getsockname getpeername sendto "
	  "recvfrom sendmsg recvmsg sendmmsg recvmmsg setsockopt getsockopt shutdown",
	  "sockets: AF_UNIX, AF_INET/AF_INET6 stream and datagram, AF_NETLINK/NETLINK_ROUTE" },
	{ "@sysv-ipc", false,
	  "shmget shmat shmdt shmctl semget semop semtimedop semctl msgget msgsnd msgrcv msgctl",
	  "System V IPC (private to the jail's IPC namespace)" },
	{ "@random", false, "getrandom", "getrandom" },
	{ "@ioctl", false, "ioctl", "ioctl, except TIOCSTI and TIOCLINUX" },

	{ "@module", true,
	  "init_module finit_module delete_module create_module query_module get_kernel_syms",
	  "kernel modules" },
	{ "@reboot", true, "reboot kexec_load kexec_file_load", "reboot and kexec" },
	{ "@swap", true, "swapon swapoff", "swap" },
	{ "@mount", true,
	  "mount umount2 pivot_root chroot fsopen fsconfig fsmount fspick open_tree move_mount "
	  "mount_setattr open_tree_attr statmount listmount",
	  "the mount family and the new mount API" },
	{ "@namespace", true, "unshare setns clone3",
	  "new namespaces (also clone with CLONE_NEW* flags); clone3 gets ENOSYS" },
	{ "@keyring", true, "keyctl add_key request_key", "the kernel keyrings" },
	{ "@bpf", true, "bpf", "eBPF" },
	{ "@perf", true, "perf_event_open", "performance counters" },
	{ "@userfaultfd", true, "userfaultfd", "userfaultfd" },
	{ "@debug", true,
	  "ptrace process_vm_readv process_vm_writev pidfd_getfd kcmp process_madvise",
	  "reaching into other processes" },
	{ "@handle", true, "open_by_handle_at name_to_handle_at", "file handles" },
	{ "@clock", true, "settimeofday clock_settime clock_adjtime adjtimex", "setting clocks" },
	{ "@io_uring", true, "io_uring_setup io_uring_enter io_uring_register", "io_uring" },
	{ "@privileged", true,
	  "acct quotactl quotactl_fd syslog iopl ioperm modify_ldt vhangup sethostname "
	  "setdomainname lookup_dcookie nfsservctl uselib ustat sysfs _sysctl fanotify_init "
	  "memfd_secret",
	  "host administration and obsolete calls" },
};

/* Allowed only with checked arguments: naming them in `allow` is refused. */
static const char restricted_calls[] = "clone socket socketpair ioctl personality";
/* pyjail itself needs it after the filter is in (to hand over the listener). */
static const char essential_calls[] = "sendmsg";

/* Numbers of syscalls newer than libseccomp 2.5's table (the same on every
 * architecture using the generic table, x86_64 included). */
static const struct {
	const char *name;
	int nr;
} newer[] = {
	{ "cachestat", 451 },         { "fchmodat2", 452 },        { "map_shadow_stack", 453 },
	{ "futex_wake", 454 },        { "futex_wait", 455 },       { "futex_requeue", 456 },
	{ "statmount", 457 },         { "listmount", 458 },        { "lsm_get_self_attr", 459 },
	{ "lsm_set_self_attr", 460 }, { "lsm_list_modules", 461 }, { "mseal", 462 },
	{ "setxattrat", 463 },        { "getxattrat", 464 },       { "listxattrat", 465 },
	{ "removexattrat", 466 },     { "open_tree_attr", 467 },   { "file_getattr", 468 },
	{ "file_setattr", 469 },
};

/* The effective policy: what the BPF program is a pure function of. */
struct policy {
	enum pj_seccomp_action mode;
	uint64_t allow[NWORDS];      /* allowed outright */
	uint64_t restricted[NWORDS]; /* allowed with argument checks */
	uint64_t deny[NWORDS];       /* refused even in log mode */
};

/* The parent's copy, for pj_seccomp_notify_handle (same process). */
static struct policy compiled;

static void bit_set(uint64_t *w, int nr, bool on)
{
	if (nr < 0 || nr > KNOWN_MAX)
		return;
	if (on)
		w[nr >> 6] |= 1ULL << (nr & 63);
	else
		w[nr >> 6] &= ~(1ULL << (nr & 63));
}

static bool bit_get(const uint64_t *w, int nr)
{
	return nr >= 0 && nr <= KNOWN_MAX && (w[nr >> 6] >> (nr & 63)) & 1;
}

/* Is word (len bytes) one of the space-separated words of list? */
static bool in_list(const char *list, const char *word, size_t len)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ");
		if (n == len && strncmp(p, word, len) == 0)
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

static bool in_words(const char *list, const char *word)
{
	return in_list(list, word, strlen(word));
}

/* Native syscall number of name, or -1 (unknown, or absent on this architecture). */
static int resolve(const char *name)
{
	int nr;

	for (size_t i = 0; i < ARRAY_SIZE(newer); i++)
		if (strcmp(newer[i].name, name) == 0)
			return newer[i].nr;
	nr = seccomp_syscall_resolve_name(name);
	return nr >= 0 ? nr : -1;
}

static const struct group *find_group(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
		if (strcmp(groups[i].name, name) == 0)
			return &groups[i];
	return NULL;
}

static const struct group *deny_group_of(const char *call)
{
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
		if (groups[i].deny && in_words(groups[i].calls, call))
			return &groups[i];
	return NULL;
}

/* Copy the next space-separated word at *p into buf; false at the end. */
static bool next_word(const char **p, char *buf, size_t size)
{
	size_t n;

	*p += strspn(*p, " ");
	n = strcspn(*p, " ");
	if (n == 0 || n >= size)
		return false;
	memcpy(buf, *p, n);
	buf[n] = '\0';
	*p += n;
	return true;
}

static int check_call(const char *call, bool allow, struct pj_err *err)
{
	const struct group *g = deny_group_of(call);
	int nr = resolve(call);

	if (nr < 0)
		return pj_fail(err, 0, "unknown syscall '%s'", call);
	if (nr > KNOWN_MAX)
		return pj_fail(err, 0, "syscall '%s' is newer than pyjail's table (it gets ENOSYS)",
			       call);
	if (!allow)
		return in_words(essential_calls, call)
			       ? pj_fail(err, 0,
					 "'%s' cannot be denied: pyjail needs it to start "
					 "the program",
					 call)
			       : 0;
	if (g)
		return pj_fail(err, 0, "'%s' is always denied (%s: %s)", call, g->name, g->why);
	if (in_words(restricted_calls, call))
		return pj_fail(err, 0,
			       "'%s' is allowed with checked arguments only; it cannot be "
			       "allowed outright",
			       call);
	return 0;
}

static int check_entry(const char *word, bool allow, struct pj_err *err)
{
	const struct group *g;

	if (word[0] != '@')
		return check_call(word, allow, err);
	g = find_group(word);
	if (!g)
		return pj_fail(err, 0, "unknown syscall group '%s'", word);
	if (allow && g->deny)
		return pj_fail(err, 0, "%s is always denied (%s)", g->name, g->why);
	return 0;
}

int pj_seccomp_check_list(const struct pj_strv *sv, bool allow, struct pj_err *err)
{
	for (unsigned i = 0; i < sv->n; i++) {
		int r = check_entry(sv->v[i], allow, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* One call into the policy.  Calls this architecture lacks are skipped; a denied
 * group leaves pyjail's essential call alone. */
static void apply_call(struct policy *pol, const char *call, bool allow)
{
	int nr = resolve(call);

	if (nr < 0)
		return;
	if (!allow) {
		if (in_words(essential_calls, call))
			return;
		bit_set(pol->allow, nr, false);
		bit_set(pol->restricted, nr, false);
		bit_set(pol->deny, nr, true);
	} else if (in_words(restricted_calls, call)) {
		bit_set(pol->restricted, nr, true);
	} else {
		bit_set(pol->allow, nr, true);
	}
}

static void apply_group(struct policy *pol, const struct group *g, bool allow)
{
	const char *p = g->calls;
	char call[64];

	while (next_word(&p, call, sizeof(call)))
		apply_call(pol, call, allow);
}

static int apply_user(struct policy *pol, const struct pj_strv *sv, bool allow, struct pj_err *err)
{
	int r = pj_seccomp_check_list(sv, allow, err);

	for (unsigned i = 0; r >= 0 && i < sv->n; i++) {
		if (sv->v[i][0] == '@')
			apply_group(pol, find_group(sv->v[i]), allow);
		else
			apply_call(pol, sv->v[i], allow);
	}
	return r;
}

/* Built-in groups, then the config's allow, then its deny (deny wins). */
static int build_policy(const struct pj_config *cfg, struct policy *ret, struct pj_err *err)
{
	struct policy pol;
	int r;

	memset(&pol, 0, sizeof(pol));
	pol.mode = cfg->seccomp_default;
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
		apply_group(&pol, &groups[i], !groups[i].deny);
	r = apply_user(&pol, &cfg->seccomp_allow, true, err);
	if (r >= 0)
		r = apply_user(&pol, &cfg->seccomp_deny, false, err);
	if (r < 0)
		return r;
	*ret = pol;
	return 0;
}

/* FNV-1a over everything the program depends on: a cache key for issue 5. */
static uint64_t policy_hash(const struct policy *pol)
{
	const uint32_t head[3] = { POLICY_VERSION, seccomp_arch_native(), (uint32_t)pol->mode };
	const void *parts[] = { head, pol->allow, pol->restricted, pol->deny };
	const size_t sizes[] = { sizeof(head), sizeof(pol->allow), sizeof(pol->restricted),
				 sizeof(pol->deny) };
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
		for (size_t j = 0; j < sizes[i]; j++)
			h = (h ^ ((const unsigned char *)parts[i])[j]) * 0x100000001b3ULL;
	return h;
}

int pj_seccomp_policy_key(const struct pj_config *cfg, uint64_t *ret_key, struct pj_err *err)
{
	struct policy pol;
	int r = build_policy(cfg, &pol, err);

	if (r < 0)
		return r;
	*ret_key = policy_hash(&pol);
	return 0;
}

/* ---- BPF generation ---- */

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#else
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#endif
#if defined(__s390__) || defined(__s390x__)
#define CLONE_FLAGS_ARG 1 /* CLONE_BACKWARDS2 */
#else
#define CLONE_FLAGS_ARG 0
#endif
#define LO32 0xffffffffULL

/* What the memfd holds: this header, then the instructions. */
#define BLOB_MAGIC "PJBPF001"
#define BLOB_LISTENER 1U
struct blob_header {
	char magic[8];
	uint32_t flags;
	uint32_t reserved;
};

/* Runs before libseccomp's program (jumps are relative, so it can be put in front). */
enum {
	P_ARCH,
	P_ARCH_JMP,
	P_NR,
	P_X32,
	P_NEWER,
	P_IOCTL,
	P_REQ,
	P_TIOCSTI,
	P_TIOCLINUX,
	P_RET_NOSYS,
	P_RET_DENY,
	P_RET_KILL,
	P_END
};
#define TO(from, to) ((to) - (from)-1)

static void make_prefix(uint32_t deny_action, struct sock_filter out[P_END])
{
	const struct sock_filter p[P_END] = {
		[P_ARCH] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		/* i386 by int 0x80 and any other foreign ABI: killed */
		[P_ARCH_JMP] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, seccomp_arch_native(), 0,
					TO(P_ARCH_JMP, P_RET_KILL)),
		[P_NR] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* x32 shares x86_64's audit arch and sets this bit in the number: killed */
		[P_X32] = BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT,
				   TO(P_X32, P_RET_KILL), 0),
		[P_NEWER] =
			BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, KNOWN_MAX, TO(P_NEWER, P_RET_NOSYS), 0),
		[P_IOCTL] =
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SCMP_SYS(ioctl), 0, TO(P_IOCTL, P_END)),
		/* the kernel reads the request as an unsigned int: compare the low word only */
		[P_REQ] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		[P_TIOCSTI] =
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, TO(P_TIOCSTI, P_RET_DENY), 0),
		[P_TIOCLINUX] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX,
					 TO(P_TIOCLINUX, P_RET_DENY), TO(P_TIOCLINUX, P_END)),
		[P_RET_NOSYS] = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		[P_RET_DENY] = BPF_STMT(BPF_RET | BPF_K, deny_action),
		[P_RET_KILL] = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};

	memcpy(out, p, sizeof(p));
}

static int add_socket_rules(scmp_filter_ctx ctx, int nr)
{
	static const int inet[][2] = { { AF_INET, SOCK_STREAM },
				       { AF_INET, SOCK_DGRAM },
				       { AF_INET6, SOCK_STREAM },
				       { AF_INET6, SOCK_DGRAM } };
	int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
				 SCMP_A0(SCMP_CMP_MASKED_EQ, LO32, AF_UNIX));

	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(inet); i++)
		r = seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, nr, 2, SCMP_A0(SCMP_CMP_MASKED_EQ, LO32, inet[i][0]),
			SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf /* type, not flags */, inet[i][1]));
	/* glibc's getaddrinfo and if_nameindex ask the routing table */
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 2,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, LO32, AF_NETLINK),
				     SCMP_A2(SCMP_CMP_MASKED_EQ, LO32, NETLINK_ROUTE));
	return r;
}

/* Allow rules compare int arguments on their low 32 bits, as the kernel reads them. */
static int add_restricted(scmp_filter_ctx ctx, int nr)
{
	if (nr == SCMP_SYS(clone))
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_CMP(CLONE_FLAGS_ARG, SCMP_CMP_MASKED_EQ, NS_FLAGS, 0));
	if (nr == SCMP_SYS(socketpair))
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_A0(SCMP_CMP_MASKED_EQ, LO32, AF_UNIX));
	if (nr == SCMP_SYS(personality))
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_A0(SCMP_CMP_MASKED_EQ, LO32, 0xffffffffULL));
	if (nr == SCMP_SYS(socket))
		return add_socket_rules(ctx, nr);
	if (nr == SCMP_SYS(ioctl)) /* TIOCSTI and TIOCLINUX are caught by the prefix */
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	return -EINVAL;
}

static void ctx_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

static int build_ctx(const struct policy *pol, scmp_filter_ctx ctx)
{
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);

	/* a binary tree of syscall numbers: fewer instructions per call */
	if (r >= 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (int nr = 0; r >= 0 && nr <= KNOWN_MAX; nr++) {
		if (bit_get(pol->allow, nr))
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		else if (bit_get(pol->restricted, nr))
			r = add_restricted(ctx, nr);
	}
	/* clone3's flags live in memory a filter cannot read: ENOSYS sends glibc to clone */
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	return r;
}

/* Header, prefix, then libseccomp's program, into fd. */
static int write_program(const struct policy *pol, int fd, struct pj_err *err)
{
	bool kill = pol->mode == PJ_SECCOMP_KILL;
	_cleanup_(ctx_releasep) scmp_filter_ctx ctx =
		seccomp_init(kill ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_NOTIFY);
	struct blob_header h = { .flags = kill ? 0 : BLOB_LISTENER };
	struct sock_filter prefix[P_END];
	struct stat st;
	int r;

	if (!ctx)
		return pj_fail(err, ENOMEM, "seccomp_init");
	r = build_ctx(pol, ctx);
	if (r < 0)
		return pj_fail(err, -r, "build the seccomp filter");
	memcpy(h.magic, BLOB_MAGIC, sizeof(h.magic));
	make_prefix(kill ? SECCOMP_RET_KILL_PROCESS : SECCOMP_RET_USER_NOTIF, prefix);
	r = pj_write_all(fd, &h, sizeof(h));
	if (r >= 0)
		r = pj_write_all(fd, prefix, sizeof(prefix));
	if (r >= 0)
		r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return pj_fail(err, -r, "write the seccomp filter");
	if (fstat(fd, &st) < 0)
		return pj_fail(err, errno, "seccomp memfd");
	if ((size_t)st.st_size > sizeof(h) + BPF_MAX * sizeof(struct sock_filter))
		return pj_fail(err, E2BIG, "the seccomp filter is too long");
	return 0;
}

/* ---- the compiled-program cache ----
 * Compiling costs about a millisecond per launch, so the program is kept in a
 * per-user directory keyed by the policy's hash: /run/pyjail for root,
 * $XDG_RUNTIME_DIR/pyjail otherwise (no cache without one).  A cached program
 * is trusted only if the directory and the file belong to us and nobody else
 * may write them: a filter someone else wrote must never be loaded. */
static int cache_dir(char *buf, size_t size)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (geteuid() == 0)
		snprintf(buf, size, "/run/pyjail");
	else if (run && run[0] == '/')
		snprintf(buf, size, "%s/pyjail", run);
	else
		return -ENOENT;
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(buf, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022))
		return -EPERM;
	return 0;
}

static bool cache_trusted(int fd)
{
	struct blob_header h;
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
	       !(st.st_mode & 022) && st.st_size > (off_t)sizeof(h) &&
	       (st.st_size - (off_t)sizeof(h)) % (off_t)sizeof(struct sock_filter) == 0 &&
	       pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
	       memcmp(h.magic, BLOB_MAGIC, sizeof(h.magic)) == 0;
}

static int cache_path(const struct policy *pol, char *buf, size_t size)
{
	char dir[256];
	int r = cache_dir(dir, sizeof(dir));

	if (r < 0)
		return r;
	snprintf(buf, size, "%s/seccomp-%016llx-%s.bpf", dir, (unsigned long long)policy_hash(pol),
		 PACKAGE_VERSION);
	return 0;
}

static int cache_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd >= 0 && !cache_trusted(fd)) {
		close(fd);
		return -EPERM;
	}
	return fd < 0 ? -errno : fd;
}

/* Best effort: a failure only costs the next launch a compile. */
static void cache_store(const char *path, int memfd)
{
	char tmp[320], buf[sizeof(struct blob_header) + BPF_MAX * sizeof(struct sock_filter)];
	ssize_t n = pread(memfd, buf, sizeof(buf), 0);
	int fd;

	if (n <= 0)
		return;
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	if (pj_write_all(fd, buf, (size_t)n) < 0 || close(fd) < 0 || rename(tmp, path) < 0)
		(void)unlink(tmp);
}

int pj_seccomp_compile(const struct pj_config *cfg, int *ret_fd, struct pj_err *err)
{
	_cleanup_close_ int fd = -1;
	struct policy pol;
	char path[320];
	int r = build_policy(cfg, &pol, err);
	bool cacheable;

	if (r < 0)
		return r;
	compiled = pol;
	cacheable = cache_path(&pol, path, sizeof(path)) == 0;
	if (cacheable && (fd = cache_open(path)) >= 0) {
		*ret_fd = TAKE_FD(fd);
		return 0;
	}
	fd = memfd_create("pyjail-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return pj_fail(err, errno, "memfd_create");
	r = write_program(&pol, fd, err);
	if (r < 0)
		return r;
	/* Sealed: nothing can change the program between here and the payload. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return pj_fail(err, errno, "seal the seccomp memfd");
	if (cacheable)
		cache_store(path, fd);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* ---- payload: install ---- */

int pj_seccomp_install(int bpf_fd, int *ret_notify_fd, struct pj_err *err)
{
	struct sock_filter prog[BPF_MAX];
	struct blob_header h;
	struct sock_fprog fp = { .filter = prog };
	unsigned int flags;
	struct stat st;
	ssize_t n;
	int fd;

	if (fstat(bpf_fd, &st) < 0)
		return pj_fail(err, errno, "seccomp program");
	n = pread(bpf_fd, &h, sizeof(h), 0);
	if (n != (ssize_t)sizeof(h) || memcmp(h.magic, BLOB_MAGIC, sizeof(h.magic)) != 0 ||
	    st.st_size <= (off_t)sizeof(h) || st.st_size > (off_t)(sizeof(h) + sizeof(prog)))
		return pj_fail(err, EINVAL, "the seccomp program is malformed");
	n = pread(bpf_fd, prog, (size_t)st.st_size - sizeof(h), sizeof(h));
	if (n != st.st_size - (off_t)sizeof(h) || n % sizeof(prog[0]))
		return pj_fail(err, n < 0 ? errno : EINVAL, "read the seccomp program");
	fp.len = (unsigned short)(n / sizeof(prog[0]));
	flags = (h.flags & BLOB_LISTENER) ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
	/* The listener fd comes back close-on-exec. */
	fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fp);
	if (fd < 0)
		return pj_fail(err, errno, "install the seccomp filter");
	*ret_notify_fd = flags ? fd : -1;
	return 0;
}

/* ---- supervisor: answer notifications ---- */

static void count(struct pj_denied *d, int nr)
{
	for (unsigned i = 0; i < d->n; i++) {
		if (d->e[i].nr == nr) {
			d->e[i].count++;
			return;
		}
	}
	if (d->n >= PJ_MAX_DENIED) {
		d->dropped++;
		return;
	}
	d->e[d->n].nr = nr;
	d->e[d->n++].count = 1;
}

int pj_seccomp_notify_handle(int notify_fd, struct pj_denied *denied)
{
	struct pollfd p = { .fd = notify_fd, .events = POLLIN };
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	/* RECV blocks when nothing is pending: look first.  HUP: every task is gone. */
	if (poll(&p, 1, 0) < 0)
		return errno == EINTR ? 0 : -errno;
	if (!(p.revents & POLLIN))
		return (p.revents & (POLLHUP | POLLERR | POLLNVAL)) ? -EPIPE : 0;
	memset(&req, 0, sizeof(req));
	if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return errno == ENOENT || errno == EINTR ? 0 : -errno; /* caller died meanwhile */
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	/* Log mode lets the call run, unless it is always denied or its arguments failed
	 * their check (an argument-checked call only comes here when they did). */
	if (compiled.mode == PJ_SECCOMP_LOG && !bit_get(compiled.deny, req.data.nr) &&
	    !bit_get(compiled.restricted, req.data.nr))
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else
		resp.error = -EPERM;
	count(denied, req.data.nr);
	if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* ---- names and description ---- */

const char *pj_seccomp_syscall_name(int nr)
{
	static char *cache[KNOWN_MAX + 1]; /* libseccomp's strings, kept for the process */

	for (size_t i = 0; i < ARRAY_SIZE(newer); i++)
		if (newer[i].nr == nr)
			return newer[i].name;
	if (nr < 0 || nr > KNOWN_MAX)
		return "?";
	if (!cache[nr])
		cache[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	return cache[nr] ? cache[nr] : "?";
}

static unsigned count_allowed(void)
{
	struct policy pol;
	unsigned n = 0;

	memset(&pol, 0, sizeof(pol));
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
		if (!groups[i].deny)
			apply_group(&pol, &groups[i], true);
	for (int nr = 0; nr <= KNOWN_MAX; nr++)
		n += bit_get(pol.allow, nr) || bit_get(pol.restricted, nr);
	return n;
}

#define DESCRIBE_FMT "%-8s %-22s %s\n" /* the columns of `pyjail check` */

void pj_seccomp_describe(FILE *out)
{
	char buf[160];

	snprintf(buf, sizeof(buf),
		 "%u syscalls allowed; any other fails with EPERM and is named "
		 "in the record's denied_syscalls",
		 count_allowed());
	fprintf(out, DESCRIBE_FMT, "", "allow-list", buf);
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
		if (groups[i].deny)
			fprintf(out, "%-8s %-22s %s: %s\n", "", groups[i].name, groups[i].why,
				groups[i].calls);
	fprintf(out, DESCRIBE_FMT, "", "arguments",
		"clone with CLONE_NEW* flags; socket other than AF_UNIX, AF_INET/AF_INET6 "
		"stream or datagram and AF_NETLINK/NETLINK_ROUTE (so no AF_PACKET, AF_VSOCK, raw "
		"sockets); "
		"ioctl TIOCSTI and TIOCLINUX (low 32 bits compared); personality except the query");
	snprintf(buf, sizeof(buf),
		 "clone3, and syscalls newer than the table (numbered above %d), "
		 "so libc falls back",
		 KNOWN_MAX);
	fprintf(out, DESCRIBE_FMT, "", "ENOSYS", buf);
	fprintf(out, DESCRIBE_FMT, "", "foreign ABIs",
		"i386 (int 0x80) and x32 calls kill the process");
	fprintf(out, DESCRIBE_FMT, "", "other calls",
		"e.g. mq_*, io_setup, mbind, seccomp, landlock_*, sync: EPERM; "
		"[seccomp] allow = NAME permits these");
}
