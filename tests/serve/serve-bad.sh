#!/bin/bash
# pyjail serve: bad requests get a clear setup-error record and disturb nothing.
# Malformed JSON, invalid UTF-8, a list, unknown fields, duplicate keys, two
# programs, wrong types, options that are not limits (rootfs, bind, env, ...),
# limits above the server's, a request larger than max_request (whole or in
# pieces), a client that sends nothing (request_timeout), the wrong number of
# passed fds; a client that goes away before or while its request runs (its jail
# is killed).  Signal lines: only HUP, INT, QUIT and TERM reach the program.
# After every bad request the server still answers a good one correctly.
. "$(dirname "$0")/serve-common.bash"

serve_conf '[serve]\nmax_request = 1K\nrequest_timeout = 1s\n'
tag=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')

# refused WHO ERROR-REGEX NAME: the record in $OUT is a setup error whose message
# matches ERROR-REGEX (anchored at its start).  (Each is also the request after
# the one before: the server answered it correctly.)
refused() {
	like "$(rec status exit_code signal error)" "^setup-error/None/None/$2" \
		"$1: $3: a setup-error record saying why"
}
# serving WHO AFTER: a good request runs
serving() {
	req 'print(6 * 7)'
	is "$(rec status stdout)" exited/42 "$1: after $2: a good request runs"
}

bad() {
	local w=$1 big
	raw bytes '{"code": \n'
	refused "$w" "request: malformed JSON at column" "truncated JSON"
	raw bytes '{"code": "print(1)"\xff}\n'
	refused "$w" "request: malformed JSON.*0xff" "invalid UTF-8"
	raw bytes '[1, 2]\n'
	refused "$w" "request: not a JSON object$" "a JSON list"
	raw send '{"code": "print(1)", "foo": 1}'
	refused "$w" "request: unknown field 'foo'$" "an unknown field"
	raw send '{"script": {"path": "a.py", "text": "", "mode": "x"}}'
	refused "$w" "request: unknown field 'script.mode'$" "an unknown script field"
	raw send '{"code": "print(1)", "code": "print(2)"}'
	refused "$w" "request: malformed JSON.*duplicate" "a duplicate key"
	raw send '{"code": "print(1)", "module": "json.tool"}'
	refused "$w" "request: give at most one of 'code', 'module'" "two programs"
	raw send '{"code": 1}'
	refused "$w" "request: 'code' must be a string$" "a number as code"
	raw send '{"code": "print(1)", "args": "x"}'
	refused "$w" "request: 'args' must be an array of strings$" "a string as args"
	raw send '{"code": "print(1)", "stdin": "x"}' --fds 3
	refused "$w" "request: 'stdin' is for requests without passed fds$" "stdin with passed fds"
	serving "$w" "malformed requests"
	for o in rootfs bind env config profile cwd landlock socket workers; do
		raw send "{\"code\": \"print(1)\", \"options\": {\"$o\": \"/\"}}"
		refused "$w" "request: option '$o' is not allowed" "option '$o'"
	done
	raw send '{"code": "print(1)", "options": {"memory": "1G"}}'
	refused "$w" "request: option 'memory': 1G is above the server's maximum 128M$" "memory above the server's"
	raw send '{"code": "print(1)", "options": {"pids": 1000}}'
	refused "$w" "request: option 'pids': 1000 is above the server's maximum 32$" "pids above the server's"
	raw send '{"code": "print(1)", "options": {"wall-time": "1h"}}'
	refused "$w" "request: option 'wall-time'.* above the server's maximum" "wall-time above the server's"
	raw send '{"code": "print(1)", "options": {"memory": "lots"}}'
	refused "$w" "request: option 'memory'" "a bad memory value"
	raw send '{"code": "print(1)", "options": {"memory": -1}}'
	refused "$w" "request: option 'memory' must be a string or a number$" "a negative memory value"
	serving "$w" "bad options"
	raw send '{"code": "print(1)"}' --fds 2
	refused "$w" "request: pass exactly 3 fds" "2 passed fds"
	raw send '{"code": "print(1)"}' --fds 4
	refused "$w" "request: pass exactly 3 fds" "4 passed fds"
	serving "$w" "wrong fd counts"

	# max_request = 1K: a 2K request, in one write and as a line that never ends
	big=$(python3 -c 'import json; print(json.dumps({"code": "x = %r\nprint(len(x))" % ("a" * 2000)}))')
	raw send "$big"
	refused "$w" "request: larger than max_request \(1024 bytes\)$" "2K in one write"
	raw bytes "{\"code\": \"$(printf 'a%.0s' $(seq 3000))"
	refused "$w" "request: larger than max_request \(1024 bytes\)$" "3K without a newline"
	serving "$w" "oversized requests"
	# request_timeout = 1s
	raw idle
	refused "$w" "request: not received within request_timeout" "a client that sends nothing"
	raw bytes '{"code": "pri'
	refused "$w" "request: not received within request_timeout" "a client that stops mid-line"
	serving "$w" "slow clients"

	# gone before its request was whole, or while it runs
	raw bytes '{"code": "pri' --close
	is "$RC/$OUT" 0/ "$w: a client closes mid-line"
	req 'print(6 * 7)'
	is "$(rec status stdout)" exited/42 "$w: the next request runs"
	python3 "$SERVE_DIR/serve-raw.py" "$SOCK" send "$(python3 -c 'import json, sys; print(json.dumps({"code": sys.argv[1], "args": [sys.argv[2]]}))' 'import os, sys, time
if os.fork() == 0:
    os.setsid()
    os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)", "badbg-" + sys.argv[1]])
