#!/bin/bash
# File size, /tmp size and open files: per-process rlimits and the tmpfs size,
# the same on every host.  Each is hit and the program sees the kernel's errno:
# EFBIG past --file-size, ENOSPC when /tmp is full, EMFILE past --open-files.
. "$(dirname "$0")/common.bash"

for mode in $(limit_modes); do
	mode_ready "$mode" || { skip "no test user" "$mode: files"; continue; }

	pj_in "$mode" --json --file-size 1M -c '
import os
f = open("/tmp/f", "wb", buffering=0)
try:
    while True:
        f.write(b"z" * 65536)
except OSError as e:
    print(e.errno, os.path.getsize("/tmp/f"))'
	is "$(json limits.file_size.enforced_by)" rlimit "$mode: file_size enforced by rlimit"
	is "$(json limits.file_size.value)" 1048576 "$mode: file_size value in bytes"
	is "$(json stdout)" "27 1048576" "$mode: EFBIG at exactly 1 MiB"

	pj_in "$mode" --json --tmp-size 4M --file-size 64M -c '
import os
f = open("/tmp/f", "wb", buffering=0)
try:
    while True:
        f.write(b"z" * 65536)
except OSError as e:
    print(e.errno, os.path.getsize("/tmp/f") <= 4 << 20)'
	is "$(json limits.tmp_size.value)" 4194304 "$mode: tmp_size value in bytes"
	is "$(json stdout)" "28 True" "$mode: ENOSPC when /tmp holds 4 MiB"

	pj_in "$mode" --json --tmp-size 4M -c '
import os
st = os.statvfs("/dev/shm")
print(st.f_blocks * st.f_frsize <= 4 << 20)'
	is "$(json stdout)" True "$mode: /dev/shm is bounded by tmp_size too"

	pj_in "$mode" --json --open-files 32 -c '
fs = []
try:
    while True:
        fs.append(open("/dev/null"))
except OSError as e:
    print(e.errno, len(fs) + 3 <= 32)'
	is "$(json limits.open_files.enforced_by)" rlimit "$mode: open_files enforced by rlimit"
	is "$(json stdout)" "24 True" "$mode: EMFILE within 32 descriptors"

	pj_in "$mode" --json -c 'import resource; print(resource.getrlimit(resource.RLIMIT_CORE))'
	is "$(json stdout)" "(0, 0)" "$mode: core dumps are off"
done
done_testing
