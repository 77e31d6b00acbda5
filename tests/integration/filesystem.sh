#!/bin/bash
# The filesystem view, as root and as the test user: / read-only, /tmp a writable
# tmpfs limited by --tmp-size, a minimal /dev, a fresh /proc, the host's files
# unreachable, and --bind read-only unless :rw.
. "$(dirname "$0")/../lib.sh"
require_rootfs
WHOS=$(pj_whos)
plan $((17 * $(wc -w <<<"$WHOS")))

TOKEN=pyjail-canary-$$-$RANDOM$RANDOM
# Canaries in host directories outside the rootfs, readable by everybody: the
# jail must not find them (by path or by searching).
pj_tmpdir C1
pj_tmpdir C2 /var/tmp
CANARIES=("$C1/$TOKEN.txt" "$C2/$TOKEN.txt")
if [ -n "${abs_top_builddir:-}" ] && [ -w "$abs_top_builddir" ]; then
	CANARIES+=("$abs_top_builddir/$TOKEN.txt")
	pj_cleanup_add "$abs_top_builddir/$TOKEN.txt"
fi
for c in "${CANARIES[@]}"; do echo "$TOKEN" >"$c" && chmod 644 "$c"; done
PYLIST=$(printf '"%s", ' "${CANARIES[@]}")

# Host directories to bind, writable by everybody (so that only a read-only
# mount can stop a write), and a root-owned 0644 file in a 0755 directory.
pj_tmpdir B
echo "bound content" >"$B/file.txt"
chmod 666 "$B/file.txt"
chmod 777 "$B"
mkdir "$B/locked" && echo locked >"$B/locked/file.txt" && chmod -R a+rX "$B/locked"
pj_tmpdir W
chmod 777 "$W"

for who in $WHOS; do
	# Creating files and directories in root-owned directories: a read-only mount
	# answers EROFS before permissions are looked at.  (Each probe undoes itself if
	# it succeeds: a broken jail must not litter the host.)
	pj_as "$who" -c "
import errno, os
for p in ('/usr/$TOKEN', '/etc/$TOKEN', '/$TOKEN'):
    try:
        os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL)); print(p, 'created'); os.unlink(p)
    except OSError as e:
        print(p, errno.errorcode[e.errno])
for p in ('/usr/lib/$TOKEN', '/home/$TOKEN'):
    try:
        os.mkdir(p); print(p, 'created'); os.rmdir(p)
    except OSError as e:
        print(p, errno.errorcode[e.errno])"
	is "$(sed "s/$TOKEN/T/" <<<"$OUT")" "/usr/T EROFS
/etc/T EROFS
/T EROFS
/usr/lib/T EROFS
/home/T EROFS" "$who: / is read-only (EROFS)"

	pj_as "$who" -c '
import os
open("/tmp/f", "w").write("x" * 100000)
os.mkdir("/tmp/d"); os.rename("/tmp/f", "/tmp/d/g")
print(os.path.getsize("/tmp/d/g"), os.getcwd(), os.environ["HOME"])
print([l.split()[2] for l in open("/proc/self/mounts") if l.split()[1] == "/tmp"])'
	is "$OUT" "100000 /tmp /tmp
['tmpfs']" "$who: /tmp is a writable tmpfs and the working directory"

	pj_as "$who" --tmp-size 1M -c '
import errno, os
st = os.statvfs("/tmp"); print(st.f_blocks * st.f_frsize)
try:
    with open("/tmp/big", "wb") as f:
        for _ in range(4):
            f.write(b"\0" * (512 * 1024)); f.flush()
    print("wrote 2M")
except OSError as e:
    print(errno.errorcode[e.errno])'
	is "$OUT" "1048576
ENOSPC" "$who: --tmp-size 1M: /tmp holds 1M, writing 2M fails ENOSPC"
	pj_as "$who" --tmp-size 8M -c 'import os; st = os.statvfs("/tmp"); print(st.f_blocks * st.f_frsize)'
	is "$OUT" 8388608 "$who: --tmp-size 8M"

	pj_as "$who" -c '
import os
print(sorted(os.listdir("/dev")))
print(len(open("/dev/zero", "rb").read(4096).strip(b"\0")), len(open("/dev/urandom", "rb").read(16)), open("/dev/null").read() == "")
fd = os.open("/dev/full", os.O_WRONLY)
try:
    os.write(fd, b"x")
except OSError as e:
    print(e.errno)
print(os.readlink("/dev/fd"), os.path.isdir("/dev/shm"))
for n in ("mem", "kmsg", "sda", "vda", "tty", "console", "ptmx"):
    if os.path.exists("/dev/" + n): print("has", n)'
	is "$OUT" "['fd', 'full', 'null', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'urandom', 'zero']
