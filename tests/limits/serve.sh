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

# The v1 memory cgroup of the server $SPID, below which its jails' cgroups are.
v1_base() {
	echo "/sys/fs/cgroup/memory$(sed -n 's/^[0-9]*:memory://p' "/proc/$SPID/cgroup")"
}

# light ROUND: three light requests at once (so that every prepared jail of the
# pool gets one); each allocates 20 MiB, prints 1 and SIGKILLs itself (killed,
# but not by the OOM killer).  Appends what is wrong with their records to $bad.
light() {
	local i f pids=() code='import os; b = bytearray(20 << 20); print(1, flush=True)'
	code+='; os.kill(os.getpid(), 9)'
	for i in 1 2 3; do
		"$PYJAIL" client --socket "$SDIR/$mode.sock" --json -c "$code" >"$SDIR/light.$i" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in 1 2 3; do
		# shellcheck disable=SC2034 # read by json and jsons
		OUT=$(cat "$SDIR/light.$i")
		f="$(jsons status signal pids_limit_hit)/$(json stdout)"
		[ "$f" = signaled/9/false/1 ] || bad+=" $1.$i:$f"
		[ "$(json peak_memory_bytes)" -lt $((64 << 20)) ] 2>/dev/null ||
			bad+=" $1.$i:peak=$(json peak_memory_bytes)"
		[ "$(json cpu_ms)" -lt 300 ] 2>/dev/null || bad+=" $1.$i:cpu_ms=$(json cpu_ms)"
	done
}

# Page faults counted in a v1 memory cgroup since it was made (never reset).
pgfaults() {
	sed -n 's/^pgfault //p' "$1/memory.stat" 2>/dev/null
}

# It prints getppid() first: 0 in a prepared jail, 1 in a cold one.
heavy_request() {
	client "$1" --json -c '
import os, time
print(os.getppid(), flush=True)
b = bytearray(150 << 20)
t = time.process_time()
while time.process_time() - t < 0.4:
    pass
try:
    while True:
        if os.fork() == 0:
            time.sleep(3); os._exit(0)
except OSError:
    pass
c = bytearray(1 << 30)'
}

# The server reuses a request's cgroup for later requests (cgroup v1), and no
# later request sees what an earlier one left in its counters.  A heavy request
# peaks at 150 MiB, uses 0.4 s of CPU, hits the pids limit and is killed by the
# OOM killer; light requests follow until one of them ran in the heavy one's
# cgroup (its 20 MiB show as 5120 more page faults there: the cgroup's fault
# count is never reset).  Their records must show their own peak, CPU, pids and
# status.
reused_cgroups() {
	local mode=$1 by=$2 heavy='' base=0 faults=0 round bad=''
	# It must run in a prepared jail (getppid() 0, see too_strict), whose cgroup
	# the server keeps; a request that finds none ready runs cold, in a cgroup
	# removed after it.  Sent again (bounded) until it ran prepared.
	for _ in 1 2 3 4 5; do
		heavy_request "$mode"
		[ "$(json stdout)" = 0 ] && break
		sleep 0.5
	done
	[ "$by" = rlimit ] || is "$(jsons status pids_limit_hit)/$(json stdout)" memory-limit/true/0 \
		"$mode: reuse: a heavy request in a prepared jail: 150 MiB, 0.4 s of CPU, the pids limit, OOM"
	if [ "$by" = cgroup1 ]; then
		# the server's own (pyjail-<pid>-...), not cold runs' kept sets (pyjail-keep-N)
		heavy=$(grep -l '^oom_kill [1-9]' "$(v1_base)"/pyjail-[0-9]*/memory.oom_control)
		is "$(echo "$heavy" | wc -w)" 1 "$mode: reuse: the heavy request's cgroup is found"
		heavy=$(dirname "$heavy")
		base=$(pgfaults "$heavy")
	fi
	for round in 1 2 3 4 5 6; do
		light "$round"
		if [ -z "$heavy" ]; then
			[ "$round" = 2 ] && break
			continue
		fi
		faults=$(($(pgfaults "$heavy") - base)) || break
		[ "$faults" -ge 5120 ] && break
	done
	is "$bad" "" "$mode: reuse: later requests start from zero (peak, CPU, pids, status)"
	[ -n "$heavy" ] || return 0
	[ -d "$heavy" ]
	ok $? "$mode: reuse: the heavy request's cgroup was kept for others"
	cmp_ok "$faults" -ge 5120 "$mode: reuse: a light request ran in it ($faults faults, $round rounds)"
}

# A stricter limit that a prepared cgroup cannot take runs in a cold jail of its
# own, enforced there: a CPU quota asked of a server that has none (so its v1
# cgroups have no cpu controller).  A cold jail's program has a parent in its PID
# namespace (getppid() 1); a prepared one's has not (0).
too_strict() {
	local sock=$SDIR/strict.sock pid
	"$PYJAIL" --config "$PJ_EMPTY_CONF" --rootfs "$PYJAIL_TEST_ROOTFS" serve --pool 1 \
		--cpu-quota unlimited --socket "$sock" 2>"$SDIR/strict.log" &
	pid=$!
	for _ in $(seq 200); do
		grep -q listening "$SDIR/strict.log" 2>/dev/null && break
		sleep 0.1
	done
	_pj_capture "$PYJAIL" client --socket "$sock" --json --cpu-quota 50% \
		-c 'import os; print(os.getppid())'
	is "$(jsons status limits.cpu_quota.enforced_by)/$(json stdout)" exited/cgroup1/1 \
		"root: a CPU quota the prepared cgroup cannot take: a cold jail enforces it"
	_pj_capture "$PYJAIL" client --socket "$sock" --json -c 'import os; print(os.getppid())'
	is "$(jsons status)/$(json stdout)" exited/0 "root: the next request is warm again"
	kill -TERM "$pid"
	wait "$pid"
}

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

	reused_cgroups "$mode" "$by"
	[ "$by" = cgroup1 ] && too_strict

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
