#!/bin/bash
# The acceptance suite (../shared/acceptance/run.sh: attacks, resource bombs,
# legitimate programs) through `pyjail client` against a server whose limits are
# those the bombs ask for, as root (serve-acceptance-user.sh: as the test user).
# One TAP line per case.  The harness's global checks (mounts, cgroups of the
# whole host) are off: other jails run on the machine at the same time.  Case
# attacks/10-uid-map-setuid is left out: its harness check looks for the jail's
# processes among pyjail's descendants, and a client has none (serve-program.sh
# checks the host uid of the program instead).
. "$(dirname "$0")/serve-common.bash"

: "${SERVE_ACCEPTANCE_WHO:=root}"
suite=$(cd "$SERVE_DIR/../.." && pwd)/../shared/acceptance/run.sh
if [ ! -r "$suite" ]; then
	skip "no acceptance suite at $suite" "acceptance"
	serve_finish
fi
if [ "$SERVE_ACCEPTANCE_WHO" = user ] && ! [[ " $(pj_whos) " == *" user "* ]]; then
	skip "no test user to run as" "acceptance as the test user"
	serve_finish
fi

w=$SERVE_ACCEPTANCE_WHO
if serve_up "$w" --memory 512M --cpu-time 10 --wall-time 30 --pids 64 --output-limit 16M \
	--file-size 64M --tmp-size 64M --open-files 256; then
	REDTEAM_NO_GLOBAL_CHECKS=1 PYJAIL="$PYJAIL client --socket $SOCK" \
		bash "$suite" '^(?!attacks/10-uid-map-setuid$)' >"$SDIR/suite.out" 2>&1
	rc=$?
	while read -r verdict rest; do
		case $verdict in
		PASS) _report 0 "$w: ${rest%% (*}" ;;
		FAIL) _report 1 "$w: ${rest%%:*}" "${rest#*: }" ;;
		SKIP) skip "${rest#*: }" "$w: ${rest%%:*}" ;;
		esac
	done <"$SDIR/suite.out"
	echo "# $(tail -1 "$SDIR/suite.out")"
	cmp_ok "$(grep -c '^PASS' "$SDIR/suite.out")" -ge 40 "$w: the suite ran its cases (exit $rc)"
	serve_stop
	is "$SRC" 0 "$w: SIGTERM: the server exits 0"
	is "$(serve_leftovers)" "" "$w: the server left nothing behind"
fi
serve_finish
