#!/bin/bash
# Process hygiene: no descriptor of pyjail's or of its caller reaches the
# program (only 0, 1, 2), the working directory is inside the new root, and
# pyjail's own binary cannot be reached from inside (/proc/1/exe: runc's
# CVE-2019-5736).
. "$(dirname "$0")/attack-lib.sh"
require_rootfs
plan 8

open_fds='import os
fds = []
for fd in range(3, 4096):
    try:
        os.fstat(fd)
        fds.append(fd)
    except OSError:
        pass
print(fds)'
# The caller leaves descriptors open (no O_CLOEXEC in a shell): a file, a
# directory of the host, a writable file.
exec 7</etc/hostname 8<"$WORK" 9>"$WORK/leak"
py "$open_fds"
is "$OUT" "[]" "no descriptor above 2 is open in the program (caller had 7, 8, 9 open)"
jail --json -c "$open_fds"
is "$(json stdout)" "[]" "the same with --json (pyjail's own pipes)"
exec 7<&- 8<&- 9>&-

py 'import os, sys
root = os.stat("/")
cwd, link = os.getcwd(), os.readlink("/proc/self/cwd")
for _ in range(64):
    os.chdir("..")
top = os.stat(".")
print(cwd, link, (top.st_dev, top.st_ino) == (root.st_dev, root.st_ino))'
is "$OUT" "/tmp /tmp True" "the cwd is /tmp inside the new root; .. leads to the jail's /"

# Nothing inside may reach another process's executable, root, memory or mappings.
py 'import os, sys
found = []
for pid in [p for p in os.listdir("/proc") if p.isdigit()] + ["self", "thread-self"]:
    for what in ("exe", "root", "cwd", "map_files", "mem"):
        p = "/proc/%s/%s" % (pid, what)
        try:
            if what in ("exe", "root", "cwd"):
                t = os.readlink(p)
                if what == "exe" and t != sys.executable and not t.startswith(sys.executable):
                    found.append("%s -> %s" % (p, t))
            elif pid not in ("self", "thread-self") and os.getpid() != int(pid):
                os.listdir(p) if what == "map_files" else open(p, "rb").close()
                found.append(p)
        except (OSError, ValueError):
            pass
print(found)'
is "$OUT" "[]" "no /proc/PID/exe other than python's, no other process's root, mem or map_files"
py 'import os
try:
    open("/proc/1/exe", "rb").read(4)
    print("read")
except OSError as e:
    print(e.errno)'
is "$OUT" 13 "/proc/1/exe (pyjail's init) cannot be opened: EACCES"
py 'import os, sys
try:
    os.readlink("/proc/1/exe")
    print("readable")
except OSError as e:
    print(e.errno)'
is "$OUT" 13 "readlink /proc/1/exe: EACCES (init is not dumpable)"
py 'import os
try:
    print(os.listdir("/proc/1/fd"))
except OSError as e:
    print(e.errno)'
is "$OUT" 13 "init's descriptors (/proc/1/fd) are out of reach"
like "$(jail -c 'import os; print(os.listdir("/proc/1/root"))'; echo "$ERR")" "PermissionError" \
	"/proc/1/root is out of reach"
finish
