#!/bin/bash
# contrib/pyjail_client.py: the request it sends (capture mode, fds mode), the
# record it returns, and its exceptions for a missing server or a broken reply.
. "$(dirname "$0")/client-common.bash"

plan 13

py() { # python code using pyjail_client as pc and the socket S; sets OUT ERR RC
	_pj_capture env PYTHONPATH="$CONTRIB" python3 -c "
import json, os, sys, pyjail_client as pc
S = sys.argv[1]
$1" "$SOCK" "${@:2}" </dev/null
}

fake
py 'r = pc.run(code="print(1)", args=["a"], stdin=b"in\n", options={"memory": "64M", "pids": 8},
           python_flags=["-I"], socket_path=S)
print(r["status"], r["exit_code"], pc.output(r), pc.output(r, "stderr"))'
is "$RC:$OUT" "0:exited 0 b'hello \\xff\\n' b'warn\\n'" \
	"run(): the record, with the output's bytes restored (\\udcff -> 0xff)"
is "$(logq 'L[0]["request"]'):$(logq 'L[0]["nfds"]')" \
	'{"args": ["a"], "code": "print(1)", "options": {"memory": "64M", "pids": 8}, "python_flags": ["-I"], "stdin": "in\n"}:0' \
	"capture mode: code, args, stdin, options, python_flags; no fds"

printf 'print(2)\n' >"$WORK/t.py"
printf '\xff\n' >"$WORK/b.py"
fake --count 3
py 'pc.run(script=sys.argv[2], socket_path=S); pc.run(script=("x.py", b"\xff"), socket_path=S)
pc.run(module="json.tool", stdin_program=False, socket_path=S)' "$WORK/t.py"
is "$(logq '[e["request"] for e in L]')" \
	"[{\"script\": {\"path\": \"$WORK/t.py\", \"text\": \"print(2)\\n\"}}, {\"script\": {\"base64\": \"/w==\", \"path\": \"x.py\"}}, {\"module\": \"json.tool\"}]" \
	"scripts as text or base64, modules"

fake --mode echo
printf 'abc' >"$WORK/in"
_pj_capture env PYTHONPATH="$CONTRIB" python3 -c '
import sys, pyjail_client as pc
r = pc.run(code="pass", fds=(0, 1, 2), socket_path=sys.argv[1])
print("|", r["status"], "stdout" in r)' "$SOCK" <"$WORK/in"
is "$RC:$OUT:$ERR:$(logq 'L[0]["nfds"]')" "0:out:abc| exited False:err:abc:3" \
	"fds mode: the program gets the caller's fds, the record has no output"

fake
py 'print(pc.run(code="pass", fds=(0, 1, 2), capture=True, socket_path=S)["stdout"] != "")'
is "$RC:$OUT:$(logq 'L[0]["request"]["json"]')" "0:True:true" "fds mode with capture=True: json: true"

fake --status setup-error --error "server busy"
py 'r = pc.run(code="pass", socket_path=S); print(r["status"], r["error"], pc.exit_status(r))'
is "$RC:$OUT" "0:setup-error server busy 125" "a setup-error record is returned, exit_status 125"

fake --mode raw --raw 'not json'
py 'try:
    pc.run(code="pass", socket_path=S)
except pc.ProtocolError as e:
    print("ProtocolError", e)'
like "$RC:$OUT" "^0:ProtocolError the server's reply is not JSON" "a garbled reply: ProtocolError"

fake --mode close
py 'try:
    pc.run(code="pass", socket_path=S)
except pc.ProtocolError as e:
    print("ProtocolError", e)'
is "$RC:$OUT" "0:ProtocolError the server closed the connection without a reply" \
	"no reply: ProtocolError"

rm -f "$SOCK"
py 'try:
    pc.run(code="pass", socket_path=S)
except FileNotFoundError as e:
    print("FileNotFoundError")'
is "$RC:$OUT" "0:FileNotFoundError" "no server: the OSError of connect"

# Signals: the fake server sends the client SIGUSR1, which the script answers by
# forwarding SIGINT through the Run; the server logs the line.
fake --mode signal --signals 10 --exit-code 42
py 'import signal
r, pending = None, []
def on_usr1(*_):
    r.send_signal(2) if r else pending.append(2)
signal.signal(signal.SIGUSR1, on_usr1)
r = pc.start(code="pass", socket_path=S)
if pending:
    r.send_signal(2)
print(r.wait(30)["exit_code"])'
is "$RC:$OUT:$(logq 'L[1]["signal_line"]')" $'0:42:{"signal":2}' "Run.send_signal(): a {\"signal\":N} line"

fake --mode raw --raw '{"status":"exited","exit_code":0,"signal":null}' --no-newline
py 'try:
    pc.run(code="pass", socket_path=S, timeout=0.5)
except pc.ProtocolError as e:
    print("ProtocolError", e)'
is "$RC:$OUT" "0:ProtocolError the server's reply ended without its end of line" \
	"a reply without its newline: ProtocolError"

# A server that does not answer in time: TimeoutError, and the connection is closed.
mkfifo "$WORK/done"
fake --mode wait --done "$WORK/done"
py 'try:
    pc.run(code="pass", socket_path=S, timeout=0.2)
except TimeoutError as e:
    print("TimeoutError")'
exec 3<>"$WORK/done" # read-write: the open does not wait for the writer
read -r -t 60 -u 3 _
exec 3<&-
is "$RC:$OUT:$(logq 'L[-1]')" '0:TimeoutError:{"closed": true}' \
	"timeout: TimeoutError, and the server sees the connection closed"

_pj_capture env PYTHONPATH="$CONTRIB" python3 "$CONTRIB/pyjail_client.py" --socket "$WORK/none" \
	-c pass </dev/null
like "$RC:$ERR" "^125:pyjail_client: .*No such file or directory" "the command line: 125 without a server"
finish
