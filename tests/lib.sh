# tests/lib.sh: shared helpers for the shell TAP tests (integration, attacks, limits).
#
# Source it from a test script:   . "$(dirname "$0")/../lib.sh"
#   PYJAIL            the pyjail binary (default: the build tree's src/pyjail)
#   PYJAIL_TEST_ROOTFS  the rootfs the tests use (default: the compiled-in one)
#   pj ARGS...        run pyjail with the test rootfs and a private empty config
#   pj_user ARGS...   the same, as the unprivileged test user (root only; else skip)
#   plan N; ok COND-EXIT-STATUS "name"; is GOT WANT "name"; like GOT REGEX "name"; skip "why"
#                     (like is grep -E: it passes if any one line of GOT matches)
#   json FIELD        read a field of the JSON record in $OUT (python3 on the host)
#   pj_whos           the identities to test as: "root user" as root, "user" otherwise
#   pj_as WHO ARGS... pj as root, pj_user as the test user (pj_as_stdin: with stdin)
#   pj_cmd WHO [VAR=VALUE...]  the command line pj_as runs, in the array PJ_CMD (for
#                     background runs; VAR=VALUE go to pyjail's environment)
#   pj_tmpdir VAR [DIR]  VAR = a fresh directory under /tmp (or DIR), readable by the
#                     test user, removed at exit (pj_cleanup_add PATH removes more)
#   pj_at_exit 'CMD'  run CMD when the test exits (before those files are removed)
# Every test prints TAP and exits non-zero if any assertion failed.
# shellcheck shell=bash disable=SC2034  # OUT, ERR and RC are set for the tests
set -u

: "${PYJAIL:=${abs_top_builddir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}/src/pyjail}"
if [ -z "${PYJAIL_TEST_ROOTFS:-}" ]; then
	PYJAIL_TEST_ROOTFS=$("$PYJAIL" check 2>/dev/null | awk '$2 == "rootfs" {print $3}')
fi
export PYJAIL PYJAIL_TEST_ROOTFS
PJ_TEST_USER=${PJ_TEST_USER:-pyjail-test}
PJ_EMPTY_CONF=$(mktemp /tmp/pyjail-test-conf.XXXXXX)
chmod 644 "$PJ_EMPTY_CONF"
_tap_n=0
_tap_fail=0
_pj_cleanup=("$PJ_EMPTY_CONF")
_pj_at_exit=()
pj_cleanup_add() { _pj_cleanup+=("$@"); }
pj_at_exit() { _pj_at_exit+=("$1"); }
_pj_exit() {
	local c
	for c in "${_pj_at_exit[@]}"; do eval "$c"; done
	rm -rf "${_pj_cleanup[@]}"
}
trap _pj_exit EXIT

plan() { echo "1..$1"; }
_report() { # status name [diag]
	_tap_n=$((_tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_fail=$((_tap_fail + 1))
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
	fi
	return 0
}
ok() { # exit-status name
	_report "$([ "$1" = 0 ] && echo 0 || echo 1)" "$2" "${OUT:+stdout: ${OUT:0:400}}${ERR:+ stderr: ${ERR:0:400}}"
}
is() { # got want name
	if [ "$1" = "$2" ]; then _report 0 "$3"; else _report 1 "$3" "got: '$1'  want: '$2'"; fi
}
like() { # got regex name
	if printf '%s' "$1" | grep -Eq -- "$2"; then _report 0 "$3"; else _report 1 "$3" "got: '${1:0:400}'  want /$2/"; fi
}
skip() { # why [name]
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - ${2:-skipped} # SKIP $1"
}
# Compare numbers with awk: cmp_ok GOT OP WANT NAME
# OP is awk's (< <= == != >= >) or test's (-lt -le -eq -ne -ge -gt); anything else
# fails the check rather than passing it as an awk expression would.
cmp_ok() { # a op b name
	local op
	case $2 in
	'<' | '<=' | '==' | '!=' | '>=' | '>') op=$2 ;;
	-lt) op='<' ;; -le) op='<=' ;; -eq) op='==' ;; -ne) op='!=' ;; -ge) op='>=' ;; -gt) op='>' ;;
	*) op=BAD ;;
	esac
	if [ "$op" != BAD ] && [ -n "$1" ] && awk -v a="$1" -v b="$3" "BEGIN { exit !(a+0 $op b+0) }"; then
		_report 0 "$4"
	else
		_report 1 "$4" "got: $1, want $2 $3"
	fi
}

