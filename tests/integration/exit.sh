#!/bin/bash
# Exit status: the program's own; 128+N when it dies by signal N; 125 with exactly
# one line on stderr, saying what is wrong, when pyjail itself cannot run it.
. "$(dirname "$0")/../lib.sh"
require_rootfs
WHOS=$(pj_whos)
plan $((24 * $(wc -w <<<"$WHOS")))

pj_tmpdir D
printf '[jail]\nhostname = ok\n\n[limits]\nmemory = 12Q\n' >"$D/badvalue.conf"
printf '[jail]\n# comment\nno_such_key = 1\n' >"$D/badkey.conf"
printf 'print(1)\n' >"$D/ok.py"
chmod -R a+rX "$D"

# setup_error WHO "what" REGEX ARGS...: exit 125, one line on stderr matching REGEX.
setup_error() {
	local who=$1 what=$2 re=$3
	shift 3
	pj_as "$who" "$@"
	is "$RC" 125 "$who: $what: exit 125"
	is "$(printf '%s\n' "$ERR" | grep -c .):$(printf '%s' "$ERR" | grep -Ec -- "$re")" 1:1 \
		"$who: $what: one line on stderr matching /$re/"
}

for who in $WHOS; do
	for code in 0 1 7 255; do
		pj_as "$who" -c "import sys; sys.exit($code)"
		is "$RC" "$code" "$who: sys.exit($code) -> $code"
	done
	pj_as "$who" -c 'raise ValueError("boom")'
	is "$RC:$(tail -n1 <<<"$ERR")" "1:ValueError: boom" "$who: an uncaught exception -> 1, traceback on stderr"
	pj_as "$who" -c 'import os; print("out", flush=True); os._exit(42)'
	is "$RC:$OUT" "42:out" "$who: os._exit(42) -> 42"
	for sig in 9 15 6 11; do
		pj_as "$who" -c "import os; os.kill(os.getpid(), $sig)"
		is "$RC" $((128 + sig)) "$who: killed by signal $sig -> $((128 + sig))"
	done

	setup_error "$who" "unknown option" "--no-such-option" --no-such-option -c 1
	setup_error "$who" "bad option value" "--memory.*12Q" --memory 12Q -c 1
	setup_error "$who" "bad config value" "$D/badvalue.conf:5: memory: .*12Q" --config "$D/badvalue.conf" -c 1
	setup_error "$who" "unknown config key" "$D/badkey.conf:3:.*no_such_key" --config "$D/badkey.conf" -c 1
	setup_error "$who" "missing rootfs" "/nonexistent/rootfs" --rootfs /nonexistent/rootfs -c 1
	setup_error "$who" "missing script" "$D/missing.py" "$D/missing.py" x
	setup_error "$who" "bind destination missing from the rootfs" "/no/such/dir" \
		--bind "$D:/no/such/dir" -c 1
done
finish
