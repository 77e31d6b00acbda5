#!/bin/bash
# guest.sh: inside the check-vm VM (pure cgroup v2, root, in the root cgroup):
# prepare a delegation point and run each limit test script, TAP to stdout.
# Usage: guest.sh SRCDIR BUILDDIR ROOTFS TEST...
set -u
srcdir=$1 builddir=$2 rootfs=$3
shift 3
export PYJAIL=$builddir/src/pyjail PYJAIL_TEST_ROOTFS=$rootfs abs_top_builddir=$builddir
echo "# guest: kernel $(uname -r); /sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup);" \
	"root subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] || grep -q '^[0-9]*:[a-z]' /proc/self/cgroup; then
	echo "Bail out! not a pure cgroup v2 guest"
	exit 1
fi
# The delegation point: a cgroup with the controllers on offer to its children
# (the tests make one child per run, owned by the test user, like a systemd scope).
export PJ_TEST_DELEGATE=/sys/fs/cgroup/delegated
mkdir -p "$PJ_TEST_DELEGATE"
echo "+memory +pids +cpu" >"$PJ_TEST_DELEGATE/cgroup.subtree_control" || exit 1
fail=0
for t in "$@"; do
	echo "# ---- $t"
	t0=$(date +%s)
	bash "$srcdir/$t" || fail=1
	echo "# ---- $t: $(($(date +%s) - t0)) s"
done
echo "# ---- leftovers: $(find /sys/fs/cgroup -name 'pyjail-*' | wc -l) pyjail cgroups"
exit $fail
