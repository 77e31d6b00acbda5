#!/bin/bash
# pyjail client relays SIGINT, SIGTERM, SIGHUP and SIGQUIT to the program, as
# the cold path does: a program that handles the signal prints what it got and
# exits 3; one that does not dies of it (exit 128 + N), KeyboardInterrupt and
# all.  Each case is compared with the same program on the cold path.
. "$(dirname "$0")/serve-common.bash"

handler='import signal, sys, time
def got(n, frame):
    print("got", n, flush=True)
    sys.exit(3)
for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
    signal.signal(s, got)
print("ready", flush=True)
time.sleep(10)
print("not interrupted")'
tag=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
plain='import time
print("ready", flush=True)
time.sleep(10)
print("not interrupted")'

# signalled SIGNAL CODE COMMAND...: run COMMAND (output to a file), send SIGNAL
# once the program said "ready"; "exit status/output" in $OUT.  (A background
# command of a shell without job control starts with SIGINT and SIGQUIT ignored:
# the command gets them back, as from an interactive shell.)
signalled() {
	local sig=$1 code=$2 pid
	shift 2
	# The last case's "ready" must not be taken for this one's: the redirection
	# below happens in the background, maybe after wait_for's first look.
	rm -f "$SDIR/sig.out"
	env --default-signal=INT,QUIT "$@" -c "$code" >"$SDIR/sig.out" 2>&1 </dev/null &
	pid=$!
	wait_for grep -q ready "$SDIR/sig.out"
	kill -s "$sig" "$pid"
	wait "$pid"
	OUT="$?/$(grep -v '^Traceback\|^  File' "$SDIR/sig.out" | tr '\n' ' ')"
}

relay() {
	local w=$1 sig want cold
	pj_cmd "$w"
	local cold_cmd=("${PJ_CMD[@]}" --wall-time 20)
	for sig in TERM HUP QUIT; do
		want="3/ready got $(kill -l "$sig") "
		signalled "$sig" "$handler" "$PYJAIL" client --socket "$SOCK"
		is "$OUT" "$want" "$w: SIG$sig reaches a program that handles it"
		signalled "$sig" "$handler" "${cold_cmd[@]}"
		is "$OUT" "$want" "$w: (the cold path: the same)"
	done
	for sig in INT TERM; do
		signalled "$sig" "$plain" "${cold_cmd[@]}"
		cold=$OUT
		signalled "$sig" "$plain" "$PYJAIL" client --socket "$SOCK"
		is "$OUT" "$cold" "$w: SIG$sig ends a program that does not handle it, as on the cold path"
		like "$cold" "^$((128 + $(kill -l "$sig")))/ready (KeyboardInterrupt )?\$" \
			"$w: (the cold path: killed by SIG$sig)"
	done
	# --json captures the output: the program shows it is ready with a marked child
	# (which lets go of the output pipes, so that they close with the program).
	local pid
	env --default-signal=INT,QUIT "$PYJAIL" client --socket "$SOCK" --json -c 'import os, sys, time
if os.fork() == 0:
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(10)", "sigready-" + sys.argv[1]])
time.sleep(10)' "$tag" >"$SDIR/sig.out" 2>&1 </dev/null &
	pid=$!
	wait_for procs_are 1 "sigready-$tag"
	kill -INT "$pid"
	wait "$pid"
	RC=$?
	OUT=$(cat "$SDIR/sig.out")
	is "$RC/$(rec status signal)" 130/signaled/2 "$w: --json: SIGINT relayed, the record says signaled 2 (exit 130)"
}

for who in $(pj_whos); do
	serve_up "$who" --pool 2 --workers 2 --wall-time 20 || continue
	relay "$who"
	serve_stop
	is "$SRC" 0 "$who: SIGTERM: the server exits 0"
	is "$(serve_leftovers)" "" "$who: the server left nothing behind"
done
serve_finish
