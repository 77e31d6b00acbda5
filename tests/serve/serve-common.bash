# tests/serve/serve-common.bash: what the serve-*.sh tests share.  They start a real
# `pyjail serve` on the test rootfs and talk to it with `pyjail client` or, at the
# byte level, with serve-raw.py.
#   serve_conf TEXT        the config file (printf format) of the next serve_start;
#                          default: an empty one
#   serve_start WHO [SERVE-OPTIONS...]  start a server as WHO (root or user, see
#                          pj_whos) on $SOCK; its pid in $SPID, its stderr in $SLOG.
#                          Returns 1 if it did not get to "listening" ($SLOG says why).
#   serve_up WHO [SERVE-OPTIONS...]  serve_start, or else report why: as root a
#                          failure, as the test user a skip (serve-lifecycle.sh has the
#                          test that fails when the server cannot start as that user)
#   serve_stop [SIGNAL]    send SIGNAL (TERM) to the server and wait: exit status in $SRC
#   serve_leftovers        after serve_stop: one line for each thing the server left
#                          (a process, a cgroup, its socket, a mount); nothing if clean
#   raw ARGS...            serve-raw.py $SOCK ARGS (see there); OUT ERR RC
#   req CODE [ARGS...]     a capture-mode request with this code; OUT is the record
#   rec FIELD...           fields of the record in $OUT joined by "/": rec status stdout
#                          (FIELD may be a path: limits.memory.enforced_by)
#   client ARGS...         pyjail client --socket $SOCK ARGS (stdin /dev/null); OUT ERR RC
#   cmp_ok A OP B NAME     passes if test A OP B (-lt, -ge, ...)
#   todo COND-EXIT-STATUS NAME WHY  a known bug: "not ok ... # TODO WHY" (XFAIL); once
#                          it passes, "ok ... # TODO" (XPASS) fails make check: drop the todo
#   serve_finish           print the plan (at the end: each mode has its own tests) and exit
#   wait_for CMD...        run CMD until it succeeds, at most ~20 s; only waits, never measures
#   procs_are N PATTERN    N processes on the host match PATTERN (pgrep -f)
#
# PJ_SERVE_CMD="python3 tests/serve/weak-server.py --mode fork" runs the tests against
# a deliberately weak server instead: they must fail (see weak-server.py).
#
# As root the server runs in a cgroup made for it below ours in every hierarchy it
# uses (and the unified one), so "nothing left" is exact: no process in those
# cgroups and no cgroup below them.  Otherwise the server's process tree is
# recorded before it stops and none of those processes may survive it.
# shellcheck shell=bash disable=SC2034
. "$(dirname "$0")/../lib.sh"
require_rootfs

SERVE_DIR=$(cd "$(dirname "$0")" && pwd)
SRV_CONF=$PJ_EMPTY_CONF
SPID=
SRC=
SERVE_CG=()
_serve_cg_all=()
_serve_tree=()
_serve_n=0

serve_conf() {
	SRV_CONF=$(mktemp /tmp/pyjail-test-serve-conf.XXXXXX)
	pj_cleanup_add "$SRV_CONF"
	# shellcheck disable=SC2059
	printf "$1" >"$SRV_CONF"
	chmod 644 "$SRV_CONF"
}

# The directory of our cgroup in each hierarchy that pyjail uses (memory, pids, cpu,
# cpuacct) and in the unified one; empty unless root.
_serve_cg_parents() {
	[ "$(id -u)" = 0 ] || return 0
	python3 - <<'EOF'
mounts = []
for l in open("/proc/self/mountinfo"):
    pre, post = l.split(" - ", 1)
    f, g = pre.split(), post.split()
    mounts.append((f[3], f[4], g[0], set(g[2].split(","))))
for l in open("/proc/self/cgroup"):
    hid, ctrls, path = l.rstrip("\n").split(":", 2)
    want = set(ctrls.split(",")) if ctrls else set()
    if want and not want & {"memory", "pids", "cpu", "cpuacct"}:
        continue
    for root, mnt, fs, opts in mounts:
        ok = fs == "cgroup2" if not want else fs == "cgroup" and want <= opts
        if ok and (root == "/" or path == root or path.startswith(root + "/")):
            print(mnt + (path[len(root):] if root != "/" else path).rstrip("/"))
            break
EOF
}

