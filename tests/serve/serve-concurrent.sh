#!/bin/bash
# pyjail serve: requests running at the same time (--workers 3) are as apart as
# two cold jails.  Three requests that are alive together print the inodes of
# their namespaces: pid, mnt, net, ipc, uts and cgroup all differ, and none is the
# host's.  Request A holds a file in /tmp, a background process, a loopback
# listener, an abstract socket, a SysV segment and a lock while request B looks
# for each of them.  The held requests run in fds mode (`pyjail client` without
# --json): they print to a file the test reads, and wait for a byte on a FIFO.
. "$(dirname "$0")/serve-common.bash"

tag=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
port=$((20000 + 0x$tag % 20000))

# held NAME CODE [ARGS...]: run CODE in the background with a FIFO as stdin and
# $SDIR/NAME.out as stdout and stderr; release NAME sends it a byte.
declare -A held_pid held_fd
held() {
	local name=$1 code=$2 fd
	shift 2
	mkfifo "$SDIR/$name.in"
	exec {fd}<>"$SDIR/$name.in"
	"$PYJAIL" client --socket "$SOCK" -c "$code" "$@" <&$fd >"$SDIR/$name.out" 2>&1 &
	held_pid[$name]=$!
	held_fd[$name]=$fd
}
release() { # name: send the byte, wait for the client; RC is its exit status
	local fd=${held_fd[$1]}
	echo >&"$fd"
	wait "${held_pid[$1]}"
	RC=$?
	exec {fd}>&-
}
# shellcheck disable=SC2317 # called through wait_for
printed() { [ "$(wc -l <"$SDIR/$1.out")" -ge "${2:-1}" ]; }

namespaces() {
	local i out ns=(pid mnt net ipc uts cgroup) host=()
	for i in 1 2 3; do
		held "ns$i" 'import os, sys
print(*[os.stat("/proc/self/ns/" + n).st_ino for n in sys.argv[1:]], flush=True)
os.read(0, 1)' "${ns[@]}"
	done
	for i in 1 2 3; do wait_for printed "ns$i"; done
	out=$(cat "$SDIR"/ns[123].out)
	for i in 1 2 3; do release "ns$i"; done
	printf '# %s\n' "$out"
	k() { printf '%s\n' "$out" | awk -v f="$1" '$f ~ /^[0-9]+$/ {print $f}' | sort -u | wc -l; }
	is "$(k 1)/$(k 2)/$(k 3)/$(k 4)/$(k 5)/$(k 6)" 3/3/3/3/3/3 \
		"$1: 3 requests at once: pid, mnt, net, ipc, uts and cgroup namespaces all differ"
	for n in "${ns[@]}"; do host+=("$(stat -Lc %i "/proc/self/ns/$n")"); done
	ok "$(printf '%s\n' "$out" | grep -qwE "$(
		IFS='|'
		echo "${host[*]}"
	)"; [ $? = 1 ]; echo $?)" "$1: none of them is a namespace of the host"
}

apart() {
	held A 'import ctypes, fcntl, os, socket, sys, time
t, port = sys.argv[1], int(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)
open("/tmp/conc-" + t, "w").write("x")
os.mkdir("/dev/shm/conc-" + t)
shm = libc.shmget(int(t, 16) & 0x7fffffff, 4096, 0o1600)
s = socket.socket()
s.bind(("127.0.0.1", port))
s.listen()
a = socket.socket(socket.AF_UNIX)
a.bind("\0conc-" + t)
a.listen()
lock = open(os.__file__, "rb")
fcntl.flock(lock, fcntl.LOCK_EX)
if os.fork() == 0:
    os.setsid()
    os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)", "concbg-" + t])
while not any(b"concbg-" in open("/proc/%s/cmdline" % p, "rb").read() for p in os.listdir("/proc") if p.isdigit()):
    time.sleep(0.02)
print("ready", shm >= 0, flush=True)
os.read(0, 1)
socket.create_connection(("127.0.0.1", port)).close()
socket.socket(socket.AF_UNIX).connect("\0conc-" + t)
print("still listening", sorted(os.listdir("/tmp")))' "$tag" "$port"
	wait_for printed A
	is "$(cat "$SDIR/A.out")" "ready True" "$1: A holds a file, a process, a listener, a socket, IPC, a lock"
	is "$(pgrep -fc "concbg-$tag")" 1 "$1: A's background process runs (seen from the host)"
	req 'import ctypes, errno, fcntl, os, socket, sys
t, port = sys.argv[1], int(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)
cmds = []
for p in filter(str.isdigit, os.listdir("/proc")):
    try:
        cmds.append(open("/proc/%s/cmdline" % p).read())
    except OSError:
        pass
out = [sorted(os.listdir("/tmp")) + sorted(os.listdir("/dev/shm")), len(cmds), sum(t in c for c in cmds)]
out.append(libc.shmget(int(t, 16) & 0x7fffffff, 0, 0) >= 0)
for what, fam, addr in (("tcp", socket.AF_INET, ("127.0.0.1", port)), ("abstract", socket.AF_UNIX, "\0conc-" + t)):
    try:
        socket.socket(fam).connect(addr)
        out.append(what + ":connected")
    except OSError as e:
        out.append(what + ":" + errno.errorcode[e.errno])
try:
    fcntl.flock(open(os.__file__, "rb"), fcntl.LOCK_EX | fcntl.LOCK_NB)
    out.append("lock:free")
except OSError:
    out.append("lock:held")
print(*out)' "$tag" "$port"
	B=$(rec status stdout)
	echo "# B: $B"
	like "$B" "^exited/\[\] 2 0 " "$1: B sees none of A's files and processes (its init and itself only)"
	like "$B" " False tcp:ECONNREFUSED abstract:ECONNREFUSED " \
		"$1: B finds neither A's SysV segment, nor its listener, nor its abstract socket"
	todo "$(
		[[ $B == *lock:free ]]
		echo $?
	)" "$1: B does not see A's flock on a rootfs file" \
		"known: the rootfs is one shared inode for every jail (the cold path too)"
	release A
	is "$RC/$(cat "$SDIR/A.out")" "0/ready True
still listening ['conc-$tag']" "$1: A's listener, socket and file were there all along"
	wait_for procs_are 0 "concbg-$tag"
	is "$(pgrep -fc "concbg-$tag")" 0 "$1: A's background process is gone once A is done"
}

for who in $(pj_whos); do
	serve_up "$who" --pool 3 --workers 3 || continue
	namespaces "$who"
	apart "$who"
	serve_stop
	is "$SRC" 0 "$who: SIGTERM: the server exits 0"
	is "$(serve_leftovers)" "" "$who: the server left nothing behind"
done
serve_finish
