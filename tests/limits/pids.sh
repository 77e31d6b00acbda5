#!/bin/bash
# Processes: a fork bomb (and a thread bomb) is stopped at --pids.  With a cgroup
# the record says pids_limit_hit and keeps the program's own status (a refused fork
# ends nothing by itself); with rlimits (RLIMIT_NPROC) forks fail the same way but
# the record cannot know.  No bomb process outlives the jail.  --pids counts the
# program's processes, not the jail's init.
. "$(dirname "$0")/common.bash"

MARK=pjpids$$
BOMB="
import os, time
n = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(60)  # $MARK
            os._exit(0)
        n += 1
except OSError as e:
    print('refused after', n, e.errno)
    raise SystemExit(3)
"
THREADS='
import threading, time
n = 0
try:
    while True:
        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
        n += 1
except RuntimeError as e:
    print("refused after", n)
    raise SystemExit(3)
'
# Forks (children that wait) until refused: how many, and the errno.
ONE_BY_ONE='
import os, time
n = 0
try:
    for _ in range(3):
        if os.fork() == 0:
            time.sleep(5)
            os._exit(0)
        n += 1
except OSError as e:
    print(n, e.errno)'
for mode in $(limit_modes); do
	mode_ready "$mode" || { skip "no test user" "$mode: pids"; continue; }
	by=$(cg_expect "$mode")

	pj_in "$mode" --json --pids 16 -c "$BOMB"
	is "$(json limits.pids.enforced_by)" "$by" "$mode: pids enforced by $by"
	like "$(json stdout)" '^refused after [0-9]+ 11$' "$mode: fork refused with EAGAIN"
	n=$(json stdout | awk '{print $3}')
	cmp_ok "${n:-99}" '<' 16 "$mode: fewer than 16 processes forked"
	is "$(json exit_code)" 3 "$mode: the program's exit code is kept"
	if [ "$by" != rlimit ]; then
		is "$(json pids_limit_hit)" true "$mode: pids_limit_hit"
		is "$(json status)" exited "$mode: status exited (a refused fork ends nothing)"
	else
		is "$(json pids_limit_hit)" false "$mode: rlimit cannot tell: pids_limit_hit false"
	fi
	is "$(pgrep -fc "$MARK")" 0 "$mode: no bomb process outlives the jail"

	pj_in "$mode" --json --pids 16 -c "$THREADS"
	n=$(json stdout | awk '{print $3}')
	cmp_ok "${n:-99}" '<' 16 "$mode: threads count against --pids"

	# Without --json the program's own exit status comes back, with a reason.
	pj_in "$mode" --pids 16 -c "$BOMB"
	is "$RC" 3 "$mode: exit status is the program's"
	if [ "$by" != rlimit ]; then
		like "$ERR" 'process limit' "$mode: one-line reason on stderr"
	fi

	# --pids counts the program's processes, not the jail's init: with 1 the
	# program runs and cannot fork; with 2 it forks once.
	for n in 1 2; do
		pj_in "$mode" --json --pids $n -c "$ONE_BY_ONE"
		is "$(json status)/$(json stdout)" "exited/$((n - 1)) 11" \
			"$mode: --pids $n: the program and $((n - 1)) child, then EAGAIN"
	done

	# A program under the limit is not disturbed.
	pj_in "$mode" --json --pids 16 -c '
import subprocess, sys
print(subprocess.run([sys.executable, "-c", "print(7)"], capture_output=True).stdout.decode().strip())'
	is "$(json status)/$(json stdout)/$(json pids_limit_hit)" exited/7/false "$mode: a subprocess fits"
done
done_testing
