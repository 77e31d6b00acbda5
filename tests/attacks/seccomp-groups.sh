#!/bin/bash
# Every always-denied syscall group: the probe calls each syscall with harmless,
# invalid arguments.  Unconfined they fail with EINVAL, ENOENT, EBADF... or
# succeed; in the jail each must fail with EPERM, and the record must name it:
# the filter refused it, not the kernel.
. "$(dirname "$0")/attack-lib.sh"
require_rootfs
need_probe

checks="init_module finit_module delete_module kexec_load kexec_file_load reboot swapon swapoff
	mount umount2 pivot_root chroot fsopen fsconfig fsmount fspick open_tree move_mount
	mount_setattr unshare setns keyctl add_key request_key bpf perf_event_open userfaultfd
	ptrace process_vm_readv process_vm_writev pidfd_getfd open_by_handle_at name_to_handle_at
	settimeofday clock_settime clock_adjtime adjtimex io_uring_setup io_uring_enter
	io_uring_register syslog"
n=$(echo $checks | wc -w)
plan $((2 * n + 2))
# shellcheck disable=SC2086
probe $checks
is "$RC" 0 "the probe ran"
for c in $checks; do
	is "$(res $c)" EPERM "$c fails with EPERM"
	is "$(denied $c)" 1 "the record names $c once"
done
getpid=$(probe getpid; res getpid)
is "$getpid" OK "an allowed syscall still works (control)"
finish
