#!/bin/bash
# Kept cgroup v1 sets (reuse_cgroups = yes, the default): a run takes a
# pyjail-keep-N set and leaves it empty, and nothing an earlier run did in that
# set shows in a later one: not its limits (looser or stricter), not its OOM kill,
# refused fork, CPU time or peak memory, not the page cache it left charged (nor
# is that cache evicted), not a process a killed pyjail left in it.  Two runs at
# once never share a set, and reuse_cgroups = no gives each run cgroups of its
# own again, removed after it.
#
# Other tests run beside this one and take kept sets too, so a run may not land
# in the set of the run before it.  Each "later run" is therefore repeated until
# it lands in the earlier run's set (bounded), and every one of its records must
# be clean: a set that someone else's run dirtied must not show either.
. "$(dirname "$0")/common.bash"

if [ "$(id -u)" != 0 ] || [ "$(cg_expect root)" != cgroup1 ]; then
	plan 0
	echo "# SKIP kept cgroups are cgroup v1's, for root (here: $(cg_expect root))"
	exit 0
fi
TMPD=$(mktemp -d /var/tmp/pyjail-kept.XXXXXX) # on disk: its page cache is reclaimable
trap 'rm -rf "$TMPD"' EXIT
V1=/sys/fs/cgroup
own() { sed -n "s/^[0-9]*:$1://p" /proc/self/cgroup; }
base() { echo "$V1/$1$(own "$1")" | sed 's|/$||'; }
MEM=$(base memory)

