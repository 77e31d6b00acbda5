# tests/serve/client-common.bash: what the client-*.sh tests share.  They test
# `pyjail client` and contrib/pyjail_client.py against tests/serve/fake-server.py,
# which speaks the server's side of the protocol and logs what it received.
#   fake ARGS...      start a fake server on $SOCK for one connection (ARGS: see
#                     fake-server.py); $LOG is emptied first
#   client ARGS...    pyjail client --socket $SOCK ARGS (stdin /dev/null); OUT ERR RC
#   client_stdin ...  the same with the caller's stdin
#   logq EXPR         a Python expression over L, the log's events, printed (JSON for
#                     lists, dicts and None): logq 'L[0]["request"]'
# shellcheck shell=bash disable=SC2034
: "${PYJAIL_TEST_ROOTFS:=/nonexistent}" # the fake server runs nothing: no rootfs needed
. "$(dirname "$0")/../lib.sh"

SERVE_DIR=$(cd "$(dirname "$0")" && pwd)
FAKE=$SERVE_DIR/fake-server.py
CONTRIB=$(cd "$SERVE_DIR/../.." && pwd)/contrib
pj_tmpdir WORK
SOCK=$WORK/s
LOG=$WORK/log
_fake_pids=()
pj_at_exit 'for p in "${_fake_pids[@]}"; do kill "$p" 2>/dev/null; done'

fake() {
	local pid
	: >"$LOG"
	rm -f "$SOCK"
	pid=$(python3 "$FAKE" --socket "$SOCK" --log "$LOG" "$@") || {
		echo "Bail out! the fake server did not start: $*"
		exit 1
	}
	_fake_pids+=("$pid")
}
client() { _pj_capture "$PYJAIL" client --socket "$SOCK" "$@" </dev/null; }
client_stdin() { _pj_capture "$PYJAIL" client --socket "$SOCK" "$@"; }

logq() {
	python3 -c '
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
v = eval(sys.argv[2])
print(json.dumps(v, sort_keys=True) if isinstance(v, (dict, list, bool)) or v is None else v)
' "$LOG" "$1"
}
