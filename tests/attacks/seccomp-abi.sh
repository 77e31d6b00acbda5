#!/bin/bash
# Foreign ABIs are killed outright: i386 calls through int 0x80 and x32 calls
# (x86_64's audit arch with bit 30 set in the number) would otherwise reach a
# second syscall table the allow-list does not describe.
. "$(dirname "$0")/attack-lib.sh"
require_rootfs
if [ "$(uname -m)" != x86_64 ]; then
	echo "1..0 # SKIP foreign ABIs are tested on x86_64 only"
	exit 0
fi
need_probe
plan 6

probe int80 x32 getpid
is "$(res int80)" SIGSYS "int 0x80 (i386 getpid) is killed by SIGSYS"
is "$(res x32)" SIGSYS "an x32 syscall is killed by SIGSYS"
is "$(res getpid)" OK "the native getpid works (control)"

# The program itself makes the call: the record shows the kill.
jail --bind "$WORK/probe:/tmp/probe" -c \
	'import os; os.execv("/tmp/probe", ["/tmp/probe", "--direct", "int80"])'
is "$(rec status)/$(rec signal)" signaled/31 "int 0x80 in the program: the jail ends by SIGSYS"
jail --bind "$WORK/probe:/tmp/probe" -c \
	'import os; os.execv("/tmp/probe", ["/tmp/probe", "--direct", "x32"])'
is "$(rec status)/$(rec signal)" signaled/31 "x32 in the program: the jail ends by SIGSYS"
is "$RC" 159 "pyjail exits 128+SIGSYS"
finish