# run MARK ARGS...: pyjail --json with ARGS in the background; the program must
# sleep first and hold MARK in its text.  Sets SET (the pyjail-keep-N its
# program is in, seen from the host, or "-" if not in one), OUT (the record), RC.
run() {
	local mark=$1 bg cg
	shift
	"$PYJAIL" --config "$PJ_EMPTY_CONF" --rootfs "$PYJAIL_TEST_ROOTFS" --json "$@" \
		>"$TMPD/out" 2>"$TMPD/err" </dev/null &
	bg=$!
	SET=-
	for _ in $(seq 300); do
		cg=$(memcg_of "$mark" '*/pyjail-keep-[0-9]*')
		[ -n "$cg" ] && SET=${cg##*/} && break
		kill -0 "$bg" 2>/dev/null || break
		sleep 0.01
	done
	wait "$bg"
	RC=$?
	OUT=$(cat "$TMPD/out")
}
# again SET CHECK MARK ARGS...: run until a run lands in SET (at most 12 runs);
# CHECK (a shell expression on OUT, RC, SET) must hold for every run.  Sets
# LANDED=yes when one did, and BAD to the first record that failed CHECK.
again() {
	local want=$1 check=$2 mark=$3
	shift 3
	LANDED=no BAD=
	for _ in $(seq 12); do
		run "$mark" "$@"
		eval "$check" || { [ -n "$BAD" ] || BAD="set $SET, rc $RC: $OUT"; }
		[ "$SET" = "$want" ] && { LANDED=yes; return; }
	done
}
# later LANDED-NAME CHECK-NAME CHECK MARK ARGS...: `again` in the last run's set,
# then two checks: a run landed there, and every record passed CHECK.
later() {
	local landed=$1 checked=$2
	shift 2
	again "$SET" "$@"
	is "$LANDED" yes "$landed"
	is "$BAD" "" "$checked"
}
slow() { echo "import time; time.sleep(0.4)  # $1"; }

# ---- a run takes a kept set and leaves it, empty
m=pjkept$$a
run "$m" -c "$(slow "$m")"
like "$SET" '^pyjail-keep-[0-9]+$' "a run's cgroups are a kept set"
is "$(jsons status limits.memory.enforced_by)" exited/cgroup1 "...which enforces its memory limit"
S=$SET
for c in memory pids cpu cpuacct; do
	ok "$([ -d "$(base $c)/$S" ] && [ -z "$(cat "$(base $c)/$S/cgroup.procs")" ]; echo $?)" \
		"after the run, $c/$S is there and empty"
done

# only root may open a set, so only root can take its lock
is "$(stat -c %a "$MEM/$S")" 700 "a kept set's directory is root's alone (mode 700)"
if have_test_user; then
	setpriv --reuid="$PJ_TEST_USER" --regid="$PJ_TEST_USER" --clear-groups \
		flock -n "$MEM/$S" true 2>/dev/null
	isnt_ok=$?
	ok "$([ "$isnt_ok" != 0 ]; echo $?)" "...the test user cannot lock it"
else
	skip "no test user" "...the test user cannot lock it"
fi

# ---- limits: each run's own, looser or stricter than the last
m=pjkept$$b
run "$m" --memory 48M --pids 8 --cpu-quota 0.5 -c "$(slow "$m")"
is "$RC" 0 "a run with tight limits"
loose="import os, time
b = bytearray(120 << 20)
ps = []
for _ in range(20):
    p = os.fork()
    if p == 0:
        time.sleep(0.2)
        os._exit(0)
    ps.append(p)
[os.waitpid(p, 0) for p in ps]
time.sleep(0.4)  # $m"
later "a looser run landed in the tight run's set" \
	"...where 120 MB and 20 processes fit: the earlier limits are gone" \
	'[ "$RC" = 0 ]' "$m" --memory 200M --pids 40 -c "$loose"

m=pjkept$$c
run "$m" --memory 200M -c "$(slow "$m")"
later "a stricter run landed in the looser run's set" \
	"...and 120 MB is killed by its 48 MB limit" \
	'[ "$(jsons status)" = memory-limit ]' "$m" --memory 48M \
	-c "import time; time.sleep(0.4); b = bytearray(120 << 20)  # $m"

# ---- counters: what one run did is not in the next one's record
m=pjkept$$d
run "$m" --memory 48M -c "import time; time.sleep(0.4); b = bytearray(120 << 20)  # $m"
is "$(jsons status)" memory-limit "a run killed by its memory limit"
later "a later run landed in its set" \
	"...and its own SIGKILL is not taken for an OOM kill" \
	'[ "$(jsons status signal)" = signaled/9 ]' "$m" --memory 48M \
	-c "import os, time; time.sleep(0.4); os.kill(os.getpid(), 9)  # $m"

m=pjkept$$e
run "$m" --pids 8 -c "import os, time
time.sleep(0.4)  # $m
try:
    [os.fork() or (time.sleep(1), os._exit(0)) for _ in range(20)]
except OSError:
    pass"
is "$(jsons pids_limit_hit)" true "a run hits its pids limit"
later "a later run landed in its set" \
	"...and its record says it did not" \
	'[ "$(jsons status pids_limit_hit)" = exited/false ]' "$m" --pids 8 -c "$(slow "$m")"

m=pjkept$$f
run "$m" --cpu-time 5s -c "import time
time.sleep(0.4)  # $m
t = time.process_time()
while time.process_time() - t < 1.5: pass"
cmp_ok "$(jsons cpu_ms)" '>=' 1400 "a run uses 1.5 s of CPU"
later "a later run with a 1 s CPU limit landed in its set" \
	"...and neither its record nor its limit counts the earlier CPU time" \
	'[ "$(jsons status)" = exited ] && [ "$(jsons cpu_ms)" -lt 700 ]' "$m" \
	--cpu-time 1s -c "$(slow "$m")"

m=pjkept$$g
run "$m" -c "import time; b = bytearray(150 << 20); time.sleep(0.4)  # $m"
cmp_ok "$(jsons peak_memory_bytes)" '>=' $((150 << 20)) "a run peaks above 150 MB"
later "a later run landed in its set" \
	"...and its peak is its own" \
	'[ "$(jsons peak_memory_bytes)" -lt $((60 << 20)) ]' "$m" -c "$(slow "$m")"

# ---- what is left in a set nobody holds: page cache charged to it (which must
# not be evicted either), a process (as a killed pyjail's jail may leave while
# it dies)
m=pjkept$$h
run "$m" -c "$(slow "$m")"
S=$SET
sh -c "echo \$\$ >'$MEM/$S/cgroup.procs' &&
	exec dd if=/dev/urandom of='$TMPD/cache' bs=1M count=64 conv=fsync status=none"
cmp_ok "$(cat "$MEM/$S/memory.usage_in_bytes")" '>=' $((32 << 20)) \
	"64 MB of page cache charged to $S"
bash -c "echo \$\$ >'$MEM/$S/cgroup.procs' && exec -a pjkeptleft$$ sleep 300" &
left=$!
for _ in $(seq 100); do grep -q "/$S\$" "/proc/$left/cgroup" 2>/dev/null && break; sleep 0.01; done
later "a run landed in that set" \
	"...ran, and the cache is not in its peak" \
	'[ "$RC" = 0 ] && [ "$(jsons peak_memory_bytes)" -lt $((32 << 20)) ]' "$m" -c "$(slow "$m")"
# and the cache was not thrown away for that (a rootfs's would be read again,
# and charged again, by every run)
cmp_ok "$(fincore --bytes --noheadings --output RES "$TMPD/cache")" '>=' $((60 << 20)) \
	"...and it is still cached"
wait "$left" 2>/dev/null
is "$(pgrep -fc "pjkeptleft$$")" 0 "...and the process left in the set was killed"

# ---- two at once: two sets
m=pjkept$$i
"$PYJAIL" --config "$PJ_EMPTY_CONF" --rootfs "$PYJAIL_TEST_ROOTFS" \
	-c "import time; time.sleep(1.5)  # ${m}one" >/dev/null 2>&1 </dev/null &
first=$!
for _ in $(seq 300); do [ "$(pgrep -fc "${m}one")" -ge 3 ] && break; sleep 0.01; done
run "${m}two" -c "$(slow "${m}two")"
other=$(memcg_of "${m}one" '*/pyjail-keep-[0-9]*')
other=${other##*/}
wait "$first"
ok "$([ -n "$other" ] && [ "$SET" != - ] && [ "$other" != "$SET" ]; echo $?)" \
	"two runs at once take two sets ($other, $SET)"

# ---- reuse_cgroups = no: a run's own cgroups, removed after it
printf '[limits]\nreuse_cgroups = no\n' >"$TMPD/no.conf"
m=pjkept$$j
"$PYJAIL" --config "$TMPD/no.conf" --rootfs "$PYJAIL_TEST_ROOTFS" -c "$(slow "$m")" \
	>/dev/null 2>&1 </dev/null &
bg=$!
for _ in $(seq 300); do
	cg=$(memcg_of "$m" "*/pyjail-$bg-*")
	[ -n "$cg" ] && break
	sleep 0.01
done
wait "$bg"
like "$cg" "/pyjail-$bg-[0-9]+-[0-9a-f]+\$" "reuse_cgroups = no: cgroups named after the run"
ok "$([ ! -e "$V1/memory$cg" ]; echo $?)" "...removed when it ends"

# ---- at most 16 sets
n=$(find "$MEM" -maxdepth 1 -type d -name 'pyjail-keep-*' | wc -l)
cmp_ok "$n" '<=' 16 "at most 16 kept sets ($n)"
done_testing
