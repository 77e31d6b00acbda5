#!/bin/bash
# tests/bench/smoke.sh: the benchmark script itself works: `bench.py --quick` exits 0,
# writes valid JSON holding pyjail's figures, the cold path's and the server's (every
# request to `pyjail serve` answered exited/0 with "1\n", in each way in), and bad options
# exit 125.  No timing or leak figure is asserted (the machines are noisy); `make bench`
# is the real run.
. "$(dirname "$0")/../lib.sh"
require_rootfs
BENCH=$(cd "$(dirname "$0")" && pwd)/bench.py
HELPER=${abs_top_builddir:-.}/tests/bench/bench-seccomp
[ -x "$HELPER" ] && HELPER_OPT=(--seccomp-helper "$HELPER") || HELPER_OPT=()
RES=$(mktemp /tmp/pyjail-bench-smoke.XXXXXX)
trap 'rm -f "$RES" "$PJ_EMPTY_CONF"' EXIT
plan 10

OUT=$(python3 "$BENCH" --quick --pyjail "$PYJAIL" --rootfs "$PYJAIL_TEST_ROOTFS" \
	"${HELPER_OPT[@]}" --serve-requests 20 --out "$RES" 2>&1)
ok $? "bench.py --quick exits 0"
check=$(python3 - "$RES" <<'EOF' 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
missing = [k for k in ("host", "config", "contenders", "launch", "ratios", "throughput",
                       "breakdown", "pyjail_rss") if k not in d]
if missing:
    sys.exit(f"missing keys: {missing}")
for wl in ("pass", "print", "imports", "alloc50"):
    s = d["launch"].get(wl, {}).get("pyjail", {})
    if not s.get("n") or s.get("failed") or not s.get("median_ms", 0) > 0:
        sys.exit(f"pyjail has no clean launches for {wl}: {s}")
    if not d["launch"][wl].get("bare", {}).get("n"):
        sys.exit(f"bare python3 has no launches for {wl}")
print("ok")
EOF
)
is "$check" "ok" "results.json is valid JSON with clean pyjail and bare figures per workload"
like "$OUT" "pyjail/x" "a table for people on stdout"
check=$(python3 - "$RES" <<'EOF' 2>&1
import json, sys
s = json.load(open(sys.argv[1])).get("serve", {})
if not s.get("available"):
    sys.exit(f"no serve figures: {s.get('reason')}")
ways = dict(s["latency"]["ways"], throughput=s["throughput"], leak=s["leak"])
ways.update({f"{k} (comparison)": v for k, v in s["comparison"]["ways"].items()})
for name in ("capture", "fds", "client", "cold (comparison)", "bare (comparison)",
             "throughput", "leak"):
    w = ways.get(name, {})
    if not w.get("ok") or w.get("failed") or not w.get("median_ms", 0) > 0:
        sys.exit(f"{name}: not every request answered exited/0 with 1: {w}")
rows = [r["point"] for r in s["leak"]["snapshots"]]
if rows[:2] != ["start", "before"] or rows[-1] != "after":
    sys.exit(f"leak table rows: {rows}")
if not all(isinstance(s["leak"]["snapshots"][-1].get(k), int)
           for k in ("rss_kb", "fds", "cgroups", "mounts", "procs")):
    sys.exit(f"leak figures missing: {s['leak']['snapshots'][-1]}")
if "exit" not in s["shutdown"]:
    sys.exit("no shutdown figures")
print("ok")
EOF
)
is "$check" "ok" "the serve part: every request answered right in every way in, the leak table"
like "$OUT" "raw protocol, fds mode" "the serve part has a table for people"

OUT=$(python3 "$BENCH" --quick --iterations 0 --out "$RES" 2>&1)
is "$?" 125 "--iterations 0 exits 125"
like "$OUT" "^bench.py: .*--iterations.*'0'" "the error names the option and the value"
is "$(printf '%s\n' "$OUT" | wc -l)" 1 "the error is one line"
OUT=$(python3 "$BENCH" --quick --pyjail "$PYJAIL" --contenders bare,nope --out "$RES" 2>&1)
like "$OUT" "unknown contender 'nope'" "an unknown contender is named"
OUT=$(python3 "$BENCH" --serve-only --serve-requests 0 --out "$RES" 2>&1)
like "$?:$OUT" "^125:bench.py: .*--serve-requests.*'0'" "--serve-requests 0 exits 125, named"
finish
