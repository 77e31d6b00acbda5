#!/bin/bash
# /proc and /sys as the jail sees them: the kernel's secrets masked, its knobs
# read-only, no sysfs, no cgroupfs.
. "$(dirname "$0")/attack-lib.sh"
require_rootfs
plan 27

# kernel_has ENTRY NAME: whether this kernel has /proc/ENTRY; if not, the check
# NAME is skipped (there is nothing to mask).
kernel_has() {
	[ -e "/proc/$1" ] && return 0
	skip "this kernel has no /proc/$1" "$2"
	return 1
}

# Masked: replaced by the null device, or absent.
for f in kcore keys key-users timer_list sched_debug kallsyms kmsg latency_stats config.gz \
	vmallocinfo pagetypeinfo kpagecount kpageflags kpagecgroup slabinfo; do
	kernel_has "$f" "/proc/$f masked" || continue
	py 'import os, sys
p = "/proc/" + sys.argv[1]
try:
    st = os.stat(p)
    print("null" if (os.major(st.st_rdev), os.minor(st.st_rdev)) == (1, 3) else "visible",
          len(open(p, "rb").read(64)))
except FileNotFoundError:
    print("absent 0")' $f
	like "$OUT" "^(null 0|absent 0)$" "/proc/$f is masked (the null device or absent)"
done

if kernel_has sysrq-trigger "/proc/sysrq-trigger read-only"; then
	py 'import os; print(bool(os.statvfs("/proc/sysrq-trigger").f_flag & os.ST_RDONLY))'
	is "$OUT" True "/proc/sysrq-trigger is on a read-only mount"
fi

py 'import os
print(" ".join(str(bool(os.statvfs(p).f_flag & os.ST_RDONLY)) for p in ("/proc/sys", "/proc/irq", "/proc/bus")))'
is "$OUT" "True True True" "/proc/sys, /proc/irq and /proc/bus are read-only mounts"

for d in fs sysvipc; do
	py 'import os, sys; print(bool(os.statvfs("/proc/" + sys.argv[1]).f_flag & os.ST_RDONLY))' $d
	is "$OUT" True "/proc/$d is a read-only mount"
done

# Hidden directories: empty, read-only, and nothing can be made in them.
for d in acpi asound scsi firmware tty/driver; do
	kernel_has "$d" "/proc/$d hidden" || continue
	py 'import os, sys
p = "/proc/" + sys.argv[1]
try:
    os.mkdir(p + "/x")
    made = "made"
except OSError as e:
    made = e.strerror
print(os.listdir(p), bool(os.statvfs(p).f_flag & os.ST_RDONLY), made)' $d
	is "$OUT" "[] True Read-only file system" "/proc/$d is hidden behind an empty read-only directory"
done

# Writes back the value it read: harmless even where nothing stops it (bare mode).
py 'name = open("/proc/sys/kernel/hostname").read().strip()
try:
    with open("/proc/sys/kernel/hostname", "w") as f:
        f.write(name)
    print("written")
except OSError as e:
    print(e.errno in (13, 30))'
is "$OUT" True "writing /proc/sys/kernel/hostname fails"

py 'import os
try:
    print(os.listdir("/sys"))
except FileNotFoundError:
    print([])'
is "$OUT" "[]" "/sys is empty (or absent)"

py 'import os
types = [l.split(" - ")[1].split()[0] for l in open("/proc/self/mountinfo")]
print(sorted(t for t in set(types) if t.startswith("cgroup") or t in ("sysfs", "debugfs", "securityfs", "bpf", "tracefs")), os.path.exists("/sys/fs/cgroup"))'
is "$OUT" "[] False" "no cgroupfs, sysfs, debugfs or bpffs mounted"
finish
