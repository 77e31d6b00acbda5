#!/bin/bash
# Landlock, the second wall: where the mounts would allow a write (procfs is
# mounted read-write for the jail's own /proc/self), Landlock still refuses it;
# only /tmp, /dev/shm, the harmless devices and :rw binds are writable.  With
# ABI 6, signals to processes outside the Landlock domain (pyjail's init) are
# refused too.  `landlock = no` shows what the mounts alone would allow.
. "$(dirname "$0")/attack-lib.sh"
require_rootfs
abi=$("$PYJAIL" check 2>/dev/null | awk '$2 == "landlock" && $1 == "ok" { print $NF }')
if [ -z "$abi" ]; then
	echo "1..0 # SKIP the kernel has no Landlock (pyjail runs without it)"
	exit 0
fi
plan 7
mkdir -p "$WORK/rw" "$WORK/ro"
chmod 777 "$WORK/rw"

write_comm='try:
    with open("/proc/self/comm", "w") as f:
        f.write("renamed")
    print("written")
except OSError as e:
    print(e.errno)'
py "$write_comm"
is "$OUT" 13 "writing /proc/self/comm (procfs is mounted rw): EACCES from Landlock"
printf '[jail]\nlandlock = no\n' >"$WORK/nolandlock.conf"
CONF=$WORK/nolandlock.conf py "$write_comm"
is "$OUT" written "with landlock = no the same write goes through (the mounts allow it)"

py 'import os
for p in ("/tmp/f", "/dev/shm/f", "/dev/null", "/dev/zero", "/dev/full"):
    try:
        with open(p, "w") as f:
            f.write("")
    except OSError as e:
        print(p, e.errno)
os.mkfifo("/tmp/fifo"); os.mkdir("/tmp/d"); os.rename("/tmp/f", "/tmp/d/f"); os.symlink("d", "/tmp/l")
print("ok")'
is "$OUT" ok "/tmp, /dev/shm and the null, zero and full devices stay writable"

jail --bind "$WORK/rw:/tmp/rw:rw" --bind "$WORK/ro:/tmp/ro" -c 'import os
def w(p):
    try:
        open(p, "w").write("x")
        return "ok"
    except OSError as e:
        return str(e.errno)
print(w("/tmp/rw/f"), w("/tmp/ro/f"))'
is "$OUT" "ok 30" "a :rw bind is writable, a read-only bind is not (EROFS)"
is "$(cat "$WORK/rw/f" 2>/dev/null)" x "the write through the :rw bind reached the host directory"

# init forwards SIGUSR1 to the program, which waits for it with the signal blocked.
kill_init='import os, signal
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])
try:
    os.kill(1, signal.SIGUSR1)
    print("forwarded" if signal.sigtimedwait([signal.SIGUSR1], 10) else "lost")
except OSError as e:
    print(e.errno)'
if [ -n "$BARE" ]; then # never signal the host's init
	skip "bare mode" "signal to init refused"
	skip "bare mode" "signal to init without Landlock"
elif [ "$abi" -ge 6 ]; then
	py "$kill_init"
	is "$OUT" 1 "a signal to pyjail's init (outside the domain): EPERM (ABI $abi scopes signals)"
	CONF=$WORK/nolandlock.conf py "$kill_init"
	is "$OUT" forwarded "with landlock = no, init takes the signal (and forwards it back)"
else
	skip "Landlock ABI $abi has no signal scoping" "signal to init refused"
	skip "Landlock ABI $abi has no signal scoping" "signal to init without Landlock"
fi
finish
