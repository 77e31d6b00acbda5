#!/bin/bash
# [seccomp] in the config: names are checked with file:line, the always-denied
# groups cannot be allowed, extra denies work, log mode reports but allows,
# kill mode kills, and denied_syscalls counts every refusal by name.
. "$(dirname "$0")/attack-lib.sh"
require_rootfs
need_probe
plan 17
conf() { printf '%b' "$1" >"$WORK/pj.conf"; CONF=$WORK/pj.conf; }
keyctl3='import ctypes, sys
l = ctypes.CDLL(None, use_errno=True)
for i in range(3):
    l.syscall(250, 0x7fff, 0, 0, 0, 0)
print(ctypes.get_errno())'

conf '[seccomp]\nallow = getpid\n\nallow = sync no_such_syscall\n'
py 'print(1)'
is "$RC" 125 "an unknown syscall name is a setup error (125)"
like "$ERR" "pj.conf:4: allow: unknown syscall 'no_such_syscall'" "the message names file, line and name"
conf '[seccomp]\ndeny = @no_such_group\n'
py 'print(1)'
like "$RC:$ERR" "^125:.*pj.conf:2: deny: unknown syscall group '@no_such_group'" "an unknown group is an error naming it"
conf '[seccomp]\nallow = keyctl\n'
py 'print(1)'
like "$RC:$ERR" "^125:.*pj.conf:2: allow: 'keyctl' is always denied" "an always-denied syscall cannot be allowed"
conf '[seccomp]\nallow = @mount\n'
py 'print(1)'
like "$RC:$ERR" "^125:.*pj.conf:2: allow: @mount is always denied" "an always-denied group cannot be allowed"
conf '[seccomp]\nallow = socket\n'
py 'print(1)'
like "$RC:$ERR" "^125:.*allow: 'socket' is allowed with checked arguments only" \
	"an argument-checked syscall cannot be allowed outright"

# shellcheck disable=SC2034 # read by jail() in attack-lib.sh
CONF=$PJ_EMPTY_CONF
py "$keyctl3"
is "$OUT/$(denied keyctl)" 1/3 "errno mode: EPERM, and the record counts keyctl: 3"

conf '[seccomp]\ndeny = uname\n'
py 'import os
try:
    os.uname()
except OSError as e:
    print(e.errno)'
is "$OUT" 1 "deny = NAME refuses an allowed syscall (os.uname raises EPERM)"
is "$(denied uname)" 1 "the record names the extra denial"

conf '[seccomp]\ndefault_action = log\n'
probe sync keyctl getpid
is "$(res sync)" OK "log mode: a syscall outside the allow-list runs"
is "$(denied sync)" 1 "log mode: and the record reports it"
is "$(res keyctl)" EPERM "log mode: always-denied syscalls are still refused"
is "$(res getpid)/$(denied getpid)" OK/0 "log mode: allowed syscalls are not reported"
probe clone_newuser socket_packet personality_set
is "$(res clone_newuser)/$(res socket_packet)/$(res personality_set)" EPERM/EPERM/EPERM \
	"log mode: argument checks still refuse (clone NEWUSER, AF_PACKET, personality)"

conf '[seccomp]\ndefault_action = kill\n'
py "$keyctl3"
is "$(rec status)/$(rec signal)/$RC" signaled/31/159 "kill mode: keyctl kills the program with SIGSYS"
probe clone3 getpid
is "$(res clone3)/$(res getpid)" ENOSYS/OK "kill mode: clone3 still gets ENOSYS, allowed calls work"

conf '[seccomp]\nallow = sync\n'
probe sync
is "$(res sync)/$(denied sync)" OK/0 "allow = NAME permits a syscall outside the list"
finish