finish() { exit $((_tap_fail > 0)); }

# Run pyjail; sets OUT, ERR and RC.  Config: an empty file, so the host's
# /etc/pyjail/pyjail.conf cannot change what the tests see.
# _pj_capture CMD...: run CMD with stdout and stderr in files (readable by the test
# user too), set OUT, ERR and RC.
_pj_capture() {
	local e o
	e=$(mktemp) o=$(mktemp)
	chmod 666 "$e" "$o"
	"$@" >"$o" 2>"$e"
	RC=$?
	OUT=$(cat "$o") ERR=$(cat "$e")
	rm -f "$o" "$e"
	return 0
}
pj() {
	_pj_capture "$PYJAIL" --config "$PJ_EMPTY_CONF" --rootfs "$PYJAIL_TEST_ROOTFS" "$@" </dev/null
}
# The same with stdin from the caller.
pj_stdin() {
	_pj_capture "$PYJAIL" --config "$PJ_EMPTY_CONF" --rootfs "$PYJAIL_TEST_ROOTFS" "$@"
}

have_test_user() {
	[ "$(id -u)" = 0 ] || return 1
	id "$PJ_TEST_USER" >/dev/null 2>&1 ||
		useradd --system --no-create-home --shell /usr/sbin/nologin "$PJ_TEST_USER" >/dev/null 2>&1
	id "$PJ_TEST_USER" >/dev/null 2>&1
}
# Run pyjail as the unprivileged test user (no groups, no capabilities).
pj_user() {
	_pj_capture setpriv --reuid="$PJ_TEST_USER" --regid="$PJ_TEST_USER" --clear-groups \
		--inh-caps=-all "$PYJAIL" --config "$PJ_EMPTY_CONF" --rootfs "$PYJAIL_TEST_ROOTFS" \
		"$@" </dev/null
}

# A field of the JSON record in $OUT: json status, json limits.memory.enforced_by
json() {
	printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
for k in sys.argv[1].split("."):
    d = d[k] if isinstance(d, dict) else d[int(k)]
print(json.dumps(d) if isinstance(d, (dict, list, bool)) or d is None else d)' "$1" 2>/dev/null
}

require_rootfs() {
	if [ -z "$PYJAIL_TEST_ROOTFS" ] || [ ! -e "$PYJAIL_TEST_ROOTFS/etc/pyjail-rootfs" ]; then
		echo "Bail out! no rootfs at '$PYJAIL_TEST_ROOTFS': run 'make rootfs' or set PYJAIL_TEST_ROOTFS"
		exit 1
	fi
}

# ---- running as root and as the ordinary test user ----
pj_whos() {
	if [ "$(id -u)" != 0 ]; then
		echo user
	elif have_test_user; then
		echo root user
	else
		echo root
	fi
}

# pj_cmd WHO [NAME=VALUE...]: the command pj_as WHO runs, in PJ_CMD (with those
# variables in pyjail's environment).  As root the test user is reached with
# setpriv; an unprivileged caller is the "user" itself.
pj_cmd() {
	local who=$1
	shift
	PJ_CMD=()
	if [ "$who" = user ] && [ "$(id -u)" = 0 ]; then
		PJ_CMD=(setpriv --reuid="$PJ_TEST_USER" --regid="$PJ_TEST_USER" --clear-groups
			--inh-caps=-all)
	fi
	[ $# = 0 ] || PJ_CMD+=(/usr/bin/env "$@")
	PJ_CMD+=("$PYJAIL" --config "$PJ_EMPTY_CONF" --rootfs "$PYJAIL_TEST_ROOTFS")
}

_pj_as() { # stdin-file who args...
	local in=$1 who=$2
	shift 2
	pj_cmd "$who"
	if [ "$in" = - ]; then
		_pj_capture "${PJ_CMD[@]}" "$@"
	else
		_pj_capture "${PJ_CMD[@]}" "$@" <"$in"
	fi
}
pj_as() { _pj_as /dev/null "$@"; }
pj_as_stdin() { _pj_as - "$@"; }

# pj_tmpdir VAR [PARENT]: VAR = a new directory for test files, readable (not
# writable) by the test user, removed at exit.
pj_tmpdir() {
	local _d
	_d=$(mktemp -d "${2:-/tmp}/pyjail-test.XXXXXX") || return 1
	chmod 755 "$_d"
	pj_cleanup_add "$_d"
	printf -v "$1" '%s' "$_d"
}
