#!/bin/bash
# Syscalls allowed only with checked arguments, and the ENOSYS answers:
# clone with namespace flags, clone3, personality, socket families and types.
# Masked 32-bit compares: high bits the kernel drops do not change the verdict.
. "$(dirname "$0")/attack-lib.sh"
require_rootfs
need_probe
plan 20

probe clone_newuser clone_newns clone_newnet clone_plain clone3
is "$(res clone_newuser)" EPERM "clone(CLONE_NEWUSER) is refused"
is "$(res clone_newns)" EPERM "clone(CLONE_NEWNS) is refused"
is "$(res clone_newnet)" EPERM "clone(CLONE_NEWNET) is refused"
is "$(denied clone)" 3 "the record counts the three clones"
is "$(res clone_plain)" OK "clone without namespace flags (fork) works"
is "$(res clone3)" ENOSYS "clone3 gets ENOSYS (glibc falls back to clone)"
is "$(denied clone3)" 0 "ENOSYS is not a denial"

probe personality_query personality_set
is "$(res personality_query)" OK "personality(0xffffffff) (query) works"
is "$(res personality_set)" EPERM "setting a personality is refused"

probe socket_vsock socket_packet socket_packet_hibits socket_inet_raw socket_inet6_raw \
	socket_netlink_audit socket_netlink_route socket_inet_stream socket_unix_hibits
is "$(res socket_vsock)" EPERM "socket(AF_VSOCK) is refused"
is "$(res socket_packet)" EPERM "socket(AF_PACKET) is refused"
is "$(res socket_packet_hibits)" EPERM "socket(AF_PACKET | 1<<32) is refused (low 32 bits compared)"
is "$(res socket_inet_raw)" EPERM "socket(AF_INET, SOCK_RAW) is refused"
is "$(res socket_inet6_raw)" EPERM "socket(AF_INET6, SOCK_RAW) is refused"
is "$(res socket_netlink_audit)" EPERM "socket(AF_NETLINK, NETLINK_AUDIT) is refused"
is "$(denied socket)" 6 "the record counts the six sockets"
is "$(res socket_netlink_route)" OK "socket(AF_NETLINK, NETLINK_ROUTE) works (getaddrinfo needs it)"
is "$(res socket_inet_stream)" OK "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC) works"
is "$(res socket_unix_hibits)" OK "socket(AF_UNIX | 1<<32) works: the kernel reads AF_UNIX"

# Newer than the table: ENOSYS, as on an older kernel, and not a denial.
py 'import ctypes; l = ctypes.CDLL(None, use_errno=True); l.syscall(470); print(ctypes.get_errno())'
is "$OUT" 38 "a syscall numbered above the table gets ENOSYS"
finish
