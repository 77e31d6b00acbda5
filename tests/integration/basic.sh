#!/bin/bash
# Smoke test: the jail runs python and the exit status comes back.
. "$(dirname "$0")/../lib.sh"
require_rootfs
plan 3
pj -c 'print(6 * 7)'
is "$OUT" 42 "-c prints"
pj -c 'import sys; sys.exit(7)'
is "$RC" 7 "exit status passes through"
pj --json -c 'print(1)'
is "$(json status)" exited "--json status"
finish
