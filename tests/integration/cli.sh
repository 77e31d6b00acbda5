#!/bin/bash
# Every CLI mode, as root and as the test user: what python3 inside sees (sys.argv,
# flags) must be what the host's python3 shows for the same command line; scripts are
# visible without their siblings; run, check, --help and --version.
. "$(dirname "$0")/../lib.sh"
require_rootfs
WHOS=$(pj_whos)
plan $((29 * $(wc -w <<<"$WHOS") + 6))

SHOW='import sys, json; print(json.dumps([sys.argv, sys.flags.isolated, sys.flags.dont_write_bytecode, sys.flags.dev_mode, sys.stdout.write_through, sys.warnoptions]))'
ARGS=(a 'b c' '' 'é ü' '$HOME' '*' '-x' '--rootfs' '-c' "it's")
# python3 on the host, in directory $1, for the expected output.
# (with the jail's fixed environment, so no PYTHON* variable of the caller counts).
HOST_ENV=(env -i PATH=/usr/bin:/bin HOME=/tmp LANG=C.UTF-8)
host_py() { (cd "$1" && shift && "${HOST_ENV[@]}" python3 "$@" 2>&1 </dev/null); }
host_py_stdin() { (cd "$1" && shift && "${HOST_ENV[@]}" python3 "$@" 2>&1); }

pj_tmpdir D
printf '%s\n' "$SHOW" >"$D/show.py"
printf 'secret sibling\n' >"$D/sibling.txt"
mkdir "$D/sub" "$D/with space"
printf '%s\n' "$SHOW" >"$D/sub/show.py"
printf '%s\n' "$SHOW" >"$D/with space/my script.py"
cat >"$D/siblings.py" <<'EOF'
import os, sys
here = os.path.dirname(os.path.abspath(sys.argv[0]))
print(sorted(os.listdir(here)) == ["siblings.py"], os.path.exists(os.path.join(here, "sibling.txt")))
EOF
printf 'import sys, json; print(json.dumps(sys.argv[1:]))\n' >"$D/argmod.py"
chmod -R a+rX "$D"
# Outside /tmp: a directory under /home (empty in the rootfs), or the caller's $HOME.
if [ "$(id -u)" = 0 ]; then
	mkdir -p /home && pj_tmpdir O /home
else
	case "${HOME:-/tmp}" in /tmp*) O= ;; *) pj_tmpdir O "$HOME" ;; esac
fi
[ -n "$O" ] && cp "$D/show.py" "$D/siblings.py" "$D/sibling.txt" "$O/" && chmod -R a+rX "$O"
# As root: a script below /root (0700), which the jail's host uid cannot search,
# and one below /usr/local/share, whose directory cannot be made inside.
if [ "$(id -u)" = 0 ]; then
	pj_tmpdir R /root && cp "$D/show.py" "$R/"
	mkdir -p /usr/local/share && pj_tmpdir U /usr/local/share && cp "$D/show.py" "$U/"
	chmod -R a+rX "$R" "$U"
fi

