#!/bin/bash
# CPU quota: at --cpu-quota 0.2 a busy loop gets a fifth of a core, so one second
# of CPU takes several seconds of wall time.  The ratio is measured inside the
# jail (wall clock over process CPU time), never an absolute time.  Without a
# cgroup nothing can enforce a quota and the record says "none".
. "$(dirname "$0")/common.bash"

LOOP='
import time
w, c = time.monotonic(), time.process_time()
while time.process_time() - c < 1:
    pass
print(round((time.monotonic() - w) / (time.process_time() - c), 2))'
for mode in $(limit_modes); do
	mode_ready "$mode" || { skip "no test user" "$mode: cpu_quota"; continue; }
	by=$(quota_expect "$mode")

	pj_in "$mode" --json --cpu-quota 0.2 -c "$LOOP"
	is "$(json limits.cpu_quota.enforced_by)" "$by" "$mode: cpu_quota enforced by $by"
	cmp_ok "$(json limits.cpu_quota.value)" == 0.2 "$mode: cpu_quota value"
	is "$(json status)" exited "$mode: the quota slows, it does not kill"
	if [ "$by" != none ]; then
		cmp_ok "$(json stdout)" '>=' 2.5 "$mode: wall/cpu ratio at 0.2 CPU (about 5)"
	fi
done
done_testing
