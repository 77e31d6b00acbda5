#!/bin/bash
# The docs agree with the code: src/config.c's key table (dumped by dump-keys) is the
# single source of truth for conf/pyjail.conf and pyjail.conf(5); every option of
# `pyjail --help` is in pyjail(1), with every key and status of the result record;
# the shipped config and the man page's example parse; the man pages pass groff -ww.
: "${PYJAIL_TEST_ROOTFS:=/nonexistent}" # no rootfs needed: skip lib.sh's probe
. "$(dirname "$0")/../lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${abs_top_builddir:-$top}
dump=$build/tests/docs/dump-keys
conf=$top/conf/pyjail.conf
man1=$top/man/pyjail.1
man5=$top/man/pyjail.conf.5
work=$(mktemp -d /tmp/pyjail-docs.XXXXXX)
pj_cleanup_add "$work"

plan 13

# Problems found by a python3 check, one per line; empty when all is well.
check() { # name python-code args...
	local name=$1 code=$2
	shift 2
	local out
	out=$(python3 -c "$code" "$@" 2>&1)
	is "$out" "" "$name"
}

"$dump" >"$work/keys.tsv"
ok $? "dump-keys prints the key table"

# --- conf/pyjail.conf against the table ---
check "conf/pyjail.conf lists every key once, with its default and help, and no stale key" '
import re, sys
keys = {}
for line in open(sys.argv[1]):
    sec, key, typ, who, deflt, help_ = line.rstrip("\n").split("\t")
    keys[(sec, key)] = (typ, who, deflt, help_)
compiled_rootfs = keys[("jail", "rootfs")][2]
seen, sec, prev = {}, None, ""
for n, line in enumerate(open(sys.argv[2]), 1):
    line = line.rstrip("\n")
    m = re.match(r"^\[(.*)\]$", line)
    if m:
        sec = m.group(1)
        prev = line
        continue
    m = re.match(r"^(#?)([a-z_]+) *= *(.*)$", line)
    if not m:
        prev = line
        continue
    commented, key, value = m.groups()
    where = "conf:%d: %s" % (n, key)
    if sec and sec.startswith("profile "):
        k = [v for (s, kk), v in keys.items() if kk == key]
        if not k:
            print(where, "is not a key")
        elif k[0][1] == "admin":
            print(where, "is admin-only but set in a profile")
        continue
    if (sec, key) not in keys:
        print(where, "is not a key of [%s]" % sec)
        continue
    typ, who, deflt, help_ = keys[(sec, key)]
    if not commented:
        print(where, "is set: every global key must be commented out")
    if (sec, key) in seen:
        print(where, "appears twice")
    seen[(sec, key)] = 1
    ok_values = [deflt] + (["/var/lib/pyjail/rootfs"] if key == "rootfs" else [])
    if value not in ok_values:
        print(where, "shows default %r, the table says %r" % (value, deflt))
    want = "# " + help_ + (" (admin)" if who == "admin" else "")
    if prev != want:
        print(where, "comment %r, want %r" % (prev, want))
    prev = line
for s, k in keys:
    if (s, k) not in seen:
        print("conf: key [%s] %s is missing" % (s, k))
' "$work/keys.tsv" "$conf"

# --- pyjail.conf(5) against the table ---
check "pyjail.conf(5) documents every key with its section, type, default and who sets it" '
import re, sys
keys = {}
for line in open(sys.argv[1]):
    sec, key, typ, who, deflt, help_ = line.rstrip("\n").split("\t")
    keys[(sec, key)] = (typ, who, deflt)
lines = open(sys.argv[2]).read().split("\n")
seen, sec = {}, None
for i, line in enumerate(lines):
    m = re.match(r"^\.SH THE \[([a-z]+)\] SECTION$", line)
    if m:
        sec = m.group(1)
        continue
    if line.startswith(".SH"):
        sec = None
    if sec is None or line != ".TP" or i + 2 >= len(lines):
        continue
    m = re.match(r"^\.B ([a-z_]+)$", lines[i + 1])
    if not m:
        continue
    key = m.group(1)
    where = "pyjail.conf.5:%d: [%s] %s" % (i + 2, sec, key)
    if (sec, key) not in keys:
        print(where, "is not a key of the table")
        continue
    if (sec, key) in seen:
        print(where, "documented twice")
    seen[(sec, key)] = 1
    typ, who, deflt = keys[(sec, key)]
    shown = deflt or "none"
    if key == "rootfs" and lines[i + 2] == "Type: path.  Default: /var/lib/pyjail/rootfs.":
        shown = "/var/lib/pyjail/rootfs"
    want = "Type: %s.  Default: %s.%s" % (typ, shown, "  Admin only." if who == "admin" else "")
    if lines[i + 2] != want:
        print(where, "says %r, want %r" % (lines[i + 2], want))
for s, k in keys:
    if (s, k) not in seen:
        print("pyjail.conf.5: key [%s] %s is not documented" % (s, k))
' "$work/keys.tsv" "$man5"

# --- pyjail(1) against --help and the record ---
"$PYJAIL" --help >"$work/help.txt"
ok $? "pyjail --help works"
check "pyjail(1) documents exactly the options of pyjail --help" '
import re, sys
helped = set(re.findall(r"^  --([a-z-]+)", open(sys.argv[1]).read(), re.M))
if len(helped) < 10:
    print("found only %d options in --help" % len(helped))
