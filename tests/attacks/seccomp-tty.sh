#!/bin/bash
# Terminal injection (CVE-2017-5226, bubblewrap): the jail gets a pty as stdin
# (script(1)); TIOCSTI would push input into the caller's terminal and TIOCLINUX
# reaches the console.  The filter compares the low 32 bits of the request, so
# TIOCSTI | 1<<32, which the kernel truncates to TIOCSTI, is refused too
# (CVE-2019-10063).  pyjail also starts a new session, so the kernel would
# refuse TIOCSTI on a terminal that is not the controlling one: the record shows
# that the filter, not the kernel, said no.
. "$(dirname "$0")/attack-lib.sh"
require_rootfs
if ! command -v script >/dev/null; then
	echo "1..0 # SKIP script(1) is needed to give the jail a terminal"
	exit 0
fi
need_probe
plan 7

checks="isatty tiocsti tiocsti_hibits tioclinux tioclinux_hibits"
code='import os, sys; os.execv("/tmp/probe", ["/tmp/probe"] + sys.argv[1:])'
if [ -n "$BARE" ]; then
	cmd="python3 -c '${code//\/tmp\/probe/$WORK/probe}' $checks"
else
	cmd="'$PYJAIL' --config '$CONF' --rootfs '$PYJAIL_TEST_ROOTFS' --result '$WORK/rec.json' \
		--bind '$WORK/probe:/tmp/probe' -c '$code' $checks"
fi
OUT=$(script -qec "$cmd" /dev/null </dev/null | tr -d '\r')
# shellcheck disable=SC2034 # read by res()
REC=$(cat "$WORK/rec.json" 2>/dev/null || true)

is "$(res isatty)" OK "stdin is a terminal and ordinary ioctls work"
is "$(res tiocsti)" EPERM "TIOCSTI is refused"
is "$(res tiocsti_hibits)" EPERM "TIOCSTI with high bits set is refused"
is "$(res tioclinux)" EPERM "TIOCLINUX is refused"
is "$(res tioclinux_hibits)" EPERM "TIOCLINUX with high bits set is refused"
is "$(denied ioctl)" 4 "the record counts four refused ioctls"

# The same from Python, as an attacker would write it.
OUT=$(script -qec "'$PYJAIL' --config '$CONF' --rootfs '$PYJAIL_TEST_ROOTFS' -c '
import fcntl, termios
try:
    fcntl.ioctl(0, termios.TIOCSTI, b\"#\")
    print(\"injected\")
except OSError as e:
    print(e.errno)'" /dev/null </dev/null | tr -d '\r')
[ -n "$BARE" ] && OUT=$(script -qec "python3 -c 'import fcntl, termios; fcntl.ioctl(0, termios.TIOCSTI, b\"#\"); print(\"injected\")'" /dev/null </dev/null | tr -d '\r')
is "$OUT" 1 "fcntl.ioctl(0, TIOCSTI) raises EPERM"
finish
