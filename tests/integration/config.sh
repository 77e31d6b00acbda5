#!/bin/bash
# Configuration precedence, as root and as the test user: compiled-in defaults <
# --config file < [profile NAME] < command-line options, seen in --print-plan and
# inside the jail; errors name file:line and exit 125.
. "$(dirname "$0")/../lib.sh"
require_rootfs
WHOS=$(pj_whos)
plan $((17 * $(wc -w <<<"$WHOS") + 3))

pj_tmpdir D
# The profile section comes first on purpose: it must still win over the globals.
cat >"$D/layers.conf" <<'EOF'
[profile p]
hostname = fromprofile
tmp_size = 5M
env = LAYER=profile

[jail]
hostname = fromfile
env = LAYER=file
env = FILEONLY=1

[limits]
tmp_size = 3M
pids = 50

[profile other]
tmp_size = 9M
EOF
printf '[jail]\nhostname = h\n[limits]\nmemory = 64M\nmemory = lots\n' >"$D/badvalue.conf"
printf '[limits]\npids = 10\n\n[jial]\nhostname = x\n' >"$D/badsection.conf"
printf '[profile p]\nhost_uid = 0\n' >"$D/adminkey.conf"
printf '[limits]\nmax_tmp_size = 4M\n[profile big]\ntmp_size = 8M\n' >"$D/ceiling.conf"
printf '[jail]\nhostname\n' >"$D/syntax.conf"
chmod -R a+rX "$D"

# plan_of WHO ARGS...: the lines of --print-plan that this test looks at.
plan_of() {
	local who=$1
	shift
	pj_as "$who" "$@" --print-plan -c pass
	PLAN=$(grep -E '^(hostname|limit tmp_size|limit pids|env (LAYER|FILEONLY))' <<<"$OUT" | sort | tr '\n' ';')
}
INSIDE='import os, socket; st = os.statvfs("/tmp"); print(socket.gethostname(), st.f_blocks * st.f_frsize >> 20, os.environ.get("LAYER"), os.environ.get("FILEONLY"))'

for who in $WHOS; do
	plan_of "$who"
	like "$PLAN" "^hostname pyjail;limit pids [0-9]+;limit tmp_size [0-9]+[KMG]?;$" "$who: defaults: hostname pyjail, no LAYER"
	plan_of "$who" --config "$D/layers.conf"
	is "$PLAN" "env FILEONLY=1;env LAYER=file;hostname fromfile;limit pids 50;limit tmp_size 3M;" "$who: --config file overrides the defaults"
	plan_of "$who" --config "$D/layers.conf" --profile p
	is "$PLAN" "env FILEONLY=1;env LAYER=profile;hostname fromprofile;limit pids 50;limit tmp_size 5M;" \
		"$who: [profile p] overrides the file (even when it comes first)"
	plan_of "$who" --config "$D/layers.conf" --profile p --tmp-size 7M --env LAYER=cli --pids 40
	is "$PLAN" "env FILEONLY=1;env LAYER=cli;hostname fromprofile;limit pids 40;limit tmp_size 7M;" \
		"$who: options override the profile"
	plan_of "$who" --config "$D/layers.conf" --profile other
	is "$PLAN" "env FILEONLY=1;env LAYER=file;hostname fromfile;limit pids 50;limit tmp_size 9M;" \
		"$who: only the chosen profile applies"

	pj_as "$who" -c "$INSIDE"
	like "$OUT" "^pyjail [0-9]+ None None$" "$who: inside, defaults"
	pj_as "$who" --config "$D/layers.conf" -c "$INSIDE"
	is "$OUT" "fromfile 3 file 1" "$who: inside, the file"
	pj_as "$who" --config "$D/layers.conf" --profile p -c "$INSIDE"
	is "$OUT" "fromprofile 5 profile 1" "$who: inside, the profile"
	pj_as "$who" --config "$D/layers.conf" --profile p --tmp-size 7M --env LAYER=cli -c "$INSIDE"
	is "$OUT" "fromprofile 7 cli 1" "$who: inside, the options"

	# errors: exit 125, one line naming the file and line
	pj_as "$who" --config "$D/badvalue.conf" -c 1
	is "$RC:$(grep -c . <<<"$ERR")" 125:1 "$who: bad value: 125, one line"
	like "$ERR" "$D/badvalue.conf:5: memory: .*lots" "$who: bad value: names file:line, the key and the value"
	pj_as "$who" --config "$D/badsection.conf" -c 1
	like "$RC:$ERR" "^125:.*$D/badsection.conf:5: .*jial" "$who: unknown section: file:line"
	pj_as "$who" --config "$D/layers.conf" --profile nosuch -c 1
	like "$RC:$ERR" "^125:.*$D/layers.conf.*nosuch" "$who: unknown profile: named"
	pj_as "$who" --config "$D/adminkey.conf" --profile p -c 1
	like "$RC:$ERR" "^125:.*$D/adminkey.conf:2: .*host_uid" "$who: an admin-only key in a profile is refused"
	pj_as "$who" --config "$D/ceiling.conf" --profile big -c 1
	like "$RC:$ERR" "^125:.*max_tmp_size" "$who: a profile above the admin's ceiling is refused"
	pj_as "$who" --config "$D/syntax.conf" -c 1
	like "$RC:$ERR" "^125:.*$D/syntax.conf:2" "$who: a syntax error names file:line"
	pj_as "$who" --config "$D/missing.conf" -c 1
	like "$RC:$ERR" "^125:.*$D/missing.conf" "$who: a missing --config file is an error"
done

# As root the jail must not land on an account someone logs in with.  That is
# checked while the child sets itself up: the refusal must still leave no
# process and no cgroup behind.
LOGIN=pjlogin$$
if [ "$(id -u)" = 0 ] && useradd --system --no-create-home --shell /bin/sh "$LOGIN" 2>/dev/null; then
	pj_at_exit "userdel $LOGIN"
	printf '[jail]\nhost_uid = %s\nhost_gid = %s\n' "$(id -u "$LOGIN")" "$(id -g "$LOGIN")" \
		>"$D/login.conf"
	_pj_capture bash -c 'echo $$ >"$1"; exec "$2" --config "$3" --rootfs "$4" -c "print(1)"' _ \
		"$D/pid" "$PYJAIL" "$D/login.conf" "$PYJAIL_TEST_ROOTFS"
	like "$RC:$ERR" "^125:pyjail: .*host_uid $(id -u "$LOGIN") is the login account '$LOGIN'" \
		"root: host_uid of a login account is refused"
	is "$OUT" "" "root: ... and the program never ran"
	is "$(find /sys/fs/cgroup -maxdepth 7 -type d -name "pyjail-$(cat "$D/pid")-*" 2>/dev/null)" "" \
		"root: ... and no cgroup is left"
else
	for _ in 1 2 3; do skip "not root, or no useradd" "host_uid of a login account"; done
fi
finish
