#!/bin/bash
# Memory: a jail that allocates past --memory is stopped, and the record says why.
# With a cgroup the OOM killer ends it: status "memory-limit" (never "signaled"),
# peak memory at the limit.  With rlimits (RLIMIT_AS) the allocation fails inside
# and the program sees MemoryError.  Either way the allocation never succeeds.
. "$(dirname "$0")/common.bash"

BIG='b = bytearray(200 << 20); print("survived")'
for mode in $(limit_modes); do
	mode_ready "$mode" || { skip "no test user" "$mode: memory"; continue; }
	by=$(cg_expect "$mode")

	pj_in "$mode" --json --memory 64M -c "$BIG"
	is "$(json limits.memory.enforced_by)" "$by" "$mode: memory enforced by $by"
	is "$(json limits.memory.value)" 67108864 "$mode: memory value in bytes"
	is "$(json stdout)" "" "$mode: 200 MiB never allocated under 64M"
	if [ "$by" = rlimit ]; then
		is "$(json status)/$(json exit_code)" exited/1 "$mode: rlimit: the program fails"
		like "$(json stderr)" MemoryError "$mode: rlimit: MemoryError"
	else
		is "$(json status)" memory-limit "$mode: status memory-limit"
		is "$(json signal)" 9 "$mode: killed by the OOM killer"
		cmp_ok "$(json peak_memory_bytes)" '>=' $((48 << 20)) "$mode: peak memory reached the limit"
		cmp_ok "$(json peak_memory_bytes)" '<=' $((64 << 20)) "$mode: peak memory within the limit"
	fi

	# The whole jail is one budget: two processes of 40 MiB each do not fit in 64M.
	# The child holds its 40 MiB until the parent has allocated its own: without
	# that, a child that ran to its exit first would free them in time.
	pj_in "$mode" --json --memory 64M -c '
import os, sys
ready_r, ready_w = os.pipe()
done_r, done_w = os.pipe()
pid = os.fork()
if pid == 0:
    b = bytearray(40 << 20)
    os.write(ready_w, b"x")
    os.read(done_r, 1)
    os._exit(0)
os.read(ready_r, 1)
b = bytearray(40 << 20)
os.write(done_w, b"x")
_, st = os.waitpid(pid, 0)
print("both", st)
sys.exit(0 if st == 0 else 1)'
	if [ "$by" != rlimit ]; then
		is "$(json status)" memory-limit "$mode: the limit covers all processes together"
		# (the OOM killer picks one of them; the other may report it)
		both=$(json stdout)
		[ -z "$both" ] || [ "$both" = "both 9" ]
		ok $? "$mode: two 40 MiB processes never both completed ('$both')"
	fi

	# Below the limit nothing is in the way.
	pj_in "$mode" --json --memory 64M -c 'b = bytearray(16 << 20); print(len(b))'
	is "$(json status)/$(json stdout)" exited/16777216 "$mode: 16 MiB fits in 64M"

	# Without --json: 128+9 and a one-line reason.
	if [ "$by" != rlimit ]; then
		pj_in "$mode" --memory 64M -c "$BIG"
		is "$RC" 137 "$mode: exit status 137"
		like "$ERR" 'memory limit' "$mode: one-line reason on stderr"
	fi
done
done_testing