for who in $WHOS; do
	# -c CODE ARGS
	pj_as "$who" -c "$SHOW" "${ARGS[@]}"
	is "$OUT" "$(host_py /tmp -c "$SHOW" "${ARGS[@]}")" "$who: -c: sys.argv verbatim (spaces, empty, unicode, \$HOME, *, options)"
	is "$RC" 0 "$who: -c exits 0"
	pj_as "$who" -Bc "$SHOW" x
	is "$OUT" "$(host_py /tmp -Bc "$SHOW" x)" "$who: -Bc (flags joined to -c)"

	# -m MODULE ARGS: a stdlib module with arguments, and sys.argv[1:] of our own module
	pj_as "$who" -m calendar 2024 2
	is "$OUT" "$(host_py /tmp -m calendar 2024 2)" "$who: -m calendar 2024 2"
	pj_as "$who" --bind "$D/argmod.py:/tmp/argmod.py" -m argmod "${ARGS[@]}"
	is "$OUT" "$(host_py "$D" -m argmod "${ARGS[@]}")" "$who: -m MODULE: arguments verbatim"

	# SCRIPT.py ARGS
	pj_as "$who" "$D/show.py" "${ARGS[@]}"
	is "$OUT" "$(host_py /tmp "$D/show.py" "${ARGS[@]}")" "$who: absolute script under /tmp: sys.argv"
	pj_as "$who" "$D/with space/my script.py" 1
	is "$OUT" "$(host_py /tmp "$D/with space/my script.py" 1)" "$who: script path with spaces"
	(cd "$D" && pj_as "$who" show.py "${ARGS[@]}" && echo "$OUT") >"$D/.out" 2>&1
	is "$(cat "$D/.out")" "$(host_py "$D" show.py "${ARGS[@]}")" "$who: relative script from the cwd: sys.argv"
	(cd "$D" && pj_as "$who" sub/show.py q && echo "$OUT") >"$D/.out" 2>&1
	is "$(cat "$D/.out")" "$(host_py "$D" sub/show.py q)" "$who: relative script in a subdirectory"
	(cd "$D" && pj_as "$who" ./show.py q && echo "$OUT") >"$D/.out" 2>&1
	is "$(cat "$D/.out")" "$(host_py "$D" ./show.py q)" "$who: ./script.py"
	pj_as "$who" "$D/siblings.py"
	is "$OUT" "True False" "$who: the script's siblings are not visible inside"
	(cd "$D" && pj_as "$who" siblings.py && echo "$OUT") >"$D/.out" 2>&1
	is "$(cat "$D/.out")" "True False" "$who: relative script: siblings not visible"
	if [ -n "$O" ]; then
		pj_as "$who" "$O/show.py" z
		is "$OUT" "$(host_py /tmp "$O/show.py" z)" "$who: script outside /tmp ($O)"
		pj_as "$who" "$O/siblings.py"
		is "$OUT" "True False" "$who: script outside /tmp: siblings not visible"
	else
		skip "HOME is under /tmp" "$who: script outside /tmp"
		skip "HOME is under /tmp" "$who: script outside /tmp: siblings"
	fi

	if [ "$who" = root ]; then
		pj_as "$who" "$R/show.py" r
		is "$OUT" "$(host_py /tmp "$R/show.py" r)" "$who: script below /root (a directory the jail cannot search)"
	else
		skip "as root only" "$who: script below /root"
	fi
	if [ -n "${U:-}" ]; then
		pj_as "$who" "$U/show.py"
		like "$RC:$ERR" "^125:.*$U/show.py.*/tmp" "$who: a script whose directory would hide /usr: 125, says what to do"
	else
		skip "as root only" "$who: script below /usr/local/share"
	fi

	# - and no mode: the program on stdin
	pj_as_stdin "$who" - x '' 'y z' <<<"$SHOW"
	is "$OUT" "$(host_py_stdin /tmp - x '' 'y z' <<<"$SHOW")" "$who: '-' reads the program from stdin, sys.argv"
	pj_as_stdin "$who" <<<"$SHOW"
	is "$OUT" "$(host_py_stdin /tmp <<<"$SHOW")" "$who: no mode: program on stdin"
	pj_as_stdin "$who" -u <<<'import sys; print(sys.stdout.write_through, sys.argv)'
	is "$OUT" "True ['']" "$who: flags only, program on stdin"

	# python flags pass through
	pj_as "$who" -u -B -I -X dev -c "$SHOW" 1
	is "$OUT" "$(host_py /tmp -u -B -I -X dev -c "$SHOW" 1)" "$who: -u -B -I -X dev reach python"
	pj_as "$who" -W error -Xdev "$D/show.py"
	is "$OUT" "$(host_py /tmp -W error -Xdev "$D/show.py")" "$who: -W error -Xdev with a script"
	pj_as "$who" -q -c 'import sys; print(sys.flags.quiet)'
	is "$OUT" 1 "$who: -q"

	# run -- PROGRAM (found by PATH inside)
	pj_as "$who" run -- python3.11 -c 'import sys; print(sys.executable, sys.orig_argv)' 'a b'
	is "$OUT" "/usr/bin/python3.11 ['python3.11', '-c', 'import sys; print(sys.executable, sys.orig_argv)', 'a b']" \
		"$who: run -- python3.11 (PATH search, argv verbatim)"
	pj_as "$who" run /usr/bin/python3 -c 'import sys; print(sys.argv)' x
	is "$OUT" "['-c', 'x']" "$who: run /usr/bin/python3 (absolute, no --)"
	pj_as "$who" run -- python3.11 -c 'import sys; sys.exit(9)'
	is "$RC" 9 "$who: run: exit status of the program"
	# The PROGRAM is searched in the jail's PATH, whatever the caller's PATH is.
	pj_cmd "$who" PATH=/nonexistent
	OUT=$(cd /tmp && "${PJ_CMD[@]}" run python3.11 -c 'import os; print(os.environ["PATH"])' 2>&1 </dev/null)
	is "$OUT" /usr/local/bin:/usr/bin:/bin "$who: run: PROGRAM is found by the jail's PATH, not the caller's"
	pj_as "$who" run no-such-program
	is "$RC:$ERR" "125:pyjail: exec: cannot execute 'no-such-program': No such file or directory" \
		"$who: run: a missing PROGRAM is 125, ENOENT"

	# check, --help, --version
	pj_as "$who" check
	is "$RC" 0 "$who: check exits 0 here"
	like "$OUT" "rootfs.*$PYJAIL_TEST_ROOTFS" "$who: check prints the rootfs in use"
done

"$PYJAIL" --help >/tmp/pyjail-test-help.$$ 2>&1
RC=$? OUT=$(cat /tmp/pyjail-test-help.$$)
rm -f /tmp/pyjail-test-help.$$
is "$RC" 0 "--help exits 0"
missing=
for o in config profile rootfs bind env json; do
	grep -q -- "--$o" <<<"$OUT" || missing+=" --$o"
done
is "$missing" "" "--help lists pyjail's options"
like "$OUT" "pyjail .*run" "--help shows the run mode"
OUT=$("$PYJAIL" --version 2>&1)
like "$OUT" '^pyjail [0-9]+\.[0-9]+\.[0-9]+$' "--version prints 'pyjail X.Y.Z'"
pj --rootfs /nonexistent/rootfs check
ok $((RC == 0)) "check fails without a rootfs"
like "$OUT" '^missing +rootfs +/nonexistent/rootfs' "check says the rootfs is missing"
finish
