#!/bin/bash
# check-rootfs.sh [DIR] - check a rootfs built by pyjail-mkrootfs; prints TAP.
#
# Every property pyjail relies on is one test; the script exits non-zero if
# any test fails.  Tests that need tools or privileges that are missing are
# reported as "ok N # SKIP reason".
#
# Without DIR (as under "make check", automake TESTS with the TAP driver) the
# tree is taken from $PYJAIL_TEST_ROOTFS or $PYJAIL_ROOTFS; if there is none,
# the whole script is skipped with the reason.
set -uo pipefail
export LC_ALL=C
export PATH="${PATH:-/usr/bin:/bin}:/usr/sbin:/sbin"

SIZE_LIMIT_MB=60
if (($# > 1)) || [[ ${1:-} == -* ]]; then
	echo "usage: $0 [ROOTFS-DIR]" >&2
	exit 2
elif (($# == 1)); then
	R=$1
	if [[ ! -d $R ]]; then
		echo "$0: $R: no such directory" >&2
		exit 2
	fi
else
	R=${PYJAIL_TEST_ROOTFS:-${PYJAIL_ROOTFS:-}}
	if [[ -z $R ]]; then
		echo "1..0 # SKIP no rootfs given (pass DIR or set PYJAIL_TEST_ROOTFS)"
		exit 0
	elif [[ ! -d $R ]]; then
		echo "1..0 # SKIP no rootfs at $R (build it with 'make rootfs')"
		exit 0
	fi
fi
R=$(realpath -- "$R")
MARKER=$R/etc/pyjail-rootfs

N=0
FAILED=0
ok() {
	N=$((N + 1))
	echo "ok $N - $1"
}
not_ok() {
	N=$((N + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $N - $1"
	shift
	local l
	for l in "$@"; do printf '#   %s\n' "$l"; done
}
skip() {
	N=$((N + 1))
	echo "ok $N - $1 # SKIP $2"
}
# check DESCRIPTION OFFENDERS...: passes when there are no offenders.
check() {
	local d=$1
	shift
	if (($# == 0)); then
		ok "$d"
	elif (($# <= 20)); then
		not_ok "$d" "$@"
	else
		not_ok "$d" "${@:1:20}" "... and $(($# - 20)) more"
	fi
}

# Marker values.
marker() { sed -n "s/^$1=//p" "$MARKER" 2>/dev/null | head -n 1; }
PYFULL=$(marker python)
PYVER=${PYFULL%.*}
if [[ -z $PYVER ]]; then
	for p in "$R"/usr/bin/python3.*; do
		[[ ${p##*/} =~ ^python(3\.[0-9]+)$ ]] && PYVER=${BASH_REMATCH[1]}
	done
fi
PYVER=${PYVER:-3}
PYLIB=$R/usr/lib/python$PYVER

echo "1..15"

# 1. marker
if [[ -f $MARKER ]] && grep -qx 'format=1' "$MARKER" && grep -q '^packages=.' "$MARKER" &&
	grep -q '^python=3\.' "$MARKER"; then
	ok "marker /etc/pyjail-rootfs present (format=1, python $PYFULL)"
else
	not_ok "marker /etc/pyjail-rootfs present" "missing, or lacks format=1/packages=/python= lines"
fi

# 2. no shells
mapfile -t bad < <(cd "$R" && find . \( -type f -o -type l \) \( -name sh -o -name bash \
	-o -name dash -o -name rbash -o -name zsh -o -name ksh -o -name mksh -o -name ksh93 \
	-o -name csh -o -name tcsh -o -name ash -o -name busybox -o -name fish -o -name posh \
	-o -name yash \) | sed 's/^\.//')
check "no shell binaries" "${bad[@]}"

# 3. no package manager, no packaging state
mapfile -t bad < <(cd "$R" && find ./usr/bin ./usr/sbin \( -type f -o -type l \) \( -name dpkg \
	-o -name 'dpkg-*' -o -name apt -o -name 'apt-*' -o -name aptitude \) 2>/dev/null | sed 's/^\.//'
	for d in var/lib/dpkg var/lib/apt var/cache/apt etc/apt etc/dpkg; do
		[[ -e $R/$d ]] && echo "/$d"
	done)
check "no package manager or apt/dpkg state" "${bad[@]}"

# 4. setuid/setgid
mapfile -t bad < <(cd "$R" && find . ! -type l -perm /6000 -printf '%m %p\n' | sed 's# \./# /#')
check "no setuid/setgid files" "${bad[@]}"

# 5. file capabilities
if command -v getcap >/dev/null; then
	mapfile -t bad < <(getcap -r "$R" 2>/dev/null | sed "s#^$R##")
	check "no files with capabilities" "${bad[@]}"
else
	skip "no files with capabilities" "getcap not installed"
fi

# 6. documentation
bad=()
for d in usr/share/doc usr/share/man usr/share/info usr/share/locale usr/share/lintian usr/share/bug; do
	[[ -e $R/$d ]] && bad+=("/$d")
done
check "no documentation (/usr/share/doc, man, info, locale, lintian, bug)" "${bad[@]}"

# 7. mount points
bad=()
for d in proc dev tmp run sys home root; do
	[[ -d $R/$d && ! -L $R/$d ]] || bad+=("/$d is not a directory")
done
[[ -k $R/tmp ]] || bad+=("/tmp lacks the sticky bit")
check "mount-point directories /proc /dev /tmp /run /sys /home /root exist" "${bad[@]}"

# 7b. /dev as pyjail uses it without a tmpfs (mounts.c: dev_prebuilt)
bad=()
for n in null zero full random urandom; do
	[[ -f $R/dev/$n && ! -L $R/dev/$n && ! -s $R/dev/$n ]] || bad+=("/dev/$n is not an empty file")
done
for l in fd:/proc/self/fd stdin:/proc/self/fd/0 stdout:/proc/self/fd/1 stderr:/proc/self/fd/2; do
	[[ $(readlink "$R/dev/${l%%:*}") == "${l#*:}" ]] || bad+=("/dev/${l%%:*} does not link to ${l#*:}")
done
[[ -d $R/dev/shm && ! -L $R/dev/shm ]] || bad+=("/dev/shm is not a directory")
extra=$(find "$R/dev" -mindepth 1 -maxdepth 1 ! -name null ! -name zero ! -name full ! -name random \
	! -name urandom ! -name fd ! -name stdin ! -name stdout ! -name stderr ! -name shm -printf '/dev/%f ')
[[ -z $extra ]] || bad+=("more in /dev: $extra")
check "/dev holds exactly pyjail's layout (the devices' empty files, the fd links, shm)" "${bad[@]}"

# 8. merged /usr
bad=()
for d in bin lib lib64 sbin; do
	[[ -L $R/$d && $(readlink -- "$R/$d") == "usr/$d" ]] || bad+=("/$d is not a symlink to usr/$d")
done
check "merged-/usr layout (/bin /lib /lib64 /sbin -> usr/...)" "${bad[@]}"

# 9. python
if [[ -f $R/usr/bin/python3 && -x $R/usr/bin/python3 && -x $R/usr/bin/python$PYVER ]]; then
	ok "python3 (python$PYVER) present and executable"
else
	not_ok "python3 (python$PYVER) present and executable" "/usr/bin/python3 missing or not executable"
fi

# 10. /etc
bad=()
grep -qx 'root:x:0:0:.*' "$R/etc/passwd" 2>/dev/null || bad+=("passwd: no root 0:0")
grep -qE '^sandbox:x:1000:1000:[^:]*:/tmp:' "$R/etc/passwd" 2>/dev/null || bad+=("passwd: no sandbox 1000:1000 with home /tmp")
grep -qE '^nobody:x:65534:' "$R/etc/passwd" 2>/dev/null || bad+=("passwd: no nobody 65534")
grep -qE '^sandbox:x:1000:' "$R/etc/group" 2>/dev/null || bad+=("group: no sandbox 1000")
[[ $(cat "$R/etc/hostname" 2>/dev/null) == pyjail ]] || bad+=("hostname is not pyjail")
grep -qE '^127\.0\.0\.1[[:space:]]+localhost[[:space:]]+pyjail' "$R/etc/hosts" 2>/dev/null || bad+=("hosts: no 127.0.0.1 localhost pyjail")
grep -qE '^passwd:[[:space:]]+files$' "$R/etc/nsswitch.conf" 2>/dev/null || bad+=("nsswitch.conf: passwd not files-only")
[[ -f $R/etc/resolv.conf && ! -s $R/etc/resolv.conf ]] || bad+=("resolv.conf missing or not empty")
[[ $(head -c 4 "$R/etc/localtime" 2>/dev/null) == TZif ]] || bad+=("localtime is not a TZif file")
check "/etc (passwd, group, hostname, hosts, nsswitch.conf, resolv.conf, localtime)" "${bad[@]}"

# 11. size
extras=$(marker extras)
size=$(du -sm -- "$R" | cut -f1)
if [[ -n $extras ]]; then
	skip "size under $SIZE_LIMIT_MB MB (is $size MB)" "built with extras: $extras"
elif ((size < SIZE_LIMIT_MB)); then
	ok "size under $SIZE_LIMIT_MB MB (is $size MB)"
else
	not_ok "size under $SIZE_LIMIT_MB MB" "rootfs is $size MB"
fi

# 12. bytecode present for all of the standard library
TAG=cpython-${PYVER/./}
if [[ -d $PYLIB ]]; then
	mapfile -t bad < <(cd "$PYLIB" && find . -name '*.py' ! -path '*/__pycache__/*' -printf '%h/__pycache__/%f\n' |
		sed "s/\.py\$/.$TAG.pyc/" | sort >"${TMPDIR:-/tmp}/want.$$"
		find . -path '*/__pycache__/*.pyc' | sort >"${TMPDIR:-/tmp}/have.$$"
		comm -23 "${TMPDIR:-/tmp}/want.$$" "${TMPDIR:-/tmp}/have.$$" | sed "s#^\.#/usr/lib/python$PYVER#"
		rm -f "${TMPDIR:-/tmp}/want.$$" "${TMPDIR:-/tmp}/have.$$")
	check "every .py under /usr/lib/python$PYVER has a $TAG.pyc" "${bad[@]}"
else
	not_ok "every .py under /usr/lib/python$PYVER has a .pyc" "/usr/lib/python$PYVER missing"
fi

# 13. bytecode is unchecked-hash (PEP 552 flags == 1): the rootfs is read-only
mapfile -t bad < <(find "$R/usr/lib" -name '*.pyc' -path '*/__pycache__/*' -print0 2>/dev/null |
	while IFS= read -r -d '' f; do
		fl=$(od -An -tu4 -j4 -N4 -- "$f" | tr -d ' ')
		[[ $fl == 1 ]] || echo "${f#"$R"} (flags $fl)"
	done)
check "all .pyc use unchecked-hash invalidation" "${bad[@]}"

# 14. the interpreter runs inside the tree
CODE='import ctypes, sqlite3, ssl, hashlib, zlib, bz2, lzma, decimal, multiprocessing, json, uuid, csv; print("ok")'
CHROOT=()
if chroot_bin=$(command -v chroot); then
	if ((EUID == 0)); then
		CHROOT=("$chroot_bin")
	elif unshare_bin=$(command -v unshare) && "$unshare_bin" -r "$chroot_bin" / true 2>/dev/null; then
		CHROOT=("$unshare_bin" -r "$chroot_bin")
	fi
fi
if ((${#CHROOT[@]})); then
	out=$(env -i PATH=/usr/bin "${CHROOT[@]}" "$R" /usr/bin/python3 -B -I -c "$CODE" 2>&1)
	if [[ $out == ok ]]; then
		ok "python3 in the tree imports ctypes, sqlite3, ssl, hashlib, ... (via ${CHROOT[*]##*/})"
	else
		mapfile -t bad < <(tail -n 20 <<<"$out")
		not_ok "python3 in the tree imports ctypes, sqlite3, ssl, hashlib, ..." "${bad[@]}"
	fi
else
	skip "python3 in the tree imports the standard library" "cannot chroot (not root, no user namespaces)"
fi

((FAILED == 0)) || {
	echo "# $FAILED of $N tests failed"
	exit 1
}
exit 0
