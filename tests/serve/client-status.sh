#!/bin/bash
# pyjail client: the exit status and the stderr line for each status of the record,
# as the cold path gives them (pyjail(1) EXIT STATUS; result.c).
. "$(dirname "$0")/client-common.bash"

plan 17

# status_is FAKE-ARGS... -- RC ERR NAME: without --json
status_is() {
	local args=()
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	fake "${args[@]}"
	client -c pass
	is "$RC:$ERR" "$2:$3" "$4"
}

status_is --status exited --exit-code 0 -- 0 "" "exited 0: status 0, nothing on stderr"
status_is --status exited --exit-code 3 -- 3 "" "exited 3: status 3"
status_is --status exited --exit-code 255 -- 255 "" "exited 255: status 255"
status_is --status signaled --signal 11 -- 139 "" "signaled by 11: 128+11, no reason line"
status_is --status timeout --signal 9 -- 124 "pyjail: killed: wall-time limit reached" \
	"timeout: 124 and the reason"
status_is --status cpu-limit --signal 9 -- 137 "pyjail: killed: CPU-time limit reached" \
	"cpu-limit: 128+9 and the reason"
status_is --status cpu-limit --signal 24 -- 152 "pyjail: killed: CPU-time limit reached" \
	"cpu-limit by SIGXCPU: 128+24"
status_is --status memory-limit --signal 9 -- 137 "pyjail: killed: memory limit reached" \
	"memory-limit: 128+9 and the reason"
status_is --status output-limit --signal 9 -- 137 "pyjail: killed: output limit reached" \
	"output-limit: 128+9 and the reason"
status_is --status memory-limit -- 137 "pyjail: killed: memory limit reached" \
	"a limit kill without a signal: 128+9"
status_is --status exited --exit-code 1 --pids-limit-hit -- 1 \
	"pyjail: note: the process limit refused a fork or thread" "pids_limit_hit: the note"
status_is --status exited --exit-code 0 --pids-limit-hit -- 0 "" \
	"pids_limit_hit with success: no note"
status_is --status setup-error --error "server busy: 256 requests wait already" -- 125 \
	"pyjail: server busy: 256 requests wait already" "setup-error: 125, pyjail: MESSAGE"

# With --json: the record is the whole story; no reason line, the same status.
fake --status timeout --signal 9
client --json -c pass
is "$RC:$ERR:$(json status)" "124::timeout" "--json timeout: 124, the record, nothing on stderr"
fake --status setup-error --error "unknown field 'foo'"
client --json -c pass
is "$RC:$ERR:$(json error)" "125::unknown field 'foo'" \
	"--json setup-error: 125, the record, nothing on stderr"
fake --status signaled --signal 15
client --json -c pass
is "$RC:$(json signal)" "143:15" "--json signaled: 128+N"
fake --status exited --exit-code 7
client --json -c pass
is "$RC:$(json exit_code)" "7:7" "--json exited: the program's status"
finish
