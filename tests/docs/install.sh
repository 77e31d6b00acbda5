#!/bin/bash
# `make install DESTDIR=...` installs what it should and nothing dangerous: no file
# setuid, setgid, world-writable or with file capabilities (pyjail is setuid-free
# by design), the config only as an example (never /etc/pyjail/pyjail.conf), and
# `make uninstall` removes it all again.
: "${PYJAIL_TEST_ROOTFS:=/nonexistent}" # no rootfs needed: skip lib.sh's probe
. "$(dirname "$0")/../lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${abs_top_builddir:-$top}
dest=$(mktemp -d /tmp/pyjail-install.XXXXXX)
canary=$(mktemp -d /tmp/pyjail-canary.XXXXXX)
pj_cleanup_add "$dest" "$canary"

plan 12

# The two detectors, shared by the canary and the real install.
setid_files() { find "$1" \( -perm -4000 -o -perm -2000 \) -print; }
cap_files() { getcap -r "$1" 2>/dev/null; }

# First prove the detectors see what they look for on this host's /tmp.
touch "$canary/suid" "$canary/sgid" "$canary/caps"
chmod 4755 "$canary/suid"
chmod 2755 "$canary/sgid"
is "$(setid_files "$canary" | sort | xargs -n1 basename | tr '\n' ' ')" "sgid suid " \
	"canary: a setuid and a setgid file are detected"
if ! command -v getcap >/dev/null 2>&1; then
	skip "getcap not installed (apt-get install libcap2-bin)" "canary: file capabilities are detected"
elif [ "$(id -u)" != 0 ]; then
	skip "setting a file capability needs root" "canary: file capabilities are detected"
else
	setcap cap_net_raw+ep "$canary/caps"
	like "$(cap_files "$canary")" "caps.*cap_net_raw" "canary: file capabilities are detected"
fi

${MAKE:-make} -C "$build" install DESTDIR="$dest" >"$canary/install.log" 2>&1
rc=$?
ok $rc "make install DESTDIR=... succeeds"
[ $rc = 0 ] || tail -5 "$canary/install.log" | sed 's/^/# /'

find_one() { find "$dest" -path "$1" -type f | head -1; }
bin=$(find_one '*/bin/pyjail')
missing=
for f in '*/bin/pyjail' '*/bin/pyjail-mkrootfs' '*/man1/pyjail.1' '*/man1/pyjail-mkrootfs.1' \
	'*/man5/pyjail.conf.5' '*/doc/pyjail/examples/pyjail.conf'; do
	[ -n "$(find_one "$f")" ] || missing+="$f "
done
is "$missing" "" "the binary, the rootfs builder, the three man pages and the example config are installed"
ok "$([ -x "$bin" ] && "$bin" --version | grep -q '^pyjail ' && echo 0)" "the installed pyjail runs"

is "$(setid_files "$dest")" "" "nothing installed is setuid or setgid"
if command -v getcap >/dev/null 2>&1; then
	is "$(cap_files "$dest")" "" "nothing installed has file capabilities"
else
	skip "getcap not installed (apt-get install libcap2-bin)" "nothing installed has file capabilities"
fi
is "$(find "$dest" -perm -0002 ! -type l -print)" "" "nothing installed is world-writable"
is "$(find "$dest" -path '*/etc/pyjail/pyjail.conf')" "" \
	"the system config is not installed (an admin's /etc/pyjail/pyjail.conf is never overwritten)"
ok "$(cmp -s "$(find_one '*/doc/pyjail/examples/pyjail.conf')" "$top/conf/pyjail.conf" && echo 0)" \
	"the example config is conf/pyjail.conf"
ok "$(cmp -s "$(find_one '*/man1/pyjail.1')" "$top/man/pyjail.1" &&
	cmp -s "$(find_one '*/man5/pyjail.conf.5')" "$top/man/pyjail.conf.5" && echo 0)" \
	"the installed man pages are the sources"

${MAKE:-make} -C "$build" uninstall DESTDIR="$dest" >"$canary/uninstall.log" 2>&1
is "$?:$(find "$dest" ! -type d -print)" "0:" "make uninstall removes every file again"
finish
