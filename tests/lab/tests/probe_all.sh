#!/bin/bash
# ctest lab_probe_all (issue 13): `vpndiag probe` with every protocol at once, from the client
# namespace of each scenario, in JSON, text and monitoring mode against the same lab, checked
# against every expect.<protocol> line of the scenario file (tests/lab/tools/expect_check.py).
# The default scenario, all-filtered, is the consistency check of issue 13 item 6: the same
# evidence (UDP 500 silent for the whole window) decides IKEv2 and L2TP/IPsec alike.
# Usage: probe_all.sh VPNDIAG_BINARY [SCENARIO...]
set -uo pipefail
. "$(dirname "$(readlink -f "$0")")/common.sh"
lab_binary "${1:-}"
shift
lab_preflight
command -v python3 >/dev/null || skip "python3 missing"
SCENARIOS=("$@")
[[ ${#SCENARIOS[@]} -gt 0 ]] || SCENARIOS=(all-filtered)
PROBE_TIMEOUT=${PROBE_TIMEOUT:-6}

fails=0
for s in "${SCENARIOS[@]}"; do
	scn=$LAB_DIR/scenarios/$s.scn
	[[ -f $scn ]] || { echo "FAIL $s: no scenario file"; fails=$((fails + 1)); continue; }
	out=$(mktemp -d)
	# shellcheck disable=SC2016
	"$LAB" run "$s" -- sh -c '
		host=${TARGET_NAME:-$TARGET}
		set -- "$0" "$1" "$2" --timeout "$1" --ca-file "$CA_FILE" --psk-file "$PSK_FILE"
		"$1" probe $4 $5 $6 $7 $8 $9 --json "$host" >"$3/json" 2>"$3/json.err"
		"$1" probe $4 $5 $6 $7 $8 $9 "$host" >"$3/text" 2>&1
		"$1" probe $4 $5 $6 $7 $8 $9 --monitoring "$host" >"$3/mon" 2>&1; echo $? >"$3/monrc"
		exit 0' "$VPNDIAG" "$PROBE_TIMEOUT" "$out" >"$out/lab.log" 2>&1
	rc=$?
	if [[ $rc -ne 0 || ! -s $out/json ]]; then
		echo "FAIL $s: lab run exited $rc"; tail -5 "$out/lab.log" | sed 's/^/  /'
		fails=$((fails + 1)); rm -rf "$out"; continue
	fi
	if res=$(python3 "$LAB_DIR/tools/expect_check.py" "$scn" "$out"); then
		echo "ok   $s"
	else
		echo "FAIL $s"; fails=$((fails + 1))
	fi
	echo "$res"
	echo "  monitoring: $(head -1 "$out/mon")"
	rm -rf "$out"
done
echo "probe_all: $fails failure(s) in ${#SCENARIOS[@]} scenario(s)"
[[ $fails -eq 0 ]]
