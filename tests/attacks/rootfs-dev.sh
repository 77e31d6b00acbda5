#!/bin/bash
# pyjail uses the rootfs's own read-only /dev (binding the five devices over its
# empty files) only when it holds exactly pyjail's layout: null zero full random
# urandom as regular files, fd stdin stdout stderr linking into /proc/self/fd, and
# a directory shm.  Anything else there (another entry, a link elsewhere, a device
# name that is a link) must not reach the jail: pyjail then builds /dev on a tmpfs
# as for any rootfs.  A copy of the test rootfs (hard links where possible) gets
# each /dev in turn; the original is not touched.
. "$(dirname "$0")/attack-lib.sh"
require_rootfs
if [ -n "$BARE" ]; then
	echo "1..0 # SKIP nothing to compare on the bare host"
	exit 0
fi
whos=$(pj_whos)
plan $((6 * $(wc -w <<<"$whos")))

root=$WORK/root
cp -al "$PYJAIL_TEST_ROOTFS" "$root" 2>/dev/null || cp -a "$PYJAIL_TEST_ROOTFS" "$root"

# A fresh /dev in the copy: pyjail's layout, then what the case changes.
layout() {
	rm -rf "${root:?}/dev"
	mkdir -m 755 "$root/dev"
	for n in null zero full random urandom; do
		: >"$root/dev/$n"
		chmod 666 "$root/dev/$n"
	done
	for n in 0:stdin 1:stdout 2:stderr; do
		ln -s "/proc/self/fd/${n%%:*}" "$root/dev/${n#*:}"
	done
	ln -s /proc/self/fd "$root/dev/fd"
	mkdir -m 1777 "$root/dev/shm"
}

probe='import os
m = [l.split() for l in open("/proc/self/mountinfo")]
print(sorted(os.listdir("/dev")), os.readlink("/dev/stdin"))
print([x[8] for x in m if x[4] == "/dev"], [x[8] for x in m if x[4] == "/dev/null"])
print(len(open("/dev/urandom", "rb").read(8)), open("/dev/null", "w").write("x"))'
names="['fd', 'full', 'null', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'urandom', 'zero'] /proc/self/fd/0"
own="$names
[] ['devtmpfs']
8 1"
tmpfs="$names
['tmpfs'] ['devtmpfs']
8 1"

for who in $whos; do
	layout
	PYJAIL_TEST_ROOTFS=$root pj_as "$who" -c "$probe"
	is "$OUT" "$own" "$who: pyjail's layout: the rootfs's /dev, with the host's devices bound in"

	layout
	: >"$root/dev/sda"
	PYJAIL_TEST_ROOTFS=$root pj_as "$who" -c "$probe"
	is "$OUT" "$tmpfs" "$who: an extra entry (sda): a tmpfs /dev without it"

	layout
	ln -sfn /etc/passwd "$root/dev/stdin"
	PYJAIL_TEST_ROOTFS=$root pj_as "$who" -c "$probe"
	is "$OUT" "$tmpfs" "$who: stdin linking elsewhere: a tmpfs /dev with the right link"

	layout
	rm "$root/dev/null"
	ln -s /etc/passwd "$root/dev/null"
	PYJAIL_TEST_ROOTFS=$root pj_as "$who" -c "$probe"
	is "$OUT" "$tmpfs" "$who: null as a link: a tmpfs /dev with the real device"

	layout
	rmdir "$root/dev/shm"
	: >"$root/dev/shm"
	PYJAIL_TEST_ROOTFS=$root pj_as "$who" -c "$probe"
	is "$OUT" "$tmpfs" "$who: shm not a directory: a tmpfs /dev"

	rm -rf "${root:?}/dev"
	mkdir -m 755 "$root/dev"
	PYJAIL_TEST_ROOTFS=$root pj_as "$who" -c "$probe"
	is "$OUT" "$tmpfs" "$who: an empty /dev (another builder's rootfs): a tmpfs /dev"
done
finish