_serve_cg_make() {
	local p d
	SERVE_CG=()
	for p in $(_serve_cg_parents); do
		d=$p/pj-serve-test-$$-$_serve_n
		mkdir "$d" 2>/dev/null || continue
		SERVE_CG+=("$d")
		_serve_cg_all+=("$d")
	done
}

# Every process in the server's cgroups (pid per line), and every cgroup below them.
_serve_cg_procs() {
	local d
	for d in "${SERVE_CG[@]}"; do
		find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null
	done | sort -un
}
_serve_cg_below() {
	local d
	for d in "${SERVE_CG[@]}"; do
		find "$d" -mindepth 1 -type d 2>/dev/null
	done
}

# Remove every cgroup made for a server, killing what is left in them (all of it ours).
_serve_cg_remove() {
	local p d i
	SERVE_CG=("${_serve_cg_all[@]}")
	for i in 1 2 3 4 5; do
		p=$(_serve_cg_procs)
		[ -z "$p" ] && break
		# shellcheck disable=SC2086
		kill -9 $p 2>/dev/null
		sleep 0.2
	done
	for d in "${_serve_cg_all[@]}"; do
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	SERVE_CG=()
}
# shellcheck disable=SC2016 # evaluated at exit
pj_at_exit '[ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null; _serve_cg_remove'

# pid:starttime of the process and its descendants.
_serve_descendants() {
	python3 - "$1" <<'EOF'
import os, sys
kids, start = {}, {}
for p in filter(str.isdigit, os.listdir("/proc")):
    try:
        f = open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()
    except (OSError, IndexError, ValueError):
        continue
    kids.setdefault(int(f[1]), []).append(int(p))
    start[int(p)] = f[19]
todo = [int(sys.argv[1])]
while todo:
    p = todo.pop()
    if p in start:
        print("%d:%s" % (p, start[p]))
    todo += kids.get(p, [])
EOF
}

serve_start() {
	local who=$1 i
	shift
	SDIR=$(mktemp -d /tmp/pyjail-test-serve.XXXXXX)
	pj_cleanup_add "$SDIR"
	chmod 755 "$SDIR"
	[ "$who" = user ] && [ "$(id -u)" = 0 ] && chown "$PJ_TEST_USER" "$SDIR"
	SOCK=$SDIR/s
	SLOG=$SDIR/log
	_serve_n=$((_serve_n + 1))
	_serve_cg_make
	_serve_mounts=$(grep -c "$PYJAIL_TEST_ROOTFS" /proc/self/mountinfo)
	local cmd=()
	[ "$who" = user ] && [ "$(id -u)" = 0 ] &&
		cmd=(setpriv --reuid="$PJ_TEST_USER" --regid="$PJ_TEST_USER" --clear-groups --inh-caps=-all)
	# PJ_SERVE_CMD: a stand-in for pyjail serve, given pyjail's command line (weak-server.py)
	# shellcheck disable=SC2206
	[ -n "${PJ_SERVE_CMD:-}" ] && cmd+=($PJ_SERVE_CMD)
	cmd+=("$PYJAIL" --config "$SRV_CONF" --rootfs "$PYJAIL_TEST_ROOTFS")
	sh -c 'while [ "$1" != -- ]; do echo $$ >"$1/cgroup.procs" || exit 125; shift; done
		shift; exec "$@"' sh "${SERVE_CG[@]}" -- "${cmd[@]}" serve --socket "$SOCK" "$@" \
		</dev/null >/dev/null 2>"$SLOG" &
	SPID=$!
	for i in $(seq 300); do
		grep -q "^pyjail serve: listening on $SOCK\$" "$SLOG" && return 0
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$SPID" 2>/dev/null
	SPID=
	return 1
}

