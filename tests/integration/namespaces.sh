#!/bin/bash
# The namespaces, as root and as the test user, each tried from inside: PID (host
# processes invisible and unkillable), UTS, network (loopback only; a host listener
# on 127.0.0.1 is unreachable), IPC (a host SysV segment is invisible), user (ids
# inside; as root the program's host uid is 65534), capabilities and no_new_privs.
. "$(dirname "$0")/../lib.sh"
require_rootfs
WHOS=$(pj_whos)
ROOT_ONLY=0
[ "$(id -u)" = 0 ] && ROOT_ONLY=1
plan $((16 * $(wc -w <<<"$WHOS") + ROOT_ONLY))

pj_tmpdir D
TOKEN=pyjail-test-$$-$RANDOM
HOSTNAME_BEFORE=$(hostname)

# A host process the jail must neither see nor kill.
sleep 1000 &
VICTIM=$!
pj_at_exit "kill $VICTIM 2>/dev/null"

# A TCP listener on the host's loopback that records every connection.
python3 - "$D/port" "$D/connections" <<'EOF' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    open(sys.argv[2], "a").write("connection\n")
    c.sendall(b"host secret\n")
    c.close()
EOF
pj_at_exit "kill $! 2>/dev/null"
for _ in $(seq 600); do [ -s "$D/port" ] && break; sleep 0.1; done
PORT=$(cat "$D/port")

