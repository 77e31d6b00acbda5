#!/bin/bash
# pyjail serve's life: it starts as root and as an ordinary user; its socket is
# 0600 (0660 and the group's with --group): another user cannot connect; a second
# server cannot take a live server's socket, but replaces a dead one's.  SIGHUP is
# ignored.  SIGTERM drains: the requests running finish with their results, new
# connections are refused, the server exits 0 and leaves no process, cgroup,
# socket or mount.  SIGKILL of the server: no process of any jail survives, not
# even a daemon a request left, and the next pyjail run removes its cgroups.
. "$(dirname "$0")/serve-common.bash"

tag=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
# serve-raw.py as the test user (with the system's python3: the caller's may be private)
raw_as() { # gid args...
	local g=$1
	shift
	_pj_capture setpriv --reuid="$PJ_TEST_USER" --regid="$g" --clear-groups \
		/usr/bin/python3 "$SERVE_DIR/serve-raw.py" "$SOCK" "$@"
}

# ---- starting, the socket
start() {
	local w=$1 mode
	serve_start "$w" --pool 1
	local up=$?
	OUT='' ERR=''
	ok $up "$w: the server starts (log: $(head -c 200 "$SLOG"))"
	[ -n "$SPID" ] || return 1
	req 'print(6 * 7)'
	is "$(rec status stdout)" exited/42 "$w: and runs a request"
	mode=$(stat -c %a "$SOCK")
	is "$mode" 600 "$w: the socket is mode 0600"
	if [ "$(id -u)" = 0 ] && [ "$w" = root ] && have_test_user; then
		raw_as "$PJ_TEST_USER" connect
		is "$OUT" EACCES "$w: another user cannot connect"
	fi
	# a second server on the same path: refused, and the first one's socket stays
	_pj_capture "$PYJAIL" --config "$SRV_CONF" --rootfs "$PYJAIL_TEST_ROOTFS" serve --socket "$SOCK"
	is "$RC" 125 "$w: a second server on a live server's socket: exit 125"
	like "$ERR" "$SOCK" "$w: its error names the socket"
	req 'print(6 * 7)'
	is "$(rec status stdout)" exited/42 "$w: the first server still answers on it"
	kill -HUP "$SPID"
	req 'print(6 * 7)'
	is "$(rec status stdout)" exited/42 "$w: SIGHUP is ignored"
	serve_stop
	is "$SRC/$(serve_leftovers)" 0/ "$w: SIGTERM: the server exits 0, leaves nothing"
}

group() {
	local g
	g=$(id -gn "$PJ_TEST_USER")
	serve_start root --pool 1 --group "$g"
	ok $? "--group: the server starts"
	[ -n "$SPID" ] || return
	is "$(stat -c %a/%G "$SOCK")" "660/$g" "--group $g: the socket is mode 0660 and the group's"
	raw_as "$g" code 'print(6 * 7)'
	is "$(rec status stdout)" exited/42 "--group $g: a member of the group runs a request"
	raw_as nogroup connect
	is "$OUT" EACCES "--group $g: the same user outside the group cannot connect"
	serve_stop
	is "$SRC/$(serve_leftovers)" 0/ "--group: SIGTERM: the server exits 0, leaves nothing"
}

# ---- SIGTERM while two requests run
drain() {
	local w=$1 i pids=()
	serve_up "$w" --pool 2 --workers 2 || return
	for i in 1 2; do
		"$PYJAIL" client --socket "$SOCK" -c 'import sys, time
print("started", flush=True)
time.sleep(1)
print("done", sys.argv[1])' "$i" >"$SDIR/d$i.out" 2>&1 </dev/null &
		pids+=($!)
	done
	# shellcheck disable=SC2016 # evaluated by wait_for, each time
	wait_for eval 'grep -q started "$SDIR/d1.out" && grep -q started "$SDIR/d2.out"'
	kill -TERM "$SPID"
	wait_for test ! -e "$SOCK"
	raw connect
	like "$OUT" "^(ENOENT|ECONNREFUSED)$" "$w: SIGTERM: a new connection is refused"
	for i in 1 2; do
		wait "${pids[$((i - 1))]}"
		is "$?/$(tr '\n' ' ' <"$SDIR/d$i.out")" "0/started done $i " "$w: SIGTERM: running request $i finishes with its output"
	done
	wait "$SPID"
	SRC=$?
	SPID=
	is "$SRC/$(serve_leftovers)" 0/ "$w: SIGTERM: the server exits 0, leaves nothing"
}

# ---- SIGKILL while a request runs, with a daemon of its own
killed() {
	local w=$1 cl spid cgs by
	serve_up "$w" --pool 2 || return
	req pass
	by=$(rec cgroup)
	"$PYJAIL" client --socket "$SOCK" -c 'import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)", "killbg-" + sys.argv[1]])
    os._exit(0)
os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)", "killfg-" + sys.argv[1]])' \
		"$tag" >"$SDIR/k.out" 2>&1 </dev/null &
	cl=$!
	wait_for procs_are 2 "kill[bf]g-$tag"
	is "$(pgrep -fc "kill[bf]g-$tag")" 2 "$w: a request runs, with a daemon"
	spid=$SPID
	kill -KILL "$SPID"
	{ wait "$SPID"; } 2>/dev/null
	SPID=
	wait_for procs_are 0 "kill[bf]g-$tag"
	is "$(pgrep -fc "kill[bf]g-$tag")" 0 "$w: SIGKILL of the server: the request and its daemon are gone"
	wait "$cl"
	is "$?" 125 "$w: its client exits 125"
	if [ ${#SERVE_CG[@]} -gt 0 ] && [ "$by" != none ]; then
		# shellcheck disable=SC2016 # evaluated by wait_for, each time
		wait_for eval '[ -z "$(_serve_cg_procs)" ]'
		is "$(_serve_cg_procs | wc -l)" 0 "$w: no process of the server is left (keeper, zygote, jails)"
		cgs=$(_serve_cg_below | wc -l)
		cmp_ok "$cgs" -gt 0 "$w: it left cgroups (pyjail-$spid-*)"
		# the next pyjail run in the same cgroups reaps them
		sh -c 'while [ "$1" != -- ]; do echo $$ >"$1/cgroup.procs" || exit 125; shift; done
			shift; exec "$@"' sh "${SERVE_CG[@]}" -- "$PYJAIL" --config "$PJ_EMPTY_CONF" \
			--rootfs "$PYJAIL_TEST_ROOTFS" -c 'print("next")' >"$SDIR/next.out" 2>&1 </dev/null
		is "$?/$(cat "$SDIR/next.out")" 0/next "$w: the next pyjail run works"
		# (what is left is that run's own kept cgroup v1 set, pyjail-keep-N)
		is "$(_serve_cg_below | grep -v '/pyjail-keep-[0-9]*$')" "" \
			"$w: and removed the dead server's cgroups"
	else
		skip "the jails have no cgroups (record: cgroup $by)" "$w: SIGKILL: cgroups"
	fi
	ok "$([ -S "$SOCK" ]; echo $?)" "$w: (the dead server's socket file is still there)"
	serve_start "$w" --pool 1
	ok $? "$w: a new server takes over a dead server's socket path"
}

for who in $(pj_whos); do
	start "$who" || continue
	drain "$who"
	killed "$who"
	[ -n "$SPID" ] && serve_stop && is "$SRC/$(serve_leftovers)" 0/ "$who: the last server exits 0, leaves nothing"
done
[ "$(id -u)" = 0 ] && have_test_user && group
serve_finish
