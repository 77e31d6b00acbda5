#!/bin/bash
# Faults: pyjail killed with SIGKILL mid-run leaves no process of its jail, and
# the next run removes the cgroup it left; 50 jails at once all work and leave no
# cgroup, mount, process or descriptor behind.  Also: require_cgroup refuses to
# run without a cgroup, and a bad cgroup_parent is an error naming the key.
. "$(dirname "$0")/common.bash"

TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD" "$PJ_EMPTY_CONF"' EXIT
chmod 755 "$TMPD"

# pyjail-<pid>-* cgroups of the pyjail processes given, anywhere below /sys/fs/cgroup.
cg_of() {
	local p pat=""
	for p in "$@"; do pat="$pat -o -name pyjail-$p-*"; done
	# shellcheck disable=SC2086
	find /sys/fs/cgroup -maxdepth 6 -type d \( -false $pat \) 2>/dev/null
}
# Wait (bounded) until the count of processes marked MARK compares OP N; this
# only waits, it never measures.
wait_procs() { # op n mark
	local i
	for i in $(seq 200); do
		[ "$(pgrep -fc "$3")" "$1" "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
as_mode() { # mode: the command prefix that runs pyjail in that mode
	case $1 in
	user) echo setpriv --reuid="$PJ_TEST_USER" --regid="$PJ_TEST_USER" --clear-groups ;;
	esac
}

for mode in $(limit_modes); do
	[ "$mode" = deleg ] && continue # a scope's leftovers are the scope manager's (see pj_deleg)
	mode_ready "$mode" || { skip "no test user" "$mode: faults"; continue; }
	by=$(cg_expect "$mode")
	mark=pjkill$$$mode

	# ---- SIGKILL mid-run
	# shellcheck disable=SC2046
	$(as_mode "$mode") "$PYJAIL" --config "$PJ_EMPTY_CONF" --rootfs "$PYJAIL_TEST_ROOTFS" -c "
import os, threading, time
threading.Thread(target=time.sleep, args=(120,)).start()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(120)  # $mark
    time.sleep(120)
time.sleep(120)" >/dev/null 2>&1 </dev/null &
	bg=$!
	wait_procs -ge 5 "$mark" # pyjail, init, payload, child, grandchild
	ok $? "$mode: the jail is running"
	before=$(cg_of "$bg" | wc -l)
	if [ "$by" = rlimit ]; then
		is "$before" 0 "$mode: no cgroup without one"
	else
		cmp_ok "$before" '>=' 1 "$mode: the jail's cgroup is named after pyjail's pid"
	fi
	kill -9 "$bg"
	wait "$bg" 2>/dev/null
	wait_procs -eq 0 "$mark"
	is "$(pgrep -fc "$mark")" 0 "$mode: no jail process survives SIGKILL of pyjail"
	pj_in "$mode" -c 'print("next")'
	is "$OUT" next "$mode: the next run works"
	is "$(cg_of "$bg")" "" "$mode: the next run removed the stale cgroup"

	# ---- 50 jails at once
	mnt_before=$(grep -c "$PYJAIL_TEST_ROOTFS" /proc/self/mountinfo)
	pids=()
	for i in $(seq 50); do
		# shellcheck disable=SC2046
		$(as_mode "$mode") "$PYJAIL" --config "$PJ_EMPTY_CONF" --rootfs "$PYJAIL_TEST_ROOTFS" \
			--json --memory 64M --pids 8 -c "
import os, time
time.sleep(0.5)  # $mark
print(sorted(os.listdir('/proc/self/fd')), $i)" >"$TMPD/$i.out" 2>"$TMPD/$i.err" </dev/null &
		pids+=($!)
	done
	bad=0 wrong=0
	for i in $(seq 50); do
		wait "${pids[$((i - 1))]}" || bad=$((bad + 1))
		OUT=$(cat "$TMPD/$i.out")
		[ "$(jsons status stdout limits.memory.enforced_by)" = \
			"exited/['0', '1', '2', '3'] $i
/$by" ] || { wrong=$((wrong + 1)); cat "$TMPD/$i.err" >&2; }
	done
	is "$bad" 0 "$mode: 50 jails at once: all exit 0"
	is "$wrong" 0 "$mode: 50 jails: each its own output, only fds 0-2 open, limits by $by"
	is "$(cg_of "${pids[@]}")" "" "$mode: 50 jails: no cgroup left"
	is "$(pgrep -fc "$mark")" 0 "$mode: 50 jails: no process left"
	is "$(grep -c "$PYJAIL_TEST_ROOTFS" /proc/self/mountinfo)" "$mnt_before" "$mode: 50 jails: no mount left"
done

# ---- require_cgroup and cgroup_parent (admin keys: a config file)
conf=$TMPD/req.conf
printf '[limits]\nrequire_cgroup = yes\n' >"$conf"
chmod 644 "$conf"
for mode in $(limit_modes); do
	[ "$mode" = deleg ] && continue
	mode_ready "$mode" || continue
	# shellcheck disable=SC2046
	ERR=$($(as_mode "$mode") "$PYJAIL" --config "$conf" --rootfs "$PYJAIL_TEST_ROOTFS" -c 'print(1)' 2>&1 </dev/null)
	RC=$?
	if [ "$(cg_expect "$mode")" = rlimit ]; then
		is "$RC" 125 "$mode: require_cgroup = yes without a cgroup: exit 125"
		like "$ERR" 'require_cgroup' "$mode: the message names require_cgroup"
		is "$(printf '%s\n' "$ERR" | wc -l)" 1 "$mode: in one line"
	else
		is "$RC/$ERR" 0/1 "$mode: require_cgroup = yes with a cgroup runs"
	fi
done
printf '[limits]\ncgroup_parent = relative/path\n' >"$conf"
if [ "$(id -u)" = 0 ]; then
	ERR=$("$PYJAIL" --config "$conf" --rootfs "$PYJAIL_TEST_ROOTFS" -c 'print(1)' 2>&1 </dev/null)
	RC=$?
	is "$RC" 125 "bad cgroup_parent: exit 125"
	like "$ERR" "cgroup_parent 'relative/path'" "bad cgroup_parent: named with its value"
fi
done_testing
