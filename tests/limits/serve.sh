#!/bin/bash
# pyjail serve enforces the limits as a run does, with the backend this host gives
# (cgroup1 here, cgroup2 on a pure v2 host: this test is in `make check-vm` too):
# each request in its own cgroup, a stricter request limit rewritten into the
# prepared cgroup, the jailed interpreter never host root, and nothing left after
# SIGTERM.  Modes as in common.bash: root, the test user (rlimits), and the test
# user in a delegated cgroup (pure v2 only).
. "$(dirname "$0")/common.bash"

SDIR=$(mktemp -d /tmp/pyjail-test-serve.XXXXXX)
chmod 1777 "$SDIR"
pj_cleanup_add "$SDIR"
SPID=

# serve_in MODE: start a server as MODE on $SDIR/MODE.sock; SPID, SCOPE.
serve_in() {
	local mode=$1 sock=$SDIR/$1.sock
	SCOPE=
	case $mode in
	root | self)
		"$PYJAIL" --config "$PJ_EMPTY_CONF" --rootfs "$PYJAIL_TEST_ROOTFS" serve --pool 2 \
			--socket "$sock" 2>"$SDIR/$mode.log" &
		;;
	user)
		setpriv --reuid="$PJ_TEST_USER" --regid="$PJ_TEST_USER" --clear-groups --inh-caps=-all \
			"$PYJAIL" --config "$PJ_EMPTY_CONF" --rootfs "$PYJAIL_TEST_ROOTFS" serve \
			--pool 2 --socket "$sock" 2>"$SDIR/$mode.log" &
		;;
	deleg)
		SCOPE=$PJ_TEST_DELEGATE/serve-$$
		mkdir "$SCOPE" && chown "$PJ_TEST_USER" "$SCOPE" "$SCOPE/cgroup.procs" \
			"$SCOPE/cgroup.subtree_control" "$SCOPE/cgroup.threads"
		(
			echo 0 >"$SCOPE/cgroup.procs" || exit 99
			exec setpriv --reuid="$PJ_TEST_USER" --regid="$PJ_TEST_USER" --clear-groups \
				--inh-caps=-all "$PYJAIL" --config "$PJ_EMPTY_CONF" \
				--rootfs "$PYJAIL_TEST_ROOTFS" serve --pool 2 --socket "$sock"
		) 2>"$SDIR/$mode.log" &
		;;
	esac
	SPID=$!
	for _ in $(seq 200); do
		grep -q listening "$SDIR/$mode.log" 2>/dev/null && return 0
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

# client MODE ARGS...: pyjail client on MODE's server; OUT ERR RC.
client() {
	local mode=$1
	shift
	_pj_capture "$PYJAIL" client --socket "$SDIR/$mode.sock" "$@"
}

descendants() {
	local p
	for p in $(pgrep -P "$1"); do
		echo "$p"
		descendants "$p"
	done
}

stop_server() {
	kill -TERM "$SPID" 2>/dev/null
	wait "$SPID"
	SRC=$?
	SPID=
}
pj_at_exit '[ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null'

for mode in $(limit_modes); do
	mode_ready "$mode" || { skip "no test user" "$mode: serve"; continue; }
	if ! serve_in "$mode"; then
		ok 1 "$mode: the server started ($(tail -1 "$SDIR/$mode.log"))"
		continue
	fi
	by=$(cg_expect "$mode")

	client "$mode" --json -c 'print(1)'
	is "$(jsons status exit_code stdout limits.memory.enforced_by)" "exited/0/1
/$by" "$mode: a request runs; memory enforced by $by"

	client "$mode" --json --memory 64M -c 'b = bytearray(200 << 20); print("survived")'
	is "$(json limits.memory.value)" 67108864 "$mode: a stricter memory limit applies"
	if [ "$by" = rlimit ]; then
		like "$(json stderr)" MemoryError "$mode: 200 MiB refused under 64M (MemoryError)"
	else
		is "$(json status)/$(json stdout)" memory-limit/ "$mode: 200 MiB refused under 64M (OOM)"
	fi

	client "$mode" --json --pids 8 -c '
import os, time
n = 0
try:
    for i in range(50):
        if os.fork() == 0:
            time.sleep(2); os._exit(0)
        n += 1
except OSError:
    pass
print(n)'
	cmp_ok "$(json stdout)" -lt 50 "$mode: the pids limit refuses forks"
	[ "$by" = rlimit ] || is "$(json pids_limit_hit)" true "$mode: pids_limit_hit"

	client "$mode" --json -c 'b = bytearray(100 << 20); print(len(b) >> 20)'
	is "$(jsons status stdout)" "exited/100" "$mode: the next request has its full memory again"

	tree=$(descendants "$SPID")
	if [ "$mode" = root ]; then
		# the zygote and the interpreters it forked for the prepared jails
		uids=$(for p in $tree; do
			grep -qa "zygote.py" "/proc/$p/cmdline" 2>/dev/null && ps -o uid= -p "$p"
		done | sort -u | tr -d ' \n')
		is "$uids" 65534 "$mode: the jailed interpreters run as host uid 65534, never 0"
	fi

	stop_server
	is "$SRC" 0 "$mode: SIGTERM: the server exits 0"
	if [ -n "$SCOPE" ]; then
		is "$(find "$SCOPE" -mindepth 1 -type d -name 'pyjail-*' ! -name '*-self' | wc -l)" 0 \
			"$mode: no jail cgroup left in the delegated cgroup"
		find "$SCOPE" -depth -type d -exec rmdir {} + 2>/dev/null
	fi
	alive() { # how many of $tree still run (zombies being reaped do not count)
		local p n=0
		for p in $tree; do
			grep -qv '^[0-9]* ([^)]*) Z' "/proc/$p/stat" 2>/dev/null && n=$((n + 1))
		done
		echo "$n"
	}
	for _ in $(seq 100); do
		[ "$(alive)" = 0 ] && break
		sleep 0.1
	done
	is "$(alive)" 0 "$mode: none of the server's processes is left ($(echo "$tree" | wc -w) before)"
done
done_testing