# A SysV shared memory segment on the host, readable by everybody.
SHMKEY=$((0x50000000 + RANDOM))
SHMID=$(python3 -c '
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
i = libc.shmget(int(sys.argv[1]), 4096, 0o1666)
print(i if i >= 0 else "")' "$SHMKEY")
if [ -n "$SHMID" ]; then
	pj_at_exit "ipcrm -m $SHMID"
else
	echo "# could not create a host SysV segment"
fi

# pgrep pattern for a process whose command line holds $1, and its host uid.
host_uid_of() {
	local pid
	for _ in $(seq 600); do
		pid=$(pgrep -f -n -- "$1") && [ -n "$pid" ] && break
		sleep 0.1
	done
	[ -n "$pid" ] && awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status"
}

for who in $WHOS; do
	# PID namespace
	pj_as "$who" -c "
import os, errno
pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
print(os.getpid() != 1, pids == [1, os.getpid()], os.getppid() == 1)
for sig in (0, 9):
    try:
        os.kill($VICTIM, sig); print('killed')
    except OSError as e:
        print(errno.errorcode[e.errno])
print(os.path.exists('/proc/$VICTIM'))"
	is "$OUT" "True True True
ESRCH
ESRCH
False" "$who: pid ns: not pid 1, only the jail's processes, host pid $VICTIM invisible and unkillable"
	kill -0 "$VICTIM" 2>/dev/null
	ok $? "$who: the host process is still alive"
	pj_as "$who" -c 'import os; print(os.path.basename(open("/proc/1/cmdline").read().split("\0")[0]))'
	is "$OUT" pyjail "$who: pid 1 is pyjail's init, not the host's"

	# UTS namespace
	pj_as "$who" -c '
import os, socket
print(socket.gethostname(), os.uname().nodename)
try:
    socket.sethostname(socket.gethostname()); print("allowed")  # the same name: harmless if it works
except OSError as e:
    print(e.errno)'
	is "$OUT" "pyjail pyjail
1" "$who: hostname is pyjail; sethostname fails EPERM"
	is "$(hostname)" "$HOSTNAME_BEFORE" "$who: the host's hostname is unchanged"

	# network namespace
	pj_as "$who" -c "
import fcntl, socket, struct, errno
print(socket.if_nameindex())
s = socket.socket()
flags = struct.unpack('16sH', fcntl.ioctl(s, 0x8913, struct.pack('16sH', b'lo', 0)))[1]
print('up' if flags & 1 else 'down')
l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen()
c = socket.create_connection(l.getsockname()); a, _ = l.accept(); c.sendall(b'ping')
print(a.recv(4).decode())
for addr in (('127.0.0.1', $PORT), ('10.0.2.2', 80), ('8.8.8.8', 53)):
    try:
        socket.create_connection(addr, timeout=5).recv(100); print('connected')
    except OSError as e:
        print(errno.errorcode.get(e.errno, e))"
	is "$OUT" "[(1, 'lo')]
up
ping
ECONNREFUSED
ENETUNREACH
ENETUNREACH" "$who: net ns: only lo, up, 127.0.0.1 works; host listener and outside unreachable"
	is "$(cat "$D/connections" 2>/dev/null)" "" "$who: the host listener got no connection"

	# IPC namespace
	if [ -n "$SHMID" ]; then
		pj_as "$who" -c "
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
r = libc.shmget($SHMKEY, 0, 0)
print(r, os.strerror(ctypes.get_errno()) if r < 0 else 'visible')
print('$(printf %d "$SHMKEY")' in open('/proc/sysvipc/shm').read())"
		is "$OUT" "-1 No such file or directory
False" "$who: ipc ns: the host's SysV segment (key $SHMKEY) is not visible"
	else
		skip "no host SysV segment" "$who: ipc ns"
	fi

	# user namespace: configured ids inside, unprivileged ids outside
	pj_as "$who" -c 'import os; print(os.getuid(), os.geteuid(), os.getgid(), os.getegid())'
	is "$OUT" "1000 1000 1000 1000" "$who: default uid/gid inside are 1000"
	printf '[jail]\nuid = 4321\ngid = 4322\n' >"$D/ids.conf"
	chmod 644 "$D/ids.conf"
	pj_as "$who" --config "$D/ids.conf" -c 'import os; print(os.getuid(), os.getgid())'
	is "$OUT" "4321 4322" "$who: configured uid/gid inside"
	pj_as "$who" -c 'import os; os.setuid(0)'
	like "$ERR" 'Error: \[Errno (1|22)\]' "$who: setuid(0) inside fails (EPERM, or EINVAL: 0 is not mapped)"
	pj_cmd "$who"
	"${PJ_CMD[@]}" -c 'import time; time.sleep(30)' "$TOKEN-uid" >/dev/null 2>&1 &
	JAIL=$!
	UIDS=$(host_uid_of "python3 -c import time; time.sleep\(30\) $TOKEN-uid")
	INIT_UIDS=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$(pgrep -P "$JAIL" | head -n1)/status" 2>/dev/null)
	kill "$JAIL" 2>/dev/null
	wait "$JAIL" 2>/dev/null
	if [ "$who" = root ]; then
		is "$UIDS" "65534 65534 65534 65534" "$who: the program's host uid is 65534 (seen from the host)"
		is "$INIT_UIDS" "65534 65534 65534 65534" "$who: the jail's init's host uid is 65534"
	else
		U=$(id -u "$PJ_TEST_USER" 2>/dev/null || id -u)
		is "$UIDS" "$U $U $U $U" "$who: the program's host uid is the user's"
		is "$INIT_UIDS" "$U $U $U $U" "$who: the jail's init's host uid is the user's"
	fi

	# capabilities and no_new_privs
	pj_as "$who" -c '
for l in open("/proc/self/status"):
    if l.startswith(("Cap", "NoNewPrivs")):
        print(l.split()[0], l.split()[1])'
	is "$OUT" "CapInh: 0000000000000000
CapPrm: 0000000000000000
CapEff: 0000000000000000
CapBnd: 0000000000000000
CapAmb: 0000000000000000
NoNewPrivs: 1" "$who: every capability set is empty and NoNewPrivs is 1"
	pj_as "$who" run -- python3.11 -c '
for l in open("/proc/self/status"):
    if l.startswith(("CapEff", "CapPrm", "NoNewPrivs")):
        print(l.split()[1])'
	is "$OUT" "0000000000000000
0000000000000000
1" "$who: also for 'run'"
	pj_as "$who" -c '
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
import os
t = "/tmp/pyjail-test-mnt-%d" % os.getpid()
os.makedirs(t, exist_ok=True)
r = libc.mount(b"none", t.encode(), b"tmpfs", 0, None)
print(r, errno.errorcode.get(ctypes.get_errno()))
r == 0 and libc.umount2(t.encode(), 2)
os.rmdir(t)'
	is "$OUT" "-1 EPERM" "$who: mount fails with EPERM"
done

# As root, pyjail brings the jail's loopback up from outside (net.c); where it
# cannot enter the jail's network namespace, the jail must do it itself.
if [ "$ROOT_ONLY" = 1 ]; then
	_pj_capture setpriv --bounding-set=-sys_admin "$PYJAIL" --config "$PJ_EMPTY_CONF" \
		--rootfs "$PYJAIL_TEST_ROOTFS" -c "
import fcntl, socket, struct
s = socket.socket()
flags = struct.unpack('16sH', fcntl.ioctl(s, 0x8913, struct.pack('16sH', b'lo', 0)))[1]
print('up' if flags & 1 else 'down')"
	is "$OUT" "up" "root without CAP_SYS_ADMIN (cannot enter the jail's network namespace): loopback is up all the same"
fi
finish
