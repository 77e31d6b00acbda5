#!/bin/bash
# pyjail client: the program's stdin, stdout and stderr are the client's own (passed
# to the server with SCM_RIGHTS); --json and --result print and write the record as
# the cold path does; SIGINT, SIGTERM, SIGHUP and SIGQUIT are forwarded as lines.
. "$(dirname "$0")/client-common.bash"

plan 15

# Everything the client does not send in the record must reach the program's fds.
fake --mode echo
printf 'some input\n' >"$WORK/in"
client_stdin -c pass <"$WORK/in"
is "$RC:$OUT:$ERR" '0:out:some input:err:some input' \
	"the program reads the client's stdin and writes the client's stdout and stderr"

o=$WORK/o e=$WORK/e
fake
"$PYJAIL" client --socket "$SOCK" -c pass <"$WORK/in" >"$o" 2>"$e"
is "$(logq 'L[0]["fds"]')" "$(stat -c '[[%d, %i], ' "$WORK/in" | tr -d '\n'; \
	stat -c '[%d, %i], ' "$o" | tr -d '\n'; stat -c '[%d, %i]]' "$e")" \
	"the passed fds are the very files of the client's 0, 1 and 2"

fake
_pj_capture "$PYJAIL" client --socket "$SOCK" -c pass <&-
is "$RC:$(logq 'L[0]["nfds"]'):$(logq 'L[0]["fd_modes"][0] == __import__("stat").S_IFCHR')" \
	"0:3:true" "a closed stdin: /dev/null stands in (not one of the client's own fds)"

# --json: the record, as the server wrote it, is all of stdout.
want='{"status":"exited","exit_code":0,"signal":null,"stdout":"hello \udcff\n","stderr":"warn\n","stdout_truncated":false,"stderr_truncated":false,"wall_ms":12,"cpu_ms":8,"peak_memory_bytes":1048576,"pids_limit_hit":false,"limits":{"memory":{"value":268435456,"enforced_by":"cgroup1"},"cpu_time":{"value":10.000000,"enforced_by":"cgroup1"}},"denied_syscalls":{"ptrace":2},"cgroup":"cgroup1"}'
want_noout='{"status":"exited","exit_code":0,"signal":null,"stdout_truncated":false,"stderr_truncated":false,"wall_ms":12,"cpu_ms":8,"peak_memory_bytes":1048576,"pids_limit_hit":false,"limits":{"memory":{"value":268435456,"enforced_by":"cgroup1"},"cpu_time":{"value":10.000000,"enforced_by":"cgroup1"}},"denied_syscalls":{"ptrace":2},"cgroup":"cgroup1"}'
fake
client --json -c pass
is "$RC:$OUT:$ERR" "0:$want:" "--json: stdout is exactly the record (\\udcXX and 10.000000 kept)"

fake --mode echo
client_stdin --result "$WORK/r1.json" -c pass <"$WORK/in"
is "$RC:$OUT:$ERR:$(cat "$WORK/r1.json")" '0:out:some input:err:some input:'"$want_noout" \
	"--result FILE: the output passes through, the file holds the record"

fake
client --json --result "$WORK/r2.json" -c pass
is "$RC:$OUT" "0:$want" "--json --result FILE: stdout has the record with the output"
is "$(cat "$WORK/r2.json")" "$want_noout" "... and FILE the same record without stdout and stderr"

fake --stdout-json '"a\"b\\\"stdout\\\":{,}"' --stderr-json '"\\\\"'
client --json --result "$WORK/r3.json" -c pass
is "$RC:$(cat "$WORK/r3.json")" "0:$want_noout" \
	"... even when the output holds quotes, backslashes and braces"

# Output the program controls: NUL, bytes that are not UTF-8, control characters.
fake --stdout-json '"\u0000\udcff\u001b[1m\ufffd"' --stderr-json '"\udc80"'
client --json -c pass
like "$RC:$OUT" '^0:\{"status":"exited","exit_code":0,"signal":null,"stdout":"\\u0000\\udcff\\u001b\[1m\\ufffd","stderr":"\\udc80",' \
	"--json: NUL, \\udcXX and escapes in the output are read and printed as they came"

fake --status setup-error --error "server busy"
client --result "$WORK/r4.json" -c pass
like "$RC:$(cat "$WORK/r4.json")" '^125:\{"status":"setup-error".*"error":"server busy"\}$' \
	"--result FILE: a setup-error record is written too"

fake
client --result /nonexistent/dir/r.json -c pass
is "$RC:$ERR" "0:pyjail: cannot write result file '/nonexistent/dir/r.json': No such file or directory" \
	"an unwritable --result FILE: the cold path's message, the program's status"

# Signals: the fake server signals the client itself, then waits for each line.
fake --mode signal --signals 2,15,1,3 --exit-code 42
client -c pass
is "$RC" 42 "the client survives SIGINT, SIGTERM, SIGHUP and SIGQUIT and ends with the reply"
is "$(logq '[e.get("signal_line") for e in L[1:]]')" \
	'["{\"signal\":2}\n", "{\"signal\":15}\n", "{\"signal\":1}\n", "{\"signal\":3}\n"]' \
	"each becomes a {\"signal\":N} line, after the request"

# A signal the protocol does not carry keeps its usual meaning.
fake --mode signal --signals 10 --exit-code 42
client -c pass
is "$RC" $((128 + 10)) "SIGUSR1 is not forwarded: it ends the client as usual"

# A client that goes away closes the connection: the server sees it (and would kill the jail).
mkfifo "$WORK/done"
fake --mode kill --done "$WORK/done"
client -c pass
exec 3<>"$WORK/done" # read-write: the open does not wait for the writer
read -r -t 60 -u 3 _
exec 3<&-
is "$RC:$(logq 'L[-1]')" '137:{"closed": true}' "a client killed mid-request: the server sees its side closed"
finish
