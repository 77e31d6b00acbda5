#!/bin/sh
# tests/fuzz/run.sh SECONDS [TARGET...]: build pyjail's libFuzzer targets with clang
# (-fsanitize=fuzzer,address,undefined) and run each for SECONDS (default 60).
#
#   targets: config (INI loader + validation), cli (argv -> plan), json (record strings),
#            request (pyjail serve's request lines)
#   FUZZ_OUT   where binaries, corpora and crash artifacts go (default ./tests/fuzz)
#   FUZZ_CC    the compiler (default clang; Debian: apt-get install clang libclang-rt-14-dev)
#
# The corpora persist in FUZZ_OUT between runs and are seeded each time from
# conf/pyjail.conf and tests/fuzz/seeds.  Exit status: 0 if no target found a crash,
# a leak, a hang or a broken invariant; else 1, with the reproducer's path.
set -eu

secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-config cli json request}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${FUZZ_OUT:-$PWD/tests/fuzz}
cc=${FUZZ_CC:-clang}

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "run.sh: $cc not found: apt-get install clang libclang-rt-14-dev" >&2
	exit 1
fi
mkdir -p "$out/artifacts"

# The pure sources each target needs, compiled with the fuzzer's instrumentation.
srcs="err.c util.c parse.c config.c cli.c plan.c result.c seccomp.c request.c"
build() { # name
	set -- "$1"
	# shellcheck disable=SC2046 # one word per source file
	"$cc" -g -O1 -std=gnu11 -D_GNU_SOURCE -iquote "$top/src" \
		-DPYJAIL_ROOTFS='"/var/lib/pyjail/rootfs"' -DPACKAGE_VERSION='"fuzz"' \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o "$out/fuzz-$1" "$here/fuzz-$1.c" $(for s in $srcs; do echo "$top/src/$s"; done) \
		$(pkg-config --cflags --libs inih libseccomp jansson)
}

# Seeds: the shipped config as it is, with every key uncommented, and its profile chosen.
seed() { # name
	mkdir -p "$out/corpus-$1"
	[ -d "$here/seeds/$1" ] && cp "$here/seeds/$1"/* "$out/corpus-$1/"
	if [ "$1" = config ]; then
		cp "$top/conf/pyjail.conf" "$out/corpus-config/shipped.conf"
		sed -n 's/^#\([a-z_]* = ..*\)$/\1/p; /^\[/p' "$top/conf/pyjail.conf" \
			>"$out/corpus-config/uncommented.conf"
		{ echo '#!profile strict'; cat "$top/conf/pyjail.conf"; } \
			>"$out/corpus-config/profile.conf"
	fi
}

status=0
for t in $targets; do
	echo "== fuzz-$t: building"
	build "$t"
	seed "$t"
	dict=
	[ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
	echo "== fuzz-$t: running for ${secs}s"
	# shellcheck disable=SC2086 # $dict is empty or one word
	if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"$out/fuzz-$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=4096 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$t-" $dict "$out/corpus-$t" \
		>"$out/fuzz-$t.log" 2>&1; then
		echo "== fuzz-$t: FAILED (see $out/fuzz-$t.log and $out/artifacts/)"
		grep -E 'ERROR|invariant|Test unit written' "$out/fuzz-$t.log" | head -5
		status=1
	fi
	grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)|^Done' \
		"$out/fuzz-$t.log" | sed "s/^/   /"
done
exit $status