man = open(sys.argv[2]).read()
opts = man.split("\n.SH OPTIONS\n", 1)[1].split("\n.SH ", 1)[0]
documented = set(o.replace("\\-", "-") for o in
                 re.findall(r"^\.TP\n\.BI? \\-\\-([a-z]+(?:\\-[a-z]+)*)", opts, re.M))
for o in sorted(helped - documented):
    print("--%s is in --help but not in OPTIONS of pyjail.1" % o)
for o in sorted(documented - helped):
    print("--%s is in pyjail.1 but not in --help" % o)
' "$work/help.txt" "$man1"

"$PYJAIL" --config /dev/null --rootfs /nonexistent/pyjail-docs --json -c pass \
	>"$work/record.json" 2>/dev/null
is "$?" 125 "a setup error gives a record to compare with (exit 125)"
check "pyjail(1) documents every key of the record, every status and every limit" '
import json, re, sys
rec = json.load(open(sys.argv[1]))
man = open(sys.argv[2]).read()
sect = man.split("\n.SH THE RESULT RECORD\n", 1)[1].split("\n.SH ", 1)[0]
words = set(re.findall(r"[a-z_0-9\\-]+", sect.replace("\\-", "-")))
for k in rec:
    if k not in words:
        print("record key %s is not in THE RESULT RECORD" % k)
src = open(sys.argv[3]).read()
for st in re.findall(r"\[PJ_ST_[A-Z_]+\] = \"([a-z-]+)\"", src):
    if st not in words:
        print("status %s is not documented" % st)
for line in open(sys.argv[4]):
    sec, key, typ, who = line.split("\t")[:4]
    if sec == "limits" and who == "any" and typ not in ("boolean", "string") and key not in words:
        print("limit %s is not in the record'"'"'s limits" % key)
for code in ("124", "125", "128+", "0\\-255"):
    if code not in man:
        print("exit status %s is not documented" % code)
' "$work/record.json" "$man1" "$top/src/result.c" "$work/keys.tsv"

check "pyjail(1) covers the modes, the security model and cgroup delegation" '
import sys
man = open(sys.argv[1]).read()
for s in (".BI \\-c \" CODE\"", ".BI \\-m \" MODULE\"", ".I SCRIPT.py", ".B \\-\n", "run",
          ".B check\n", ".SH SECURITY MODEL", "pivot_root", "no_new_privs", "Landlock",
          "seccomp", ".SH CGROUPS", "systemd\\-run \\-\\-user \\-\\-scope \\-p Delegate=yes",
          ".SH FILES", ".SH ENVIRONMENT", ".SH EXAMPLES", ".SH SEE ALSO", "/etc/pyjail/pyjail.conf"):
    if s not in man:
        print("pyjail.1 lacks %r" % s)
' "$man1"

# --- the shipped config and the documented example parse ---
"$PYJAIL" --config "$conf" --print-plan -c pass >"$work/plan.txt" 2>"$work/err.txt"
is "$?" 0 "conf/pyjail.conf parses (pyjail --config conf/pyjail.conf --print-plan -c pass)"
# Every documented default is a valid value: uncomment every key that has one.
sed -n 's/^#\([a-z_]* = ..*\)$/\1/p; /^\[/p' "$conf" >"$work/uncommented.conf"
"$PYJAIL" --config "$work/uncommented.conf" --print-plan -c pass >"$work/plan2.txt" 2>"$work/err.txt"
is "$?:$(cat "$work/err.txt")" "0:" "conf/pyjail.conf with every default uncommented parses"
"$PYJAIL" --config "$conf" --profile strict --print-plan -c pass >"$work/plan3.txt" 2>&1
like "$(cat "$work/plan3.txt")" "^limit memory 64M$" "the example profile of conf/pyjail.conf applies"

awk '/^\.SH EXAMPLES/ {e = 1} e && /^\.EE/ {exit} e && f {print} e && /^\.EX/ {f = 1}' "$man5" \
	>"$work/example.conf"
"$PYJAIL" --config "$work/example.conf" --profile strict --print-plan -c pass >"$work/plan4.txt" 2>&1
rc=$?
"$PYJAIL" --config "$work/example.conf" --memory 2G --print-plan -c pass >"$work/out5.txt" 2>&1
rc5=$?
is "$rc:$(grep -c '^limit memory 64M$' "$work/plan4.txt"):$rc5:$(cat "$work/out5.txt")" \
	"0:1:125:pyjail: memory 2G exceeds the ceiling max_memory = 1G set by the administrator" \
	"pyjail.conf(5)'s example parses and does what the page says"

# --- groff ---
if command -v groff >/dev/null 2>&1; then
	warnings=
	for page in "$top"/man/*.[1-8]; do
		w=$(groff -man -ww -z "$page" 2>&1)
		[ -n "$w" ] && warnings+="$page: $w"$'\n'
	done
	is "$warnings" "" "groff -man -ww -z: no warnings on man/*"
else
	skip "groff not installed (apt-get install groff-base)" "groff -man -ww -z on man/*"
fi
finish
