#!/bin/bash
# What the program inherits, as root and as the test user: a cleared environment
# (plus --env), no file descriptor beyond 0, 1 and 2, and the caller's CPUs (the
# jail's init keeps off the parent's CPU while it sets up, then gives them back).
. "$(dirname "$0")/../lib.sh"
require_rootfs
WHOS=$(pj_whos)
plan $((8 * $(wc -w <<<"$WHOS")))

SECRET=pyjail-test-secret-$$-$RANDOM
export PYJAIL_TEST_SECRET=$SECRET PYTHONPATH=/tmp/evil PYTHONSAFEPATH=
pj_tmpdir D
echo "fd secret" >"$D/file"
chmod 644 "$D/file"

for who in $WHOS; do
	pj_as "$who" -c "
import os
print(sorted(os.environ))
print([k for k, v in os.environ.items() if '$SECRET' in v or '/tmp/evil' in v])"
	is "$OUT" "['HOME', 'LANG', 'LOGNAME', 'PATH', 'SHELL', 'TMPDIR', 'USER']
[]" "$who: the environment is the fixed set; the caller's variables are not visible"
	pj_as "$who" -c 'import os; print(os.environ["PATH"], os.environ["HOME"])'
	is "$OUT" "/usr/local/bin:/usr/bin:/bin /tmp" "$who: PATH and HOME inside"
	pj_as "$who" --env 'GREETING=hello world' --env 'EQ=a=b' --env 'EMPTY=' --env HOME=/tmp/home -c '
import os; print(repr(os.environ["GREETING"]), os.environ["EQ"], repr(os.environ["EMPTY"]), os.environ["HOME"])'
	is "$OUT" "'hello world' a=b '' /tmp/home" "$who: --env NAME=VALUE is visible (and overrides the fixed set)"
	pj_as "$who" --env "BAD NAME=1" -c 1
	is "$RC" 125 "$who: --env with a bad name is refused"

	# fds 5 and 7 open in the caller (not close-on-exec) must not reach the program.
	exec 5<"$D/file" 7>>"$D/file"
	pj_as "$who" -c '
import os
open_fds = []
for fd in range(3, 4096):
    try:
        os.fstat(fd); open_fds.append(fd)
    except OSError:
        pass
print(open_fds)'
	is "$OUT" "[]" "$who: fds 5 and 7 of the caller are closed inside (no fd above 2 at all)"
	pj_as "$who" run -- python3.11 -c '
import os
print(sorted(int(f) for f in os.listdir("/proc/self/fd")))'
	is "$OUT" "[0, 1, 2, 3]" "$who: run: only 0, 1, 2 (and listdir's own fd)"
	exec 5<&- 7>&-

	AFFINITY='import os; print(sorted(os.sched_getaffinity(0)))'
	pj_as "$who" -c "$AFFINITY"
	is "$OUT" "$(python3 -c "$AFFINITY")" "$who: the program may run on every CPU the caller may"
	last=$(($(nproc) - 1))
	pj_cmd "$who"
	_pj_capture taskset -c "$last" "${PJ_CMD[@]}" -c "$AFFINITY" </dev/null
	is "$OUT" "[$last]" "$who: a caller held to CPU $last keeps its program there"
done
finish
