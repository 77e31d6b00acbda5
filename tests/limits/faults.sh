#!/bin/bash
# Faults: pyjail killed with SIGKILL mid-run leaves no process of its jail, and
# the next run removes the cgroup it left (a kept cgroup v1 set stays, empty); 50 jails at once all work and leave no
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
		test "$(pgrep -fc "$3")" "$1" "$2" && return 0
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
	mode_ready "$mode" || { skip "no test user" "$mode: faults"; continue; }
	if [ "$mode" = deleg ]; then
		# A scope holding only pyjail: it moves itself into a leaf of its own so the
		# scope can enable controllers, and removes the jail's leaf when done.  A
		# finished scope's leftovers are the scope manager's (see pj_deleg).
		for i in 1 2 3; do
			pj_deleg --json -c 'print("in scope")'
			is "$(jsons status stdout limits.pids.enforced_by)" "exited/in scope
/cgroup2" \
				"deleg: run $i in a delegated scope"
			is "$DELEG_SELF/$DELEG_LEFT" 1/0 "deleg: run $i: pyjail's own leaf only, no jail leaf left"
		done
		continue
	fi
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
	kept=$(memcg_of "$mark" '*/pyjail-keep-[0-9]*')
	kept=${kept:+/sys/fs/cgroup/memory$kept}
	if [ "$by" = rlimit ]; then
		is "$before" 0 "$mode: no cgroup without one"
	elif [ "$by" = cgroup1 ]; then
		# reuse_cgroups = yes (the default): a kept set, held by pyjail's lock
		like "$kept" '/pyjail-keep-[0-9]+$' "$mode: the jail is in a kept cgroup v1 set"
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
	[ -z "$kept" ] || is "$(cat "$kept/cgroup.procs")" "" "$mode: the kept set it held is empty"

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

# ---- the reaper decides by owner: pyjail-<pid>-<starttime>-* goes only when no
# process has that pid and start time and nobody holds the directory's lock.
# Planted in the pids hierarchy (v1) or the unified one (v2), as root.
reaper_parent() {
	case $(cg_expect root) in
	cgroup1) echo "/sys/fs/cgroup/pids$(sed -n 's/^[0-9]*:pids://p' /proc/self/cgroup)" ;;
	cgroup2) echo "/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)" ;;
	esac
}
P=$(reaper_parent)
if [ "$(id -u)" = 0 ] && [ -n "$P" ]; then
	P=${P%/}
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	mystart=$(sed 's/.*) //' /proc/$$/stat | awk '{print $20}')
	for n in "$dead-1-stale" "$$-1-reused" "$$-$mystart-live" "$dead-1-locked"; do
		mkdir "$P/pyjail-$n"
	done
	bash -c "exec -a pjstale$$ sleep 300" &
	stale_proc=$!
	echo "$stale_proc" >"$P/pyjail-$dead-1-stale/cgroup.procs"
	flock -n "$P/pyjail-$dead-1-locked" bash -c "exec -a pjlock$$ sleep 300" &
	locker=$!
	wait_procs -eq 1 "pjlock$$"
	pj -c 'pass'
	wait "$stale_proc" 2>/dev/null
	is "$(pgrep -fc "pjstale$$")" 0 "reaper: a process left in a stale cgroup is killed"
	ok "$([ ! -e "$P/pyjail-$dead-1-stale" ]; echo $?)" "reaper: dead owner: removed"
	ok "$([ ! -e "$P/pyjail-$$-1-reused" ]; echo $?)" "reaper: pid reused by another process: removed"
	ok "$([ -d "$P/pyjail-$$-$mystart-live" ]; echo $?)" "reaper: live owner: kept"
	ok "$([ -d "$P/pyjail-$dead-1-locked" ]; echo $?)" "reaper: lock held: kept"
	kill "$locker" 2>/dev/null
	pkill -f "pjlock$$"
	wait "$locker" 2>/dev/null
	rmdir "$P/pyjail-$$-$mystart-live" "$P/pyjail-$dead-1-locked" 2>/dev/null
	rmdir "$P/pyjail-$dead-1-stale" "$P/pyjail-$$-1-reused" 2>/dev/null
fi

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
pj_conf() { # text args...: run pyjail as root with a config file holding text
	printf '%b' "$1" >"$conf"
	shift
	ERR=$("$PYJAIL" --config "$conf" --rootfs "$PYJAIL_TEST_ROOTFS" "$@" 2>&1 </dev/null)
	RC=$?
}
if [ "$(id -u)" = 0 ]; then
	pj_conf '[limits]\ncgroup_parent = relative/path\n' -c 'print(1)'
	is "$RC" 125 "bad cgroup_parent: exit 125"
	like "$ERR" "cgroup_parent 'relative/path'" "bad cgroup_parent: named with its value"
	if [ "$(cg_expect root)" != rlimit ]; then
		# an admin's parent that does not exist is an error, not a silent fallback
		pj_conf '[limits]\ncgroup_parent = /pj-missing-parent\n' -c 'print(1)'
		is "$RC" 125 "missing cgroup_parent: exit 125"
		like "$ERR" "cgroup_parent '/pj-missing-parent': no such cgroup" "missing cgroup_parent: named"
	fi
	# shellcheck disable=SC2154 # set by common.bash
	if [ "$(cg_expect root)" = cgroup2 ] && [ "$_cg_fstype" = cgroup2fs ]; then
		par=/sys/fs/cgroup/pj-parent-$$
		mkdir "$par"
		pj_conf "[limits]\ncgroup_parent = /pj-parent-$$\n" --json -c 'print(1)'
		OUT=$ERR
		is "$(jsons status limits.memory.enforced_by)" exited/cgroup2 "cgroup_parent: the jail ran under it"
		like "$(cat "$par/cgroup.subtree_control")" memory "cgroup_parent: its controllers were enabled"
		is "$(find "$par" -mindepth 1 -type d | wc -l)" 0 "cgroup_parent: the jail's cgroup was removed"
		rmdir "$par"
	fi
fi
done_testing
