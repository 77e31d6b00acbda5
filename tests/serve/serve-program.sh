#!/bin/bash
# pyjail serve: the program holds nothing of the server's.  It runs as an
# unprivileged host user (not uid 0, even under a root server).  It has fds 0, 1 and 2
# only, as on the cold path, so it has no channel to the process that writes its
# result record: whatever it (or a child it leaves behind) sends on any socket it
# finds, its record says how it really ended.  A program that exits 0 while a
# child of it still runs is "exited 0", every time.
. "$(dirname "$0")/serve-common.bash"

tag=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')

fds='import os
def fds():
    out = {}
    for f in os.listdir("/proc/self/fd"):
        try:
            out[int(f)] = os.readlink("/proc/self/fd/" + f)
        except OSError:
            pass  # the directory listing itself
    return out
'

program() {
	req "$fds"'print(sorted(fds()))'
	is "$(rec status stdout)" "exited/[0, 1, 2]" "$1: the program has fds 0, 1 and 2 only (as on the cold path)"
	pj_as "$1" -c "$fds"'print(sorted(fds()))'
	is "$OUT" "[0, 1, 2]" "$1: (the cold path: fds 0, 1 and 2)"

	# A forged PJ_MSG_ERROR (sync.h's struct pj_msg) on every socket the program has.
	req "$fds"'import socket, struct
msg = struct.pack("=ii8Qii256s", 3, 0, *[0] * 8, 0, 0, b"forged by the program")
for f, what in fds().items():
    if what.startswith("socket:"):
        try:
            socket.socket(fileno=f).send(msg)
        except OSError:
            pass
print("sent")'
	is "$(rec status exit_code stdout error)" "exited/0/sent/None" \
		"$1: a forged setup error sent on the program's sockets does not become its record"

	# The same from a child it leaves behind: a forged exit status 7, then it exits 0.
	req "$fds"'import os, socket, struct, time
if os.fork() == 0:
    msg = struct.pack("=ii8Qii256s", 4, 7 << 8, *[0] * 8, 0, 0, b"")
    for f, what in fds().items():
        if what.startswith("socket:"):
            try:
                socket.socket(fileno=f).send(msg)
            except OSError:
                pass
    time.sleep(60)
time.sleep(0.5)
print("done")'
	is "$(rec status exit_code stdout)" "exited/0/done" \
		"$1: a forged exit status sent by a child does not become the record"

	# The program's host uid (seen through a marked child): never 0.
	local cl uid
	python3 "$SERVE_DIR/serve-raw.py" "$SOCK" code -- 'import os, sys, time
if os.fork() == 0:
    os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(30)", "proguid-" + sys.argv[1]])
time.sleep(30)' "$tag" >/dev/null 2>&1 </dev/null &
	cl=$!
	wait_for procs_are 1 "proguid-$tag"
	uid=$(awk '/^Uid:/ {print $2 "/" $3 "/" $4 "/" $5}' "/proc/$(pgrep -f "proguid-$tag")/status")
	kill "$cl"
	wait "$cl" 2>/dev/null
	like "$uid" '^[1-9][0-9]*/[1-9][0-9]*/[1-9][0-9]*/[1-9][0-9]*$' \
		"$1: the program runs as an unprivileged host user (real/effective/saved/fs uid $uid)"
	wait_for procs_are 0 "proguid-$tag"

	# Children left running: 20 times, exited 0 every time.
	raw repeat 20 'import os, time
if os.fork() == 0:
    time.sleep(60)
time.sleep(0.05)
print("done")'
	is "$(sort <<<"$OUT" | uniq -c | sed 's/^ *//')" "20 exited/0/None/done" \
		"$1: 20 programs that exit 0 with a child still running: all exited 0"
}

for who in $(pj_whos); do
	serve_up "$who" --pool 2 --workers 2 || continue
	program "$who"
	serve_stop
	is "$SRC" 0 "$who: SIGTERM: the server exits 0"
	is "$(serve_leftovers)" "" "$who: the server left nothing behind"
done
serve_finish
