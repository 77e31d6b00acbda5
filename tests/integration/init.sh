#!/bin/bash
# The jail's init, as root and as the test user: it reaps orphaned zombies,
# forwards signals, and nothing of the jail outlives pyjail: not a background
# process that ignores SIGTERM, not after pyjail itself is killed with SIGKILL.
# When the program ends and leaves nothing running, init leaves the jail's
# cgroups and reports at once: pyjail removes them and returns without waiting
# for init's exit (--timings: init_waited 0; on cgroup v2 init stays and is
# waited for), and the record still counts the jail's CPU time and memory; with
# a process left, pyjail waits (init_waited 1).
. "$(dirname "$0")/../lib.sh"
require_rootfs
WHOS=$(pj_whos)
plan $((14 * $(wc -w <<<"$WHOS")))

TOKEN=pyjail-test-init-$$-$RANDOM
# procs PATTERN: host processes whose command line matches (pyjail's own excluded).
procs() { pgrep -f -- "^/usr/bin/python3.* $1" || true; }
# wait_for CMD...: retry CMD for up to 60 s (a bound for a loaded machine, not a timing assertion).
wait_for() {
	for _ in $(seq 600); do "$@" && return 0; sleep 0.1; done
	return 1
}
gone() { [ -z "$(procs "$1")" ]; }
there() { [ -n "$(procs "$1")" ]; }

# timing_of KEY: that key of the --timings line in $ERR.
timing_of() { sed -n 's/.*"'"$1"'":\([0-9]*\).*/\1/p' <<<"$ERR"; }

for who in $WHOS; do
	# Nothing left running: pyjail returns without waiting for init, and the
	# jail's cgroups are gone by then (pyjail's pid names them).  Not on cgroup
	# v2, where moving init out of the jail's cgroup would take a global lock.
	pj_cmd "$who"
	"${PJ_CMD[@]}" --json --timings -c 'print("done")' >"/tmp/$TOKEN.out" 2>"/tmp/$TOKEN.err" </dev/null &
	JAIL=$!
	pj_cleanup_add "/tmp/$TOKEN.out" "/tmp/$TOKEN.err"
	wait "$JAIL"
	RC=$? OUT=$(cat "/tmp/$TOKEN.out") ERR=$(cat "/tmp/$TOKEN.err")
	is "$RC:$(json exit_code):$(json stdout)" "0:0:done" "$who: a program that leaves nothing running exits 0"
	waited=0
	[ "$(json cgroup)" = cgroup2 ] && waited=1
	is "$(timing_of init_waited)" $waited \
		"$who: ... and pyjail waited for the jail's init to exit only on cgroup v2 ($(json cgroup))"
	is "$(find /sys/fs/cgroup -maxdepth 6 -type d -name "pyjail-$JAIL-*" 2>/dev/null)" "" \
		"$who: ... and no cgroup of that run is left"

	# The record's CPU time and memory are the jail's, also when init reported
	# them (as the user: no cgroup counts them).
	pj_as "$who" --json -c '
import time
b = bytearray(40 << 20)
t = time.process_time()
while time.process_time() - t < 0.3:
    pass'
	cmp_ok "$(json cpu_ms)" '>=' 250 "$who: the record counts the program's CPU time"
	cmp_ok "$(json peak_memory_bytes)" '>=' $((40 << 20)) "$who: ... and its memory"

	# An orphan's zombie (reparented to the jail's pid 1) is reaped.
	pj_as "$who" -c '
import os, time
if os.fork() == 0:
    if os.fork() == 0:
        os._exit(0)   # the grandchild: becomes an orphan zombie of init
    os._exit(0)
os.wait()
def state(p):
    try:
        return open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
def zombies():
    return [p for p in os.listdir("/proc") if p.isdigit() and state(p) == "Z"]
def others():
    return sorted(int(p) for p in os.listdir("/proc") if p.isdigit()) != [1, os.getpid()]
for _ in range(400):  # until the grandchild is gone (bounded; not timed)
    if not others():
        break
    time.sleep(0.05)
print("zombies:", zombies(), "others:", others())'
	is "$OUT" "zombies: [] others: False" "$who: orphaned zombies are reaped by the jail's init"

	# A background child that ignores SIGTERM and sleeps 100 s dies with the program.
	pj_as "$who" --timings -c "
import os, signal
if os.fork() == 0:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.setsid()
    os.execv('/usr/bin/python3', ['/usr/bin/python3', '-c', 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(100)', '$TOKEN-bg'])
print('parent done')"
	is "$RC:$OUT" "0:parent done" "$who: the program returns while its child sleeps"
	is "$(procs "$TOKEN-bg")" "" "$who: after pyjail returns, no background process of the jail is left"
	is "$(timing_of init_waited)" 1 "$who: ... for which pyjail waited for the jail's init to exit"
	wait_for gone "$TOKEN-bg" || pkill -9 -f -- "$TOKEN-bg"

	# pyjail killed with SIGKILL mid-run: the jail goes with it.
	pj_cmd "$who"
	"${PJ_CMD[@]}" -c "
import os, time
if os.fork() == 0:
    os.execv('/usr/bin/python3', ['/usr/bin/python3', '-c', 'import time; time.sleep(100)', '$TOKEN-kill-child'])
time.sleep(100)" "$TOKEN-kill" >/dev/null 2>&1 </dev/null &
	JAIL=$!
	wait_for there "$TOKEN-kill-child"
	ok $? "$who: the jail runs (program and child visible on the host)"
	kill -KILL "$JAIL"
	wait "$JAIL" 2>/dev/null
	wait_for gone "$TOKEN-kill"
	ok $? "$who: pyjail SIGKILLed: no jail process survives"
	pkill -9 -f -- "$TOKEN-kill" || true

	# Signals sent to pyjail reach the program.
	"${PJ_CMD[@]}" -c '
import signal, sys, time
def on_term(sig, frame):
    print("got", sig, flush=True); sys.exit(3)
signal.signal(signal.SIGTERM, on_term)
print("ready", flush=True)
time.sleep(100)' "$TOKEN-sig" >"/tmp/$TOKEN.out" 2>&1 </dev/null &
	JAIL=$!
	pj_cleanup_add "/tmp/$TOKEN.out"
	wait_for grep -q ready "/tmp/$TOKEN.out"
	kill -TERM "$JAIL"
	wait "$JAIL"
	RC=$?
	is "$RC:$(tr '\n' ' ' <"/tmp/$TOKEN.out")" "3:ready got 15 " "$who: SIGTERM to pyjail is forwarded to the program"
	"${PJ_CMD[@]}" -c 'import time; print("ready", flush=True); time.sleep(100)' "$TOKEN-int" \
		>"/tmp/$TOKEN.out" 2>&1 </dev/null &
	JAIL=$!
	wait_for grep -q ready "/tmp/$TOKEN.out"
	kill -INT "$JAIL"
	wait "$JAIL"
	RC=$?
	is "$RC:$(head -c 300 "/tmp/$TOKEN.out" | tr '\n' ' ')" \
		"130:ready Traceback (most recent call last):   File \"<string>\", line 1, in <module> KeyboardInterrupt " \
		"$who: SIGINT to pyjail: the program dies of it, exit 130"
	wait_for gone "$TOKEN-int"
	ok $? "$who: ... and nothing is left"
done
finish