serve_up() {
	serve_start "$@" && return 0
	if [ "$1" = user ]; then
		skip "the server does not start as $PJ_TEST_USER: $(head -c 150 "$SLOG")" "$1: serve"
	else
		_report 1 "$1: the server starts" "$(cat "$SLOG")"
	fi
	return 1
}

# shellcheck disable=SC2120 # the signal is optional
serve_stop() {
	local sig=${1:-TERM}
	[ ${#SERVE_CG[@]} = 0 ] && mapfile -t _serve_tree < <(_serve_descendants "$SPID")
	kill -s "$sig" "$SPID"
	wait "$SPID"
	SRC=$?
	SPID=
}

_serve_alive() { # pid:start...
	local e p s
	for e in "$@"; do
		p=${e%%:*} s=${e#*:}
		[ "$(awk '{sub(/.*\) /, ""); print $20}' "/proc/$p/stat" 2>/dev/null)" = "$s" ] &&
			echo "$p"
	done
}

_serve_left() {
	local p
	[ -e "$SOCK" ] && echo "socket $SOCK"
	if [ ${#SERVE_CG[@]} -gt 0 ]; then
		for p in $(_serve_cg_procs); do echo "process $p ($(cat "/proc/$p/comm" 2>/dev/null))"; done
		# On cgroup v2 a server that had to move into a leaf of its own
		# (pyjail-*-self) cannot remove the cgroup it is in: the next run reaps
		# it (pyjail(1), as limits/serve.sh allows).  Its processes are checked
		# above; any other cgroup is a leftover.
		_serve_cg_below | grep -v -- '/pyjail-[0-9]*-[0-9]*-self$' | sed 's/^/cgroup /'
	else
		for p in $(_serve_alive "${_serve_tree[@]}"); do echo "process $p"; done
	fi
	[ "$(grep -c "$PYJAIL_TEST_ROOTFS" /proc/self/mountinfo)" = "$_serve_mounts" ] ||
		echo "mounts of $PYJAIL_TEST_ROOTFS: $(grep -c "$PYJAIL_TEST_ROOTFS" /proc/self/mountinfo), were $_serve_mounts"
}
_serve_clean() { [ -z "$(_serve_left)" ]; }
serve_leftovers() {
	wait_for _serve_clean
	_serve_left
}

wait_for() {
	local end=$((SECONDS + 20))
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

procs_are() { [ "$(pgrep -fc "$2")" = "$1" ]; }

raw() { _pj_capture python3 "$SERVE_DIR/serve-raw.py" "$SOCK" "$@" </dev/null; }
req() { raw code -- "$@"; }
rec() {
	printf '%s' "$OUT" | python3 -c '
import json, sys
try:
    d = json.loads(sys.stdin.read())
except ValueError:
    print("(not a record)")
    sys.exit()
def get(k):
    v = d
    for part in k.split("."):
        v = v.get(part) if isinstance(v, dict) else None
    return str(v).rstrip("\n")
print("/".join(get(k) for k in sys.argv[1:]))' "$@"
}
client() { _pj_capture "$PYJAIL" client --socket "$SOCK" "$@" </dev/null; }

cmp_ok() { # a op b name: test "$1" OP "$3"
	if test "$1" "$2" "$3" 2>/dev/null; then _report 0 "$4"; else _report 1 "$4" "got: '$1', want $2 $3"; fi
}
serve_finish() { # the plan, now that the number of tests is known; the exit status
	plan "$_tap_n"
	finish
}
todo() { # exit-status name why
	_tap_n=$((_tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_tap_n - $2 # TODO $3"
	else
		echo "not ok $_tap_n - $2 # TODO $3"
	fi
}
