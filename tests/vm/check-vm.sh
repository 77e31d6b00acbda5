#!/bin/bash
# check-vm.sh: run the limit tests on a pure cgroup v2 host.  `make check-vm`.
#
# Boots a throwaway QEMU VM (run-in-vm.sh: Debian's generic kernel under software
# emulation, the host's / read-only under a tmpfs overlay, the kernel booted with
# cgroup_no_v1=all so cgroup2 is the only hierarchy, +memory +pids +cpu enabled in
# the root cgroup) and runs the given tests there (guest.sh), in three modes:
# root (cgroup2 from the root cgroup), the unprivileged test user without
# delegation (rlimits), and that user in a delegated cgroup of its own, made the
# way systemd makes one for `systemd-run --user --scope -p Delegate=yes`.
#
# run-in-vm.sh is the team's script (../shared/notes/vm), kept byte-identical so
# that its cache key, and so the cached initramfs, stays shared with other users.
#
# Usage: check-vm.sh --srcdir DIR --builddir DIR [--rootfs DIR] TEST...
# Needs root (QEMU is installed with apt-get if missing, the kernel package is
# downloaded into /var/cache/run-in-vm on the first run, ~20 s).  Exit status: 0
# if every test passed, 1 if one failed, 77 (skip) if no VM can be booted here.
set -u
here=$(cd "$(dirname "$0")" && pwd)
srcdir='' builddir='' rootfs=''
while [ $# -gt 0 ]; do
	case $1 in
	--srcdir) srcdir=$2; shift 2 ;;
	--builddir) builddir=$2; shift 2 ;;
	--rootfs) rootfs=$2; shift 2 ;;
	*) break ;;
	esac
done
[ -n "$srcdir" ] && [ -n "$builddir" ] && [ $# -gt 0 ] ||
	{ echo "usage: $0 --srcdir DIR --builddir DIR [--rootfs DIR] TEST..." >&2; exit 2; }
if [ -z "$rootfs" ]; then
	rootfs=$("$builddir/src/pyjail" check 2>/dev/null | awk '$2 == "rootfs" {print $3}')
fi
if [ ! -e "$rootfs/etc/pyjail-rootfs" ]; then
	echo "check-vm: no rootfs at '$rootfs': make rootfs, or pass PYJAIL_TEST_ROOTFS=DIR" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "check-vm: SKIP: needs root (QEMU, 9p shares of the build tree)" >&2
	exit 77
fi
# run-in-vm.sh installs QEMU itself; it also needs cpio and xz for the initramfs and kernel
for tool in cpio:cpio xz:xz-utils; do
	command -v "${tool%%:*}" >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${tool#*:}" >&2 ||
		{ echo "check-vm: cannot install ${tool#*:}" >&2; exit 1; }
done
srcdir=$(realpath "$srcdir") builddir=$(realpath "$builddir") rootfs=$(realpath "$rootfs")
shares=()
for d in "$srcdir" "$builddir" "$rootfs"; do
	# the guest's /tmp, /run and /var/tmp are fresh tmpfs: share what lives there
	case $d in /tmp/* | /run/* | /var/tmp/*) shares+=(--share "$d") ;; esac
done
[ ${#shares[@]} -gt 0 ] || shares=(--share "$builddir")

start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
bash "$here/run-in-vm.sh" --mem 2G --timeout "${CHECK_VM_TIMEOUT:-1800}" "${shares[@]}" -- \
	bash "$srcdir/tests/vm/guest.sh" "$srcdir" "$builddir" "$rootfs" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
secs=$(($(date +%s) - start))
pass=$(grep -c '^ok ' "$log")
skips=$(grep -c '^ok .*# SKIP' "$log")
fail=$(grep -c '^not ok ' "$log")
echo "check-vm: $((pass - skips)) passed, $fail failed, $skips skipped, in ${secs}s (VM exit $rc)"
if [ "$rc" = 125 ] || [ "$rc" = 124 ]; then
	echo "check-vm: the VM did not complete (see above)" >&2
	exit 1
fi
[ "$rc" = 0 ] && [ "$fail" = 0 ] && [ "$pass" -gt 0 ]
