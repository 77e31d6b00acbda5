# shellcheck shell=bash disable=SC2034,SC2154
# tests/limits/common.bash: what the limit tests share, on top of tests/lib.sh.
#
# Every limit test runs its checks once per "mode":
#   root   pyjail run by root: the host's cgroup backend (cgroup1 here, cgroup2 on
#          a pure v2 host) must enforce memory, pids and CPU
#   user   pyjail run by the unprivileged test user with no delegation: rlimits
#          stand in, and the record must say so
#   deleg  (root, pure cgroup v2, PJ_TEST_DELEGATE=/sys/fs/cgroup/SOME/DIR) the test
#          user in a fresh delegated cgroup of its own, as `systemd-run --user --scope
#          -p Delegate=yes` makes one: cgroup2 must enforce
#   self   (not root) whoever runs the tests
# The expected enforcer of each mode is worked out here from the host's cgroup
# layout, independently of pyjail, so a silent fallback to rlimits fails the tests.
# shellcheck shell=bash

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
require_rootfs

# The cgroup filesystem type at /sys/fs/cgroup: cgroup2fs on a pure v2 host.
_cg_fstype=$(stat -fc %T /sys/fs/cgroup 2>/dev/null)

limit_modes() {
	if [ "$(id -u)" != 0 ]; then
		echo self
	elif [ -n "${PJ_TEST_DELEGATE:-}" ]; then
		echo root user deleg
	else
		echo root user
	fi
}

# What root gets: cgroup2 on a pure v2 host (or a unified tree with memory+pids),
# cgroup1 where the v1 memory and pids hierarchies are mounted, else rlimit.
_root_backend() {
	if [ "$_cg_fstype" = cgroup2fs ]; then
		echo cgroup2
	elif grep -qw memory /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null &&
		grep -qw pids /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
		echo cgroup2
	elif grep -q '^[0-9]*:memory:' /proc/self/cgroup && grep -q '^[0-9]*:pids:' /proc/self/cgroup; then
		echo cgroup1
	else
		echo rlimit
	fi
}

# A non-root user gets cgroup2 only in a delegated cgroup with memory+pids on offer.
_self_backend() {
	local d
	d=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)
	if [ "$_cg_fstype" = cgroup2fs ] && [ -w "$d/cgroup.subtree_control" ] &&
		grep -qw memory "$d/cgroup.controllers" && grep -qw pids "$d/cgroup.controllers"; then
		echo cgroup2
	else
		echo rlimit
	fi
}

# The enforced_by a cgroup limit (memory, pids, cpu_time) must show in MODE.
cg_expect() {
	case $1 in
	root) _root_backend ;;
	user) echo rlimit ;;
	deleg) echo cgroup2 ;;
	self) _self_backend ;;
	esac
}
# The same for cpu_quota, which has no rlimit.
quota_expect() {
	local b
	b=$(cg_expect "$1")
	[ "$b" = rlimit ] && echo none || echo "$b"
}

# Like pj_user, but in a fresh cgroup delegated to the test user (owner of the
# directory and of cgroup.procs, cgroup.subtree_control and cgroup.threads, as
# systemd does for Delegate=yes), holding only this pyjail.  Afterwards the cgroup
# is removed with whatever pyjail left in it, as systemd removes a finished scope.
pj_deleg() {
	local scope e o
	scope=$PJ_TEST_DELEGATE/scope-$$-$RANDOM
	mkdir "$scope" || return 1
	chown "$PJ_TEST_USER" "$scope" "$scope/cgroup.procs" "$scope/cgroup.subtree_control" \
		"$scope/cgroup.threads"
	e=$(mktemp) o=$(mktemp)
	chmod 666 "$e" "$o"
	(
		echo 0 >"$scope/cgroup.procs" || exit 99
		exec setpriv --reuid="$PJ_TEST_USER" --regid="$PJ_TEST_USER" --clear-groups \
			--inh-caps=-all "$PYJAIL" --config "$PJ_EMPTY_CONF" \
			--rootfs "$PYJAIL_TEST_ROOTFS" "$@" >"$o" 2>"$e" </dev/null
	)
	RC=$?
	OUT=$(cat "$o") ERR=$(cat "$e")
	rm -f "$o" "$e"
	# what pyjail left in the scope: its own leaf (it cannot remove the cgroup it
	# is in), never a jail's
	DELEG_SELF=$(find "$scope" -mindepth 1 -type d -name 'pyjail-*-self' | wc -l)
	DELEG_LEFT=$(find "$scope" -mindepth 1 -type d -name 'pyjail-*' ! -name '*-self' | wc -l)
	find "$scope" -depth -type d -exec rmdir {} + 2>/dev/null
	return 0
}

# Run pyjail in MODE; sets OUT, ERR, RC like pj.
pj_in() {
	local mode=$1
	shift
	case $mode in
	root | self) pj "$@" ;;
	user) pj_user "$@" ;;
	deleg) pj_deleg "$@" ;;
	esac
}

# Modes need the test user; say why a mode is skipped.
mode_ready() {
	case $1 in
	user | deleg) have_test_user ;;
	*) true ;;
	esac
}

# The v1 memory cgroup (as /proc/PID/cgroup has it) of a process marked MARK
# whose cgroup matches the glob PATTERN, if one is.
memcg_of() { # mark pattern
	local p cg
	for p in $(pgrep -f "$1"); do
		cg=$(sed -n 's/^[0-9]*:memory://p' "/proc/$p/cgroup" 2>/dev/null)
		# shellcheck disable=SC2254 # the pattern is a glob on purpose
		case $cg in $2) echo "$cg" && return ;; esac
	done
}

# Several fields of the record in $OUT at once, joined by "/" (one python3 start).
jsons() {
	printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
def get(path):
    v = d
    for k in path.split("."):
        v = v[k]
    return json.dumps(v) if isinstance(v, bool) or v is None else str(v)
print("/".join(get(p) for p in sys.argv[1:]))' "$@" 2>/dev/null
}
done_testing() {
	plan "$_tap_n"
	finish
}
