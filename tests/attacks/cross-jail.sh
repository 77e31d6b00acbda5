#!/bin/bash
# Two jails at once cannot exchange a byte: jail A publishes on every channel
# (an abstract unix socket, a SysV shared memory segment, a POSIX shm file, a
# key in the user keyring, an exclusive flock and a POSIX read lock on a file
# both jails see through the same read-only bind), jail B looks for each.
# They synchronise through a writable bind made for the test (that directory
# is a channel on purpose; nothing else may be).
. "$(dirname "$0")/attack-lib.sh"
require_rootfs
plan 8

tag=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
mkdir -p "$WORK/sync" "$WORK/shared"
chmod 777 "$WORK/sync"
echo lock >"$WORK/shared/lockfile"
chmod 644 "$WORK/shared/lockfile"

prelude='import ctypes, errno, fcntl, os, socket, struct, sys, time
tag, sync, lockfile = sys.argv[1], sys.argv[2], sys.argv[3]
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
key = int(tag, 16) & 0x7fffffff
name = "pyjail-xjail-" + tag
def wait_for(f):
    for _ in range(400):
        if os.path.exists(os.path.join(sync, f)):
            return True
        time.sleep(0.05)
    return False
def mark(f):
    open(os.path.join(sync, f), "w").close()
def err(e):
    return errno.errorcode.get(e, str(e))
'
publisher="$prelude"'
s = socket.socket(socket.AF_UNIX)
s.bind("\0" + name)
s.listen()
shmid = libc.shmget(key, 4096, 0o1666)
addr = libc.shmat(shmid, None, 0) if shmid >= 0 else -1
fd = os.open("/dev/shm/" + name, os.O_CREAT | os.O_RDWR, 0o666)
os.write(fd, b"secret")
kid = libc.syscall(248, b"user", name.encode(), b"secret", 6, -4)
print("add_key", "OK" if kid >= 0 else err(ctypes.get_errno()))
lf = open(lockfile, "rb")
fcntl.flock(lf, fcntl.LOCK_EX)
lf2 = open(lockfile, "rb")
fcntl.lockf(lf2, fcntl.LOCK_SH)
mark("ready")
wait_for("done")
if shmid >= 0:
    libc.shmctl(shmid, 0, None)
os.unlink("/dev/shm/" + name)
if kid >= 0:
    libc.syscall(250, 9, kid, -4)
'
looker="$prelude"'
if not wait_for("ready"):
    print("publisher never got ready")
    sys.exit(1)
out = []
try:
    c = socket.socket(socket.AF_UNIX)
    c.connect("\0" + name)
    out.append("abstract:connected")
except OSError as e:
    out.append("abstract:" + err(e.errno))
r = libc.shmget(key, 0, 0)
out.append("sysv:" + ("found" if r >= 0 else err(ctypes.get_errno())))
try:
    os.open("/dev/shm/" + name, os.O_RDONLY)
    out.append("posix-shm:found")
except OSError as e:
    out.append("posix-shm:" + err(e.errno))
r = libc.syscall(249, b"user", name.encode(), None, 0)
out.append("keyring:" + ("found" if r >= 0 else err(ctypes.get_errno())))
lf = open(lockfile, "rb")
try:
    fcntl.flock(lf, fcntl.LOCK_EX | fcntl.LOCK_NB)
    out.append("flock:free")
except OSError as e:
    out.append("flock:" + err(e.errno))
q = struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0)
t = struct.unpack("hhqqi4x", fcntl.fcntl(lf, fcntl.F_GETLK, q))[0]
out.append("posix-lock:" + ("free" if t == fcntl.F_UNLCK else "held"))
print(" ".join(out))
mark("done")
'

run() { # publisher|looker output-file
	local code=$publisher
	[ "$1" = looker ] && code=$looker
	if [ -n "$BARE" ]; then
		(cd "$WORK" && python3 -c "$code" "$tag" "$WORK/sync" "$WORK/shared/lockfile") >"$2" 2>&1
	else
		"$PYJAIL" --config "$CONF" --rootfs "$PYJAIL_TEST_ROOTFS" --wall-time 40 \
			--bind "$WORK/sync:/tmp/sync:rw" --bind "$WORK/shared:/tmp/shared" \
			-c "$code" "$tag" /tmp/sync /tmp/shared/lockfile >"$2" 2>&1 </dev/null
	fi
}
run publisher "$WORK/a.out" &
apid=$!
run looker "$WORK/b.out"
touch "$WORK/sync/done"
wait $apid
A=$(cat "$WORK/a.out") B=$(cat "$WORK/b.out")
echo "# publisher: $A"
echo "# looker: $B"
field() { printf '%s\n' "$B" | tr ' ' '\n' | awk -F: -v k="$1" '$1 == k { print $2 }'; }

like "$B" "^abstract:" "both jails ran and the looker reported"
is "$(field abstract)" ECONNREFUSED "abstract unix socket of the other jail: ECONNREFUSED (own network namespace)"
is "$(field sysv)" ENOENT "SysV segment of the other jail: ENOENT (own IPC namespace)"
is "$(field posix-shm)" ENOENT "POSIX shm of the other jail: ENOENT (own /dev/shm)"
is "$A" "add_key EPERM" "adding a key to a keyring is refused"
is "$(field keyring)" EPERM "looking for a key is refused"
# Read-only directory binds are private overlays (mounts.c): each jail opens its
# own inode of the shared file, so neither kind of lock crosses over.
is "$(field flock)" free "flock on a shared read-only file does not see the other jail's lock"
is "$(field posix-lock)" free "F_GETLK on a shared read-only file does not see the other jail's lock"
finish