0 16 True
28
/proc/self/fd True" "$who: /dev has exactly null zero full random urandom, the fd links and shm"
	pj_as "$who" -c '
import errno, os
open("/dev/shm/x", "w").write("shm"); print(open("/dev/shm/x").read())
try:
    os.mknod("/dev/shm/n", 0o20666, os.makedev(1, 3)); print("mknod"); os.unlink("/dev/shm/n")
except OSError as e:
    print(e.errno in (errno.EPERM, errno.EACCES))'
	is "$OUT" "shm
True" "$who: /dev/shm is a private writable tmpfs; mknod is refused (EPERM, or EACCES from Landlock)"

	pj_as "$who" -c '
import os
print(os.readlink("/proc/self") == str(os.getpid()), open("/proc/self/stat").read().split()[0] == str(os.getpid()))
m = [l.split() for l in open("/proc/self/mountinfo")]
print([x[8] for x in m if x[4] == "/proc"])
print(open("/proc/1/status").read().count("\n") > 5)'
	is "$OUT" "True True
['proc']
True" "$who: /proc is a fresh procfs of the jail's PID namespace"

	pj_as "$who" -c "
import os
tok = '$TOKEN'
print([p for p in ($PYLIST) if os.path.exists(p)])
found = []
for top in os.listdir('/'):
    if top in ('proc', 'sys'):
        continue
    for base, dirs, files in os.walk('/' + top, onerror=lambda e: None):
        found += [os.path.join(base, n) for n in dirs + files if tok in n]
print(found)
print(os.path.exists('$PYJAIL_TEST_ROOTFS/etc/pyjail-rootfs'), os.path.exists('/tmp/pjroot'))"
	is "$OUT" "[]
[]
False False" "$who: host canaries outside the rootfs cannot be found (by path or by a search of /)"
	# The same path does exist on the host: the test can tell a missed file.
	ok "$([ -r "${CANARIES[0]}" ] && echo 0 || echo 1)" "$who: (the canary is there on the host)"

	# --bind: read-only by default
	pj_as "$who" --bind "$B:/tmp/ro" -c '
import errno
print(open("/tmp/ro/file.txt").read().strip())
for p in ("/tmp/ro/file.txt", "/tmp/ro/new"):
    try:
        open(p, "a").write("x"); print("wrote", p)
    except OSError as e:
        print(errno.errorcode[e.errno])'
	is "$OUT" "bound content
EROFS
EROFS" "$who: --bind SRC:DST is read-only"
	is "$(cat "$B/file.txt")" "bound content" "$who: the bound file is unchanged on the host"
	pj_as "$who" --bind "$W:/tmp/rw:rw" -c 'open("/tmp/rw/out.txt", "w").write("from the jail\n"); print("ok")'
	is "$OUT:$(cat "$W/out.txt" 2>/dev/null)" "ok:from the jail" "$who: --bind SRC:DST:rw is writable and the host sees the file"
	rm -f "$W/out.txt"
	pj_as "$who" --bind "$B:/tmp/a/deep/er/dir" --bind "$B/file.txt:/tmp/x/y/f.txt" -c '
print(open("/tmp/a/deep/er/dir/file.txt").read().strip(), open("/tmp/x/y/f.txt").read().strip())'
	is "$OUT" "bound content bound content" "$who: bind destinations under /tmp are created (directory and file)"
	pj_as "$who" --bind "$B:/home" -c 'import os; print(sorted(os.listdir("/home")))'
	is "$OUT" "['file.txt', 'locked']" "$who: bind onto a directory of the rootfs outside /tmp"
	pj_as "$who" --bind "$B:/tmp/../etc/x" -c 1
	is "$RC" 125 "$who: a bind destination with '..' is refused"
	pj_as "$who" --bind "$B:/tmp/ro" -c '
import errno, os
try:
    os.symlink("/etc", "/tmp/ro/link"); print("symlinked")
except OSError as e:
    print(errno.errorcode[e.errno])'
	is "$OUT" EROFS "$who: no symlink can be planted in a read-only bind"
	if [ "$(id -u)" != 0 ]; then
		skip "needs a file owned by root" "$who: :rw does not bypass permissions"
	else
		pj_as "$who" --bind "$B/locked:/tmp/ro:rw" -c 'open("/tmp/ro/file.txt", "a").write("x")'
		is "$RC:$(tail -n1 <<<"$ERR")" "1:PermissionError: [Errno 13] Permission denied: '/tmp/ro/file.txt'" \
			"$who: :rw does not bypass permissions (a root-owned 0644 file)"
	fi
done
finish
