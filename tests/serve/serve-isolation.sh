#!/bin/bash
# pyjail serve: nothing a request does is seen by the next one.  Request A leaves
# something behind (files in /tmp and /dev/shm, background processes, environment
# variables, memory, processes up to the pids limit, SysV IPC objects, a loopback
# listener and an abstract socket, a file lock, patched modules), checks that it is
# really there, and request B looks for it.  Every request gets a fresh
# interpreter (random state, hash seed).  One worker, so B starts only once A's
# jail is gone.  (Namespace inodes are compared in serve-concurrent.sh, where the
# jails are alive at the same time: a dead namespace's inode number is reused.)
. "$(dirname "$0")/serve-common.bash"

tag=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
port=$((20000 + 0x$tag % 20000))

# ---- /tmp and /dev/shm
files() {
	req 'import os, sys
t = sys.argv[1]
open("/tmp/iso-" + t, "w").write("x")
os.mkdir("/tmp/isodir-" + t)
open("/dev/shm/iso-" + t, "w").write("x")
print(sorted(os.listdir("/tmp")), sorted(os.listdir("/dev/shm")))' "$tag"
	is "$(rec status stdout)" "exited/['iso-$tag', 'isodir-$tag'] ['iso-$tag']" "$1: A writes /tmp and /dev/shm"
	req 'import os; print(sorted(os.listdir("/tmp")), sorted(os.listdir("/dev/shm")))'
	is "$(rec status stdout)" "exited/[] []" "$1: B finds /tmp and /dev/shm empty"
}

# ---- background processes: a daemon (setsid, double fork) and a plain child
procs() {
	local code='import os, subprocess, sys, time
t = sys.argv[1]
sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, sleeper + ["isobg-daemon-" + t])
    os._exit(0)
os.wait()
subprocess.Popen(sleeper + ["isobg-child-" + t])
def mine():
    n = 0
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            c = open("/proc/%s/cmdline" % p).read()
        except OSError:
            continue
        n += "isobg-" in c and t in c
    return n
for _ in range(200):
    if mine() == 2:
        break
    time.sleep(0.05)
print("running", mine())'
	req "$code" "$tag"
	is "$(rec status stdout)" "exited/running 2" "$1: A leaves a daemon and a child running"
	req 'import os, sys
cmds = []
for p in filter(str.isdigit, os.listdir("/proc")):
    try:
        cmds.append(open("/proc/%s/cmdline" % p).read())
    except OSError:
        pass
print(len(cmds), sum(sys.argv[1] in c for c in cmds))' "$tag"
	is "$(rec status stdout)" "exited/2 0" "$1: B sees only its init and itself"
	wait_for procs_are 0 "isobg-.*-$tag"
	is "$(pgrep -fc "isobg-.*-$tag")" 0 "$1: A's background processes are gone from the host"
}

# ---- environment: os.environ and the C environment (putenv), seen by a child too
environ() {
	req 'import os; os.environ["ISO_ENV"] = "a"; os.putenv("ISO_PUT", "b"); print(os.environ["ISO_ENV"])'
	is "$(rec status stdout)" "exited/a" "$1: A sets environment variables"
	req 'import os, subprocess, sys
kid = subprocess.run([sys.executable, "-c", "import os; print(os.environ.get(\"ISO_ENV\"), os.environ.get(\"ISO_PUT\"))"], capture_output=True, text=True).stdout.strip()
print(os.environ.get("ISO_ENV"), os.getenv("ISO_PUT"), kid)'
	is "$(rec status stdout)" "exited/None None None None" "$1: B's environment (and its child's) does not have them"
}

# ---- memory: a daemon holds 60M, the program fills the rest; B has all 128M again
# (with rlimits, RLIMIT_AS: the program gets a MemoryError)
memory() {
	local by
	req 'import os, time
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    hog = b"\x01" * (60 << 20)
    os.write(w, b"x")
    time.sleep(60)
os.read(r, 1)
keep = []
while True:
    keep.append(b"\x01" * (4 << 20))'
	by=$(rec limits.memory.enforced_by)
	if [ "$by" = rlimit ]; then
		like "$(rec status exit_code stderr | tr "\n" " ")" "^exited/1/.*MemoryError" "$1: A fills its memory (MemoryError: $by)"
	else
		is "$(rec status)" memory-limit "$1: A fills its memory (status memory-limit: $by)"
	fi
	req 'print(1)'
	is "$(rec status stdout)" exited/1 "$1: B runs"
	cmp_ok "$(rec peak_memory_bytes)" -lt $((32 << 20)) "$1: B's peak_memory_bytes is its own (< 32M)"
	req 'x = b"\x01" * (80 << 20); print(len(x) >> 20)'
	is "$(rec status stdout)" exited/80 "$1: C gets 80M of its 128M"
}

# ---- processes: A forks up to the pids limit and leaves them; B can fork.  (With
# rlimits, RLIMIT_NPROC counts every process of the user: the server's too.)
pids() {
	req 'import ctypes, os, sys, time
n = 0
try:
    while n < 100:
        if os.fork() == 0:
            ctypes.CDLL(None).prctl(15, ("isp-" + sys.argv[1]).encode())
            os.setsid()
            time.sleep(60)
            os._exit(0)
        n += 1
except OSError as e:
    print("stopped", n > 8, e.errno == 11)' "$tag"
	is "$(rec status stdout)" "exited/stopped True True" "$1: A forks until the pids limit refuses (EAGAIN)"
	# shellcheck disable=SC2016 # evaluated by wait_for, each time
	wait_for eval '[ "$(pgrep -c "isp-$tag")" = 0 ]'
	is "$(pgrep -c "isp-$tag")" 0 "$1: A's processes are gone from the host"
	req 'import os
kids = []
for _ in range(12):
    k = os.fork()
    if k == 0:
        os._exit(0)
    kids.append(k)
print(sum(os.waitpid(k, 0)[1] == 0 for k in kids))'
	is "$(rec status stdout pids_limit_hit)" "exited/12/False" "$1: B forks 12 children"
}

