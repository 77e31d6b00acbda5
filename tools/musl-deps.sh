#!/bin/bash
# tools/musl-deps.sh DIR: build, for musl libc, the static libraries pyjail links
# (libseccomp, libcap, libnl-3 and libnl-route-3, jansson; cmocka for the unit tests)
# from Debian's own source packages, into DIR, with a pkg-config file for each.  Then
#
#   ../configure CC=musl-gcc CPPFLAGS="-isystem DIR/kernel-include" \
#                PKG_CONFIG_LIBDIR=DIR/lib/pkgconfig
#
# builds a pyjail that links musl instead of glibc.  Why: a static glibc program
# spends ~0.25 ms starting up on a virtual machine, mostly in about forty CPUID
# instructions (glibc reads the CPU's features and cache sizes; each CPUID traps to the
# hypervisor), and pyjail pays that once per launch on top of python's own start.  A
# musl program starts in ~0.03 ms.
#
# The sources come through apt-get from the Debian archive the host already uses,
# checked against its signed Release file, by a private apt configuration under DIR:
# the host's own apt sources are not touched.  inih's source package is not in every
# archive; its Debian-built libinih.a calls only ISO C functions that musl provides with
# the same ABI, and is used as it is, after checking exactly that.
#
# Needs (Debian packages): musl-tools dpkg-dev gperf flex bison cmake, and libinih-dev.
# Run again, it rebuilds only if the source packages' versions changed.
set -euo pipefail

[ $# = 1 ] || {
	echo "usage: tools/musl-deps.sh DIR" >&2
	exit 2
}
mkdir -p "$1"
dir=$(cd "$1" && pwd)
say() { printf '== musl-deps: %s\n' "$*"; }
die() {
	printf 'musl-deps.sh: %s\n' "$*" >&2
	exit 1
}

for t in musl-gcc dpkg-source gperf flex bison cmake apt-get; do
	command -v "$t" >/dev/null || die "'$t' is missing (see the Needs line in $0)"
done

# ---- the sources: a private apt configuration with the host's archive as deb-src ----
. /etc/os-release
mirror=${PYJAIL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
apt_dir=$dir/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $VERSION_CODENAME main" \
	>"$apt_dir/sources.list"
apt_opts=(-q -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/parts"
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
	-o "APT::Sandbox::User=root")
say "apt-get update (deb-src of $mirror $VERSION_CODENAME)"
apt-get "${apt_opts[@]}" update >/dev/null

packages=(libseccomp libcap2 libnl3 jansson cmocka)
versions=$(for p in "${packages[@]}"; do
	apt-cache "${apt_opts[@]}" showsrc "$p" | awk -v p="$p" '/^Version:/ {print p, $2; exit}'
done)
if [ -f "$dir/built" ] && [ "$(cat "$dir/built")" = "$versions" ]; then
	say "up to date"
	exit 0
fi
rm -rf "${dir:?}/src" "${dir:?}/lib" "${dir:?}/include" "${dir:?}/built"
mkdir -p "$dir/src" "$dir/lib/pkgconfig" "$dir/include"

# musl's headers have no <linux/...> of their own: the kernel's, and only those.
multiarch=$(gcc -print-multiarch)
mkdir -p "$dir/kernel-include"
ln -sfn /usr/include/linux "$dir/kernel-include/linux"
ln -sfn /usr/include/asm-generic "$dir/kernel-include/asm-generic"
ln -sfn "/usr/include/$multiarch/asm" "$dir/kernel-include/asm"

cd "$dir/src"
say "apt-get source ${packages[*]}"
apt-get "${apt_opts[@]}" source --download-only "${packages[@]}" >/dev/null
for dsc in *.dsc; do
	dpkg-source --no-check -x "$dsc" >/dev/null
done

export CC="musl-gcc -isystem $dir/kernel-include"
jobs=$(nproc)
autotools() { # the package's configure, static only, into DIR
	./configure -q --prefix="$dir" --disable-shared --enable-static "$@" >/dev/null
	make -s -j"$jobs" >/dev/null 2>&1 || make -j1 # on failure, again with its output
	make -s install >/dev/null
}
cmake_build() { # a CMake package, static only, into DIR
	cmake -S . -B build -DCMAKE_INSTALL_PREFIX="$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
	cmake --build build -j "$jobs" >/dev/null
	cmake --install build >/dev/null
}
pc() { # NAME VERSION LIBS: a pkg-config file for a library installed without one
	printf 'prefix=%s\nName: %s\nDescription: %s for musl\nVersion: %s\nLibs: -L${prefix}/lib %s\nCflags: -I${prefix}/include\n' \
		"$dir" "$1" "$1" "$2" "$3" >"$dir/lib/pkgconfig/$1.pc"
}

say "libseccomp"
(cd libseccomp-*/ && autotools)
say "libnl-3, libnl-route-3"
(cd libnl3-*/ && autotools --disable-cli --disable-debug)
say "jansson"
(cd jansson-*/ && cmake_build -DJANSSON_BUILD_SHARED_LIBS=OFF -DJANSSON_BUILD_DOCS=OFF \
	-DJANSSON_WITHOUT_TESTS=ON -DJANSSON_EXAMPLES=OFF)
say "cmocka"
(cd cmocka-*/ && cmake_build -DWITH_STATIC_LIB=ON -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF)
rm -f "$dir"/lib/libcmocka.so*
mv "$dir/lib/libcmocka-static.a" "$dir/lib/libcmocka.a"
say "libcap"
(cd libcap2-*/libcap && make -s CC="$CC" BUILD_CC=gcc SHARED=no GOLANG=no PAM_CAP=no \
	USE_GPERF=no libcap.a >/dev/null)
cp libcap2-*/libcap/libcap.a "$dir/lib/"
mkdir -p "$dir/include/sys"
cp libcap2-*/libcap/include/sys/capability.h "$dir/include/sys/"
pc libcap "$(awk '$1 == "libcap2" {print $2}' <<<"$versions")" -lcap

say "inih (Debian's libinih.a)"
inih=/usr/lib/$multiarch/libinih.a
[ -f "$inih" ] && [ -f /usr/include/ini.h ] || die "$inih or ini.h is missing: apt-get install libinih-dev"
allowed=" __ctype_b_loc __stack_chk_fail fclose fgets fopen fopen64 free malloc realloc strchr strlen strncpy "
for sym in $(nm --undefined-only "$inih" | awk 'NF == 2 && $2 != "_GLOBAL_OFFSET_TABLE_" {print $2}' | sort -u); do
	[[ $allowed == *" $sym "* ]] || die "$inih calls '$sym', which this script has not checked against musl"
done
cp "$inih" "$dir/lib/"
cp /usr/include/ini.h "$dir/include/"
pc inih "$(dpkg-query -W -f='${Version}' libinih-dev)" -linih

echo "$versions" >"$dir/built"
say "done: $dir"
