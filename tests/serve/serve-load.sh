#!/bin/bash
# pyjail serve under load: 200 clients at once against --workers 2 --queue 16.
# Each gets either its correct result or a "server busy" setup error, nothing
# else (50 `pyjail client` processes at once too); the server keeps serving; afterwards it holds as many descriptors
# and processes as before and no more cgroups than its pool and workers can use
# at once (the pool refilled, nothing leaked).  Large
# requests: a 4 MB script runs, a 17 MB request is refused, JSON nested 100 000
# deep is refused, and the server goes on.  (A program given as "code" is
# python3 -c's argument: a cold jail can take no more than the kernel's 128K.)
. "$(dirname "$0")/serve-common.bash"

# What the server holds: "fds/cgroups/stale" and its processes (their number
# varies a little while jails are prepared and reaped).  fds: those not in the
# cgroup filesystem (exact).  The server keeps request cgroups for reuse, as many
# as its pool and workers can hold at once (plus the zygote's and its own leaf on
# v2), so cgroups is "bounded" while there are no more than that, else their
# number.  stale: fds of cgroups removed (one it forgot), always 0.
POOL=2 WORKERS=2
held() {
	local fds=0 stale=0 cgs=0 f t
	for f in /proc/"$SPID"/fd/*; do
		t=$(readlink "$f") || continue
		[[ $t == /sys/fs/cgroup/* ]] || fds=$((fds + 1))
		[[ $t == /sys/fs/cgroup/*" (deleted)" ]] && stale=$((stale + 1))
	done
	[ ${#SERVE_CG[@]} -gt 0 ] && cgs=$(_serve_cg_below | wc -l)
	[ "$cgs" -le $((${#SERVE_CG[@]} * (POOL + WORKERS + 2))) ] && cgs=bounded
	echo "$fds/$cgs/$stale"
}
nprocs() { _serve_descendants "$SPID" | wc -l; }
# Settled: the same twice in a row, half a second apart (the pool refills in the
# background).  Only waits; the comparisons below are exact.
settled() {
	local a b i
	b=$(held)
	for i in $(seq 40); do
		sleep 0.5
		a=$b b=$(held)
		[ "$a" = "$b" ] && break
	done
	echo "$b"
}
# shellcheck disable=SC2317 # called through wait_for
same_as() { [ "$(held)" = "$1" ] && [ "$(nprocs)" -le "$2" ]; }

load() {
	local w=$1 before procs f
	req 'print(6 * 7)'
	is "$(rec status stdout)" exited/42 "$w: a first request"
	before=$(settled)
	procs=$(nprocs)
	echo "# before: fds/cgroups $before, $procs processes"

	raw many 200 '{"code": "print(6 * 7)"}' $'42\n'
	echo "# $OUT" | head -4
	like "$OUT" "^ok=[0-9]+ busy=[0-9]+ other=0$" "$w: 200 clients at once: each got its result or 'server busy'"
	cmp_ok "$(sed -n 's/^ok=\([0-9]*\).*/\1/p' <<<"$OUT")" -ge 2 "$w: some were served"
	is "$(($(sed -n 's/^ok=\([0-9]*\) busy=\([0-9]*\).*/\1 + \2/p' <<<"$OUT")))" 200 "$w: all 200 answered"
	# The same with 50 `pyjail client` processes: 42 and exit 0, or exit 125 and
	# "pyjail: server busy..." on stderr, as the drop-in does for any setup error.
	local i pids=() got
	for i in $(seq 50); do
		"$PYJAIL" client --socket "$SOCK" -c 'print(6 * 7)' >"$SDIR/c$i.out" 2>"$SDIR/c$i.err" </dev/null &
		pids+=($!)
	done
	for i in $(seq 50); do
		wait "${pids[$((i - 1))]}"
		echo "$?/$(cat "$SDIR/c$i.out")/$(cut -c1-20 "$SDIR/c$i.err")" >>"$SDIR/clients.all"
	done
	sort "$SDIR/clients.all" | uniq -c | sed 's/^ */# /' >"$SDIR/clients"
	cat "$SDIR/clients"
	got=$(grep -cvE '^# [0-9]+ (0/42/|125//pyjail: server busy:?)$' "$SDIR/clients")
	is "$got" 0 "$w: 50 pyjail clients at once: each printed 42 or 'pyjail: server busy' (exit 125)"
	ok "$(kill -0 "$SPID"; echo $?)" "$w: the server survives"
	req 'print(6 * 7)'
	is "$(rec status stdout)" exited/42 "$w: and serves the next request"
	wait_for same_as "$before" "$procs"
	is "$(held)" "$before" "$w: as many fds and cgroups as before"
	cmp_ok "$(nprocs)" -le "$procs" "$w: no more processes than before"

	f=$SDIR/big.json
	python3 -c 'import json; print(json.dumps({"script": {"path": "big.py", "text": "x = %r\nprint(len(x))" % ("a" * (4 << 20))}}))' >"$f"
	raw send "@$f"
	is "$(rec status stdout error)" "exited/$((4 << 20))/None" "$w: a 4 MB script runs"
	python3 -c 'import json; print(json.dumps({"code": "x = %r\nprint(len(x))" % ("a" * (100 << 10))}))' >"$f"
	raw send "@$f"
	is "$(rec status stdout error)" "exited/$((100 << 10))/None" "$w: 100K of code runs"
	python3 -c 'import json; print(json.dumps({"code": "x = %r" % ("a" * (17 << 20))}))' >"$f"
	raw send "@$f"
	like "$(rec status error)" "^setup-error/request: larger than max_request" "$w: a 17 MB request is refused"
	python3 -c 'print("{\"args\": " + "[" * 100000 + "]" * 100000 + "}")' >"$f"
	raw send "@$f"
	like "$(rec status error)" "^setup-error/request: malformed JSON" "$w: JSON nested 100 000 deep is refused"
	rm -f "$f"
	req 'print(6 * 7)'
	is "$(rec status stdout)" exited/42 "$w: the server goes on"
	wait_for same_as "$before" "$procs"
	is "$(held)" "$before" "$w: still as many fds and cgroups as before"
	cmp_ok "$(nprocs)" -le "$procs" "$w: still no more processes than before"
}

for who in $(pj_whos); do
	serve_up "$who" --pool $POOL --workers $WORKERS --queue 16 || continue
	load "$who"
	serve_stop
	is "$SRC" 0 "$who: SIGTERM: the server exits 0"
	is "$(serve_leftovers)" "" "$who: the server left nothing behind"
done
serve_finish