# ---- names and IPC: hostname, SysV objects, a loopback listener and an abstract
# socket held by a daemon, a flock on a file every jail sees (the rootfs)
ipc() {
	local base
	req 'import socket; print(socket.gethostname())'
	base=$(rec stdout)
	req 'import ctypes, fcntl, os, socket, sys, time
t, port = sys.argv[1], int(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)
key = int(t, 16) & 0x7fffffff
try:
    socket.sethostname("iso-" + t)
    host = "set"
except OSError as e:
    host = e.errno
ids = [libc.shmget(key, 4096, 0o1600), libc.msgget(key, 0o1600), libc.semget(key, 1, 0o1600)]
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    a = socket.socket(socket.AF_UNIX)
    a.bind("\0iso-" + t)
    a.listen()
    s = socket.socket()
    s.bind(("127.0.0.1", port))
    s.listen()
    f = open(os.__file__, "rb")
    fcntl.flock(f, fcntl.LOCK_EX)
    os.write(w, b"x")
    time.sleep(60)
os.read(r, 1)
socket.create_connection(("127.0.0.1", port)).close()
socket.socket(socket.AF_UNIX).connect("\0iso-" + t)
try:
    fcntl.flock(open(os.__file__, "rb"), fcntl.LOCK_EX | fcntl.LOCK_NB)
    lock = "free"
except OSError:
    lock = "held"
found = [libc.shmget(key, 0, 0) >= 0, libc.msgget(key, 0) >= 0, libc.semget(key, 0, 0) >= 0]
print(host, found, "listening", lock)' "$tag" "$port"
	like "$(rec status stdout)" "^exited/(1|set) \[True, True, True\] listening held$" \
		"$1: A makes SysV objects, a listener, an abstract socket and a lock (and checks them)"
	req 'import ctypes, errno, fcntl, os, socket, sys
t, port = sys.argv[1], int(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)
key = int(t, 16) & 0x7fffffff
out = [socket.gethostname()]
out += [libc.shmget(key, 0, 0) >= 0, libc.msgget(key, 0) >= 0, libc.semget(key, 0, 0) >= 0]
for what, fam, addr in (("tcp", socket.AF_INET, ("127.0.0.1", port)), ("abstract", socket.AF_UNIX, "\0iso-" + t)):
    try:
        socket.socket(fam).connect(addr)
        out.append(what + ":connected")
    except OSError as e:
        out.append(what + ":" + errno.errorcode[e.errno])
s = socket.socket()
s.bind(("127.0.0.1", port))
try:
    fcntl.flock(open(os.__file__, "rb"), fcntl.LOCK_EX | fcntl.LOCK_NB)
    out.append("lock:free")
except OSError:
    out.append("lock:held")
print(*out)' "$tag" "$port"
	is "$(rec status stdout)" \
		"exited/$base False False False tcp:ECONNREFUSED abstract:ECONNREFUSED lock:free" \
		"$1: B: its own hostname, no SysV object, no listener, no abstract socket, no lock"
}

# ---- the interpreter: modules added, stdlib functions and builtins patched
modules() {
	req 'import builtins, collections, json, os, sys
json.dumps = None
collections.OrderedDict = None
os.iso = builtins.iso = 1
sys.modules["iso_mod"] = type(sys)("iso_mod")
sys.path.insert(0, "/tmp/iso")
sys.stdout.write("patched\n")'
	is "$(rec status stdout)" exited/patched "$1: A patches json, collections, os, builtins, sys.modules"
	req 'import builtins, collections, json, os, sys
print(json.dumps([1]), collections.OrderedDict is None, hasattr(os, "iso"), hasattr(builtins, "iso"),
      "iso_mod" in sys.modules, "/tmp/iso" in sys.path)'
	is "$(rec status stdout)" "exited/[1] False False False False False" "$1: B gets pristine modules"
}

# ---- a fresh interpreter: three requests, random state and hash seed all differ
fresh() {
	local out=()
	for _ in 1 2 3; do
		req 'import os, random; print(os.urandom(8).hex(), random.getrandbits(64), hash("pyjail-iso"), id(object()))'
		out+=("$(rec stdout)")
	done
	printf '# %s\n' "${out[@]}"
	k() { printf '%s\n' "${out[@]}" | awk -v f="$1" '{print $f}' | sort -u | wc -l; }
	is "$(k 1)/$(k 2)" 3/3 "$1: os.urandom and random differ"
	todo "$([ "$(k 3)" = 3 ]; echo $?)" "$1: str hash seed differs between requests" \
		"known: every request is a fork of one zygote, so all share its hash secret"
	todo "$([ "$(k 4)" = 3 ]; echo $?)" "$1: address layout differs between requests" \
		"known: forks of one zygote share its ASLR layout"
}

for who in $(pj_whos); do
	serve_up "$who" --pool 2 --workers 1 --memory 128M --pids 32 || continue
	files "$who"
	procs "$who"
	environ "$who"
	memory "$who"
	pids "$who"
	ipc "$who"
	modules "$who"
	fresh "$who"
	serve_stop
	is "$SRC" 0 "$who: SIGTERM: the server exits 0"
	is "$(serve_leftovers)" "" "$who: the server left nothing behind"
done
serve_finish
