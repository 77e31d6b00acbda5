#!/bin/bash
# Wall time: the supervisor's timer ends a sleeping jail at --wall-time, with
# status "timeout"; without --json pyjail exits 124 as timeout(1) does.  Nothing
# the program started survives, not even a process in a new session.
. "$(dirname "$0")/common.bash"

MARK=pjwall$$
SLEEPER="
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(60)  # $MARK
    os._exit(0)
time.sleep(60)  # $MARK
"
for mode in $(limit_modes); do
	mode_ready "$mode" || { skip "no test user" "$mode: wall_time"; continue; }

	pj_in "$mode" --json --wall-time 1 -c "$SLEEPER"
	is "$(json limits.wall_time.enforced_by)" supervisor "$mode: wall_time enforced by the supervisor"
	cmp_ok "$(json limits.wall_time.value)" == 1 "$mode: wall_time value in seconds"
	is "$(json status)" timeout "$mode: status timeout"
	is "$(json signal)" 9 "$mode: killed"
	cmp_ok "$(json wall_ms)" '>=' 1000 "$mode: it ran until the limit"
	is "$(pgrep -fc "$MARK")" 0 "$mode: no process of the jail survives"

	pj_in "$mode" --wall-time 1 -c "$SLEEPER"
	is "$RC" 124 "$mode: exit status 124 without --json"
	like "$ERR" 'wall-time limit' "$mode: one-line reason on stderr"

	pj_in "$mode" --json --wall-time 5 -c 'print("quick")'
	is "$(json status)/$(json stdout)" exited/quick "$mode: a quick program is not disturbed"
done
done_testing
