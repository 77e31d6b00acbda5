# shellcheck shell=bash disable=SC2034
# tests/attacks/attack-lib.sh: helpers for the attack tests, on top of tests/lib.sh.
#
#   jail ARGS...        pyjail with the test rootfs, config $CONF (default: empty) and
#                       --result; sets OUT, ERR, RC and REC (the JSON record)
#   py CODE [ARG...]    jail -c CODE ARG...
#   probe CHECK...      the static C probe (probe.c) inside the jail, one line per check
#   res CHECK           the probe's result for CHECK in $OUT (OK, EPERM, SIGSYS, ...)
#   denied NAME         how often the record says syscall NAME was refused (0 if never)
#   rec FIELD           a field of the record (as `json` reads $OUT)
#   need_probe          build the probe (gcc -static) or skip the whole test
#
# PJ_ATTACK_BARE=1 runs the same programs on the host without pyjail (python3, the
# probe), to show that the tests fail when nothing confines the program.
. "$(dirname "$0")/../lib.sh"

ATTACK_DIR=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/pyjail-attack.XXXXXX)
chmod 755 "$WORK"
CONF=$PJ_EMPTY_CONF
trap 'rm -rf "$WORK"; rm -f "$PJ_EMPTY_CONF"' EXIT
BARE=${PJ_ATTACK_BARE:-}
[ -n "$BARE" ] && echo "# PJ_ATTACK_BARE: running on the host without pyjail; failures expected"

jail() {
	rm -f "$WORK/rec.json"
	if [ -n "$BARE" ]; then
		_bare "$@"
		return 0
	fi
	"$PYJAIL" --config "$CONF" --rootfs "$PYJAIL_TEST_ROOTFS" --result "$WORK/rec.json" "$@" \
		>"$WORK/out" 2>"$WORK/err" </dev/null
	RC=$?
	OUT=$(cat "$WORK/out") ERR=$(cat "$WORK/err")
	REC=$(cat "$WORK/rec.json" 2>/dev/null || true)
	return 0
}

# Bare mode: drop pyjail's options, map the jail's paths to the host's.
_bare() {
	local args=() skip=0 a
	for a in "$@"; do
		if [ $skip = 1 ]; then skip=0; continue; fi
		case $a in
		--bind | --env | --wall-time | --memory | --pids | --tmp-size) skip=1 ;;
		--*) ;;
		*) args+=("${a//\/tmp\/probe/$WORK/probe}") ;;
		esac
	done
	(cd "$WORK" && python3 "${args[@]}") >"$WORK/out" 2>"$WORK/err" </dev/null
	RC=$?
	OUT=$(cat "$WORK/out") ERR=$(cat "$WORK/err") REC=
}

py() { jail -c "$@"; }

need_probe() {
	if ! command -v gcc >/dev/null ||
		! gcc -static -O1 -o "$WORK/probe" "$ATTACK_DIR/probe.c" 2>"$WORK/gcc.err"; then
		echo "1..0 # SKIP cannot build the static probe (gcc and libc6-dev needed): $(head -c 200 "$WORK/gcc.err" 2>/dev/null)"
		exit 0
	fi
}

# The probe runs as the program python execs, so it is under the same filter.
probe() {
	jail --bind "$WORK/probe:/tmp/probe" -c \
		'import os, sys; os.execv("/tmp/probe", ["/tmp/probe"] + sys.argv[1:])' "$@"
}

res() { printf '%s\n' "$OUT" | awk -v n="$1" '$1 == n { print $2 }'; }

rec() { OUT=$REC json "$1"; }

denied() {
	local n
	n=$(printf '%s' "$REC" | python3 -c '
import json, sys
try:
    print(json.loads(sys.stdin.read())["denied_syscalls"].get(sys.argv[1], 0))
except Exception:
    print("no-record")' "$1")
	echo "$n"
}

# A known gap, reported as TAP TODO: "not ok ... # TODO" does not fail the run,
# "ok ... # TODO" (fixed) shows as an unexpected pass and does.
todo_is() { # got want name reason
	_tap_n=$((_tap_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $_tap_n - $3 # TODO $4"
	else
		echo "not ok $_tap_n - $3 # TODO $4"
		echo "# got: '$1'  want: '$2'"
	fi
}
