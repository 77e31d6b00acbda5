#!/bin/bash
# pyjail client: the request it sends for each mode (protocol v1, pyjail(1) PROTOCOL),
# and the options it refuses without asking the server.
. "$(dirname "$0")/client-common.bash"

plan 24

req() { logq 'L[0]["request"]'; }

fake
client -c 'print(1)' a 'b c'
is "$RC:$(req)" '0:{"args": ["a", "b c"], "code": "print(1)"}' "-c CODE ARG...: code and args"
is "$(logq 'L[0]["nfds"]')" 3 "fds 0, 1 and 2 go with the request (fds mode)"

fake
client -m json.tool x
is "$RC:$(req)" '0:{"args": ["x"], "module": "json.tool"}' "-m MODULE ARG...: module and args"

mkdir "$WORK/sub"
printf 'print("h\\u00e9")\n# caf\xc3\xa9\n' >"$WORK/sub/t.py"
fake
(cd "$WORK" && client sub/t.py arg)
is "$RC:$(logq 'sorted(L[0]["request"])'):$(logq 'L[0]["request"]["script"]["path"]')" \
	'0:["args", "script"]:sub/t.py' "SCRIPT: the path as typed"
is "$(logq 'L[0]["request"]["script"]["text"] == open(L[0]["request"]["script"]["path"].replace("sub", "'"$WORK/sub"'"), encoding="utf-8").read()')" \
	true "... and the file's text, read by the client"

printf 'print(1)\n# \xff\xfe\x00\n' >"$WORK/bin.py"
fake
client "$WORK/bin.py"
is "$RC:$(logq 'sorted(L[0]["request"]["script"])')" '0:["base64", "path"]' \
	"SCRIPT that is not UTF-8: sent as base64"
is "$(logq '__import__("base64").b64decode(L[0]["request"]["script"]["base64"]).hex()')" \
	"$(od -An -tx1 "$WORK/bin.py" | tr -d ' \n')" "the base64 holds the file's exact bytes"

fake
client - x y
is "$RC:$(req)" '0:{"args": ["x", "y"], "stdin_program": true}' "-: stdin_program"

fake
client
is "$RC:$(req)" '0:{"args": []}' "no program: neither code, module, script nor stdin_program"

fake
client -I -X utf8 -W error -Bc 'pass'
is "$RC:$(req)" '0:{"args": [], "code": "pass", "python_flags": ["-I", "-X", "utf8", "-W", "error", "-B"]}' \
	"python flags before the program go to python_flags (-Bc split as the cold path does)"

fake
client --memory 64M --wall-time=2s --pids 16 --cpu-quota 50% -c pass
is "$RC:$(logq 'L[0]["request"]["options"]')" \
	'0:{"cpu-quota": "50%", "memory": "64M", "pids": "16", "wall-time": "2s"}' \
	"limits go to options, by long option name"

fake
client --json -c pass
is "$RC:$(logq 'L[0]["request"].get("json")')" "0:true" "--json asks the server to capture (json: true)"
fake
client --result "$WORK/r.json" -c pass
is "$RC:$(logq '"json" in L[0]["request"]')" "0:false" "without --json the request has no json field"

fake
client -c $'print(1)\nprint(2)\n' $'a\nb'
is "$RC:$(logq 'L[0]["raw_lines"], L[0]["raw_ends_with_newline"]')" "0:(1, True)" \
	"newlines in the program and args are escaped: the request is one line"
is "$(logq 'L[0]["request"]["code"] + L[0]["request"]["args"][0]')" $'print(1)\nprint(2)\na\nb' \
	"... and arrive intact"

# Options the server's config decides: refused here, and the server never hears of them.
for o in "--config $WORK/c.conf" "--profile strict" --print-plan --timings; do
	fake
	# shellcheck disable=SC2086  # $o is an option and maybe its value
	client $o -c pass
	is "$RC:$ERR:$(logq 'len(L)')" \
		"125:pyjail: ${o%% *} cannot be used with 'client' (the server's configuration applies):0" \
		"$o: refused with 125, nothing sent"
done

fake
client --wall-time 15 --memory 64M --wall-time 3 -c pass
is "$RC:$(logq 'L[0]["request"]["options"]')" '0:{"memory": "64M", "wall-time": "3"}' \
	"a repeated option: the last one counts, as in a run"

fake
client -c pass "$(printf 'a\xffb')"
is "$RC:$(printf '%s' "$ERR" | LC_ALL=C tr -c '[:print:]' '?'):$(logq 'len(L)')" \
	"125:pyjail: argument 'a?b' is not valid UTF-8 (a request carries text):0" "an argument that is not UTF-8: 125"

fake
client "$WORK/nonexistent.py"
is "$RC:$ERR:$(logq 'len(L)')" \
	"125:pyjail: script '$WORK/nonexistent.py': No such file or directory:0" "a missing script: 125"
fake
client "$WORK/sub"
is "$RC:$ERR" "125:pyjail: script '$WORK/sub' is not a regular file" "a directory as script: 125"

# The script is read with the caller's rights, not the server's.
if have_test_user; then
	printf 'print(1)\n' >"$WORK/secret.py"
	chmod 600 "$WORK/secret.py"
	_pj_capture setpriv --reuid="$PJ_TEST_USER" --regid="$PJ_TEST_USER" --clear-groups \
		--inh-caps=-all "$PYJAIL" client --socket "$SOCK" "$WORK/secret.py" </dev/null
	is "$RC:$ERR" "125:pyjail: script '$WORK/secret.py': Permission denied" \
		"a script the caller cannot read is refused (read with the caller's rights)"
else
	skip "needs root and the test user" "a script the caller cannot read is refused"
fi
finish
