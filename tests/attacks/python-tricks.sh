#!/bin/bash
# The Python-level "sandbox escapes" may run (the jail does not restrict
# Python), but nothing they do reaches the host: each trick tries to write a
# file at a host path, read a host secret and kill a host process.
. "$(dirname "$0")/attack-lib.sh"
require_rootfs
plan 5

mkdir -p "$WORK/drop" "$WORK/secret"
chmod 777 "$WORK/drop"
canary=PYJAIL-CANARY-$(od -An -N6 -tx1 /dev/urandom | tr -d ' ')
echo "$canary" >"$WORK/secret/canary"
chmod 644 "$WORK/secret/canary"
sleep 300 &
victim=$!

py 'import sys
drop, secret, victim = sys.argv[1], sys.argv[2], int(sys.argv[3])
def effects(name, os_):
    """With a handle on the os module: write, read, kill; errors are expected."""
    for what, f in (("write", lambda: os_.close(os_.open("%s/%s" % (drop, name), os_.O_WRONLY | os_.O_CREAT, 0o644))),
                    ("read", lambda: print(os_.read(os_.open(secret, os_.O_RDONLY), 100))),
                    ("kill", lambda: os_.kill(victim, 9))):
        try:
            f()
        except Exception as e:
            print("%s %s: %s" % (name, what, type(e).__name__))
reached = []
def trick(name, get):
    try:
        effects(name, get())
        reached.append(name)
    except Exception as e:
        print("%s: %r" % (name, e))
trick("import", lambda: __import__("os"))
trick("subclasses", lambda: __import__("types").SimpleNamespace(**[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == "_wrap_close"][0].__init__.__globals__))
trick("eval", lambda: eval("__import__(\"os\")"))
def via_exec():
    g = {}
    exec("import os as o", g)
    return g["o"]
trick("exec", via_exec)
def via_ctypes():
    import ctypes, os
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall(62, victim, 9)
    fd = libc.open(("%s/ctypes" % drop).encode(), 0o101, 0o644)
    print("ctypes open", fd, ctypes.get_errno())
    return os
trick("ctypes", via_ctypes)
def via_subprocess():
    import subprocess
    subprocess.run([sys.executable, "-c", "import os; os.close(os.open(%r, os.O_WRONLY | os.O_CREAT))" % (drop + "/subprocess")])
    return __import__("os")
trick("subprocess", via_subprocess)
print("reached:", " ".join(reached))' "$WORK/drop" "$WORK/secret/canary" "$victim"

like "$OUT" "reached: import subclasses eval exec ctypes subprocess" \
	"every trick gets hold of os (the jail does not restrict Python)"
is "$(ls -A "$WORK/drop")" "" "no trick wrote into the host directory"
ok "$(printf '%s' "$OUT$ERR" | grep -c "$canary" | grep -qx 0; echo $?)" "no trick read the host's canary file"
ok "$(kill -0 $victim 2>/dev/null; echo $?)" "the host process survived os.kill and the kill syscall"
kill $victim 2>/dev/null
wait $victim 2>/dev/null
like "$OUT" "ctypes open -1 2" "ctypes open() of the host path: ENOENT (the path is not in the jail)"
finish
