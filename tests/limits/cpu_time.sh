#!/bin/bash
# CPU time: an endless loop is killed at --cpu-time with status "cpu-limit".  With
# a cgroup the budget is the whole jail's (sampled from the cgroup's usage); with
# rlimits RLIMIT_CPU stops each process (SIGXCPU).
. "$(dirname "$0")/common.bash"

for mode in $(limit_modes); do
	mode_ready "$mode" || { skip "no test user" "$mode: cpu_time"; continue; }
	by=$(cg_expect "$mode")

	pj_in "$mode" --json --cpu-time 1 -c 'while True: pass'
	is "$(json limits.cpu_time.enforced_by)" "$by" "$mode: cpu_time enforced by $by"
	cmp_ok "$(json limits.cpu_time.value)" == 1 "$mode: cpu_time value in seconds"
	is "$(json status)" cpu-limit "$mode: status cpu-limit"
	if [ "$by" = rlimit ]; then
		is "$(json signal)" 24 "$mode: rlimit: SIGXCPU"
	else
		is "$(json signal)" 9 "$mode: killed by the supervisor"
		# (rusage, the rlimit case's source, is tick-based and may read a bit low)
		cmp_ok "$(json cpu_ms)" '>=' 1000 "$mode: the whole budget was used"
	fi

	# Five busy processes under a 2 s budget.  The cgroup counts them together
	# (killed near 2 s of CPU in total); per-process rlimits would allow 10 s.
	if [ "$by" != rlimit ]; then
		pj_in "$mode" --json --cpu-time 2 -c '
import os
for _ in range(4):
    if os.fork() == 0:
        break
while True:
    pass'
		is "$(json status)" cpu-limit "$mode: forked loops: cpu-limit"
		cmp_ok "$(json cpu_ms)" '<' 5000 "$mode: the budget is the whole jail's"
	fi

	# Without --json: 128+signal and a reason.
	pj_in "$mode" --cpu-time 1 -c 'while True: pass'
	like "$RC" '^(137|152)$' "$mode: exit status 128+signal"
	like "$ERR" 'CPU-time limit' "$mode: one-line reason on stderr"
done
done_testing
