#!/bin/bash
# pyjail client: no server, a broken reply, a server that refuses early.  Every
# failure of the client itself is one line on stderr and status 125 (with --json,
# a setup-error record on stdout too, as the cold path's own failures).
. "$(dirname "$0")/client-common.bash"

plan 16

client -c pass
is "$RC:$ERR" "125:pyjail: cannot reach the server at '$SOCK': No such file or directory" \
	"no socket: 125 and why"

# A socket nobody listens on any more.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SOCK"
client -c pass
is "$RC:$ERR" "125:pyjail: cannot reach the server at '$SOCK': Connection refused" \
	"a dead socket: 125, connection refused"
client --json -c pass
is "$RC:$(json status):$(json error)" \
	"125:setup-error:cannot reach the server at '$SOCK': Connection refused" \
	"--json: a setup-error record on stdout"
like "$ERR" "^pyjail: cannot reach the server" "... and the message on stderr, as the cold path"
rm -f "$SOCK"

long=$WORK/$(printf 'x%.0s' $(seq 120))
_pj_capture "$PYJAIL" client --socket "$long" -c pass </dev/null
is "$RC:$ERR" "125:pyjail: --socket '$long': the path is too long (at most 107 bytes)" \
	"a socket path too long for sun_path: 125"

# broken NAME REGEX FAKE-ARGS...: stderr is "pyjail: the server at 'PATH'" + REGEX.
broken() {
	local name=$1 want=$2
	shift 2
	fake "$@"
	client -c pass
	like "$RC:$ERR" "^125:pyjail: the server at '[^']*'$want" "$name"
}
broken "garbled reply: 125" " sent a malformed reply: not JSON" \
	--mode raw --raw 'this is not json'
broken "a JSON array: 125" " sent a malformed reply: not a JSON object" --mode raw --raw '[1,2]'
broken "an unknown status: 125" ' sent a malformed reply: no valid "status"' \
	--mode raw --raw '{"status":"fine","exit_code":0,"signal":null}'
broken "exit_code out of range: 125" ' sent a malformed reply: no valid "exit_code"' \
	--mode raw --raw '{"status":"exited","exit_code":256,"signal":null}'
broken "exited without exit_code: 125" ' sent a malformed reply: no valid "exit_code"' \
	--mode raw --raw '{"status":"exited","exit_code":null,"signal":null}'
broken "a setup-error without a message: 125" ' sent a malformed reply: a setup-error without' \
	--mode raw --raw '{"status":"setup-error","exit_code":null,"signal":null}'
broken "no reply at all: 125" ": no reply \\(the connection was closed\\)$" --mode close
broken "a reply cut before its newline: 125" ": the reply ended without its end of line$" \
	--mode raw --no-newline --raw '{"status":"exited","exit_code":0,"signal":null}'

fake --mode raw --raw 'garbage'
client --json -c pass
is "$RC:$(json status)" "125:setup-error" "--json with a garbled reply: a setup-error record"

# A duplicate key could make the client and a reader of the record disagree.
broken "a reply with a duplicate key: 125" " sent a malformed reply: not JSON" \
	--mode raw --raw '{"status":"exited","exit_code":0,"signal":null,"exit_code":3}'

# A server that refuses before reading (busy, too large) replies and closes; the
# client may be still sending: it must still read and report the reply.
head -c $((8 << 20)) /dev/zero | tr '\0' '#' >"$WORK/big.py"
fake --mode early --status setup-error --error "request too large (at most 16M)"
client "$WORK/big.py"
is "$RC:$ERR" "125:pyjail: request too large (at most 16M)" \
	"refused while the client sends: the server's message, 125"
finish
