#!/bin/bash
# A rootfs whose /tmp, /proc or /dev is a symlink to a host path (absolute, or
# climbing with ..) must be refused or handled safely.  pyjail resolves every
# mount target inside the rootfs (RESOLVE_IN_ROOT), where such a link leads
# nowhere: the run is refused with a message naming the path, and the host
# directory the link names is left alone.  (Resolving on the host instead would
# mount procfs or a tmpfs there and run: these tests would fail.)  A copy of the test rootfs (hard
# links where possible) is changed; the original is not touched.
. "$(dirname "$0")/attack-lib.sh"
require_rootfs
if [ -n "$BARE" ]; then
	echo "1..0 # SKIP nothing to compare on the bare host (check with a weakened build instead)"
	exit 0
fi
plan 12

root=$WORK/root
cp -al "$PYJAIL_TEST_ROOTFS" "$root" 2>/dev/null || cp -a "$PYJAIL_TEST_ROOTFS" "$root"
mkdir -p "$WORK/host"
chmod 755 "$WORK/host"
echo canary >"$WORK/host/canary"
chmod 644 "$WORK/host/canary"

probe_dir='import os, sys
d = sys.argv[1]
try:
    names = sorted(os.listdir(d))
except OSError as e:
    names = [str(e.errno)]
try:
    open(os.path.join(d, "written"), "w").close()
    w = "wrote"
except OSError as e:
    w = str(e.errno)
print("canary" in names, w, os.statvfs(d).f_type if hasattr(os.statvfs(d), "f_type") else "")'

for dir in tmp proc dev; do
	for target in "$WORK/host" "../../../../../../../../$WORK/host"; do
		rm -rf "${root:?}/$dir"
		ln -s "$target" "$root/$dir"
		"$PYJAIL" --config "$CONF" --rootfs "$root" -c "$probe_dir" /$dir >"$WORK/out" 2>"$WORK/err" </dev/null
		RC=$?
		ERR=$(cat "$WORK/err")
		like "$RC:$ERR" "^125:.*'/$dir'" "/$dir -> $target: refused, naming /$dir"
		is "$(ls -A "$WORK/host")" canary "/$dir -> $target: the host directory is untouched"
	done
	rm -f "$root/$dir"
	mkdir "$root/$dir"
done
finish