time.sleep(60)' "$tag")" >"$SDIR/gone.out" 2>&1 &
	local cl=$!
	wait_for procs_are 1 "badbg-$tag"
	# shellcheck disable=SC2034 # ERR: read by ok()
	OUT=$(cat "$SDIR/gone.out") ERR=
	ok "$([ "$(pgrep -fc "badbg-$tag")" = 1 ]; echo $?)" "$w: a running request left a background process"
	kill -9 "$cl"
	wait "$cl" 2>/dev/null
	wait_for procs_are 0 "badbg-$tag"
	is "$(pgrep -fc "badbg-$tag")" 0 "$w: its client went away: the jail is killed, background and all"
	req 'print(6 * 7)'
	is "$(rec status stdout)" exited/42 "$w: the next request runs"

	# signal lines: KILL and STOP are not forwarded, TERM is (sent later or
	# in the same write as the request)
	local slow="{\"code\": \"import time; time.sleep(1); print('alive')\"}"
	raw send "$slow" --signal 9 --signal 19 --later
	is "$(rec status stdout)" exited/alive "$w: {\"signal\": 9} and 19 are not forwarded"
	raw send "$slow" --signal 15 --later
	is "$(rec status signal)" signaled/15 "$w: {\"signal\": 15} is forwarded"
	raw send "$slow" --signal 15
	is "$(rec status signal)" signaled/15 "$w: {\"signal\": 15} in the same write as the request is forwarded"
	raw send "$slow" --signal 1 --later
	is "$(rec status signal)" signaled/1 "$w: {\"signal\": 1} is forwarded"
	raw bytes "$slow\n{\"signal\": \"x\"}\n{]\n$(printf 'x%.0s' $(seq 5000))\n"
	is "$(rec status stdout)" exited/alive "$w: bad control lines are ignored"
	ok "$(kill -0 "$SPID"; echo $?)" "$w: the server is still running"
}

for who in $(pj_whos); do
	serve_up "$who" --pool 1 --workers 2 --memory 128M --pids 32 --wall-time 60 || continue
	bad "$who"
	serve_stop
	is "$SRC" 0 "$who: SIGTERM: the server exits 0"
	is "$(serve_leftovers)" "" "$who: the server left nothing behind"
done
serve_finish
