#!/bin/bash
# tools/setup-debian.sh [--check]: set pyjail up from this checkout on Debian 12.
#
#   tools/setup-debian.sh           as root: install the build and test dependencies
#                                   (apt-get), build pyjail in ./build (configure
#                                   --enable-werror; linked with musl, whose libraries
#                                   tools/musl-deps.sh builds in ./build/musl-deps) and
#                                   its default rootfs (make rootfs)
#   tools/setup-debian.sh --check   the same, then run every test: make check (unit,
#                                   integration, limit, attack, doc and rootfs tests)
#                                   and make check-vm (the limit tests on pure cgroup v2)
#
# Safe to run again: apt-get installs only what is missing, make rebuilds only what
# changed, and the rootfs builder keeps an up-to-date rootfs.  Without root it skips
# apt-get when everything is installed already.  PYJAIL_SKIP_VM=1 skips check-vm;
# PYJAIL_LIBC=glibc builds against glibc and Debian's libraries instead of musl.
set -euo pipefail

PACKAGES=(
	# build
	build-essential autoconf automake pkg-config
	libseccomp-dev libcap-dev libnl-3-dev libnl-route-3-dev libinih-dev libjansson-dev
	# the musl build: tools/musl-deps.sh
	musl-tools gperf flex bison cmake
	# unit tests, fuzzing, sanitizers
	libcmocka-dev clang libclang-rt-14-dev
	# the rootfs builder and the tests
	python3 binutils util-linux iproute2 libcap2-bin bubblewrap
	# check-vm: QEMU and what its throwaway VM is built from
	qemu-system-x86 cpio xz-utils
	# lint: what CI runs besides the tests
	shellcheck groff-base clang-format
)

check=no
for a in "$@"; do
	case $a in
	--check) check=yes ;;
	-h | --help)
		sed -n '2,16s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "setup-debian.sh: unknown argument '$a' (see --help)" >&2
		exit 2
		;;
	esac
done

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
say() { printf '== %s\n' "$*"; }

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
if [ "$(id -u)" = 0 ]; then
	# The rootfs builder reads the apt lists too: refresh them every time.
	say "apt-get update"
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	if [ ${#missing[@]} -gt 0 ]; then
		say "apt-get install ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
	fi
elif [ ${#missing[@]} -gt 0 ]; then
	echo "setup-debian.sh: missing packages: ${missing[*]}: run this script as root" >&2
	exit 1
fi

say "autoreconf"
mkdir -p m4
autoreconf -fi
mkdir -p build
cd build
libc=${PYJAIL_LIBC:-musl}
case $libc in
musl)
	../tools/musl-deps.sh musl-deps
	config=(CC=musl-gcc CPPFLAGS="-isystem $PWD/musl-deps/kernel-include"
		PKG_CONFIG_LIBDIR="$PWD/musl-deps/lib/pkgconfig")
	;;
glibc) config=() ;;
*)
	echo "setup-debian.sh: PYJAIL_LIBC must be musl or glibc, not '$libc'" >&2
	exit 2
	;;
esac
say "configure (in ./build, $libc)"
../configure -q --enable-werror "${config[@]}"
# Objects of the other C library must not be linked with this one's.
if [ "$(cat .libc 2>/dev/null || true)" != "$libc" ]; then
	make clean >/dev/null
	echo "$libc" >.libc
fi
say "make"
make -j"$(nproc)"
say "make rootfs"
make rootfs

if [ "$check" = yes ]; then
	# One test at a time: the limit and fault tests compare the host's processes,
	# mounts and cgroups before and after, which parallel tests would disturb.
	say "make check"
	failed=()
	make check || failed+=("make check")
	if [ "${PYJAIL_SKIP_VM:-0}" = 1 ]; then
		say "make check-vm: skipped (PYJAIL_SKIP_VM=1)"
	elif ! make -n check-vm >/dev/null 2>&1; then
		say "make check-vm: skipped (this tree has no check-vm target)"
	else
		say "make check-vm"
		make check-vm || failed+=("make check-vm")
	fi
	if [ ${#failed[@]} -gt 0 ]; then
		say "FAILED: ${failed[*]} (see build/test-suite.log)"
		exit 1
	fi
fi
say "done: $top/build/src/pyjail"
