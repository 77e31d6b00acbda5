#!/bin/bash
# Output: stdout and stderr share --output-limit.  Past it pyjail stops reading,
# kills the jail and reports "output-limit" with the truncated stream flagged.
# pyjail's own memory stays small however much passes through.
. "$(dirname "$0")/common.bash"

for mode in $(limit_modes); do
	mode_ready "$mode" || { skip "no test user" "$mode: output"; continue; }

	pj_in "$mode" --json --output-limit 100K -c '
import sys
while True:
    sys.stdout.write("x" * 4096)'
	is "$(json limits.output.enforced_by)" supervisor "$mode: output enforced by the supervisor"
	is "$(json limits.output.value)" 102400 "$mode: output value in bytes"
	is "$(json status)" output-limit "$mode: status output-limit"
	is "$(json stdout_truncated)" true "$mode: stdout flagged truncated"
	is "$(json stdout | tr -d '\n' | wc -c)" 102400 "$mode: exactly the limit was kept"

	pj_in "$mode" --json --output-limit 100K -c '
import sys
print("to stdout", flush=True)
while True:
    sys.stderr.write("e" * 4096)'
	is "$(json status)/$(json stderr_truncated)" output-limit/true "$mode: stderr counts too"
	is "$(json stdout)" "to stdout" "$mode: what came before the limit is kept"

	pj_in "$mode" --output-limit 100K -c '
import sys
while True:
    sys.stdout.write("x" * 4096)'
	is "$RC" 137 "$mode: exit status 137 without --json"
	is "${#OUT}" 102400 "$mode: passed through up to the limit"
	like "$ERR" 'output limit' "$mode: one-line reason on stderr"

	# 512 MiB through pyjail to /dev/null: its own RSS stays small.
	as=()
	[ "$mode" = user ] && as=(setpriv --reuid="$PJ_TEST_USER" --regid="$PJ_TEST_USER" --clear-groups)
	rss=$("${as[@]}" "$PYJAIL" --config "$PJ_EMPTY_CONF" --rootfs "$PYJAIL_TEST_ROOTFS" \
		--timings --output-limit 1G -c '
import sys
b = b"y" * (1 << 20)
for _ in range(512):
    sys.stdout.buffer.write(b)' 2>&1 >/dev/null </dev/null |
		sed -n 's/.*"rss_kb":\([0-9]*\).*/\1/p')
	cmp_ok "${rss:-999999}" '<' 16384 "$mode: pyjail's RSS after 512 MiB of output (${rss} KiB)"
done
done_testing
