#!/bin/bash
# A served program sees /proc as a run's program does: tests/attacks/proc.sh (the
# kernel's secrets masked, its knobs read-only, no sysfs or cgroupfs) run through
# `pyjail client`.  Each prepared jail stacks a masked /proc of its own on the
# zygote jail's, which has no masks: only this shows that the masks are there.
. "$(dirname "$0")/serve-common.bash"

for w in $(pj_whos); do
	serve_up "$w" --pool 2 || continue
	# The attack scripts pass --config and --rootfs: the server's apply here.
	wrap=$SDIR/pyjail-client
	cat >"$wrap" <<WRAP
#!/bin/bash
args=()
while [ \$# -gt 0 ]; do
	case \$1 in
	--config | --rootfs) shift 2 ;;
	*) args+=("\$1"); shift ;;
	esac
done
exec "$PYJAIL" client --socket "$SOCK" "\${args[@]}"
WRAP
	chmod 755 "$wrap"
	PYJAIL=$wrap bash "$SERVE_DIR/../attacks/proc.sh" >"$SDIR/proc.out" 2>&1
	while read -r verdict rest; do
		case "$verdict $rest" in
		"ok "*"# SKIP "*) n=${rest%% # SKIP*} && skip "${rest##*# SKIP }" "$w: ${n#* - }" ;;
		"ok "*) _report 0 "$w: ${rest#* - }" ;;
		"not ok"*) _report 1 "$w: ${rest#* - }" "$(grep -A2 -F "$rest" "$SDIR/proc.out" | tail -2)" ;;
		esac
	done <"$SDIR/proc.out"
	cmp_ok "$(grep -c '^ok' "$SDIR/proc.out")" -ge 10 "$w: proc.sh ran its checks"
	serve_stop
	is "$SRC" 0 "$w: SIGTERM: the server exits 0"
done
serve_finish
