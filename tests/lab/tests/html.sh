#!/bin/bash
# ctest lab_html (issue 17): the HTML report of `vpndiag probe` holds the same diagnosis as its
# JSON, for every lab scenario (tests/lab/scenarios/*.scn), and passes tidy.
# Per scenario, in the client namespace, as root (so the run drops its privileges and the page is
# written by the privileged writer, cli/probe_html.c):
#   vpndiag probe --timeout T --ca-file CA --psk-file PSK --json --html DIR/report.html HOST
# then tools/html_check.py compares the page's data-* attributes, summaries and evidence with the
# JSON and checks that no link leaves the page; `tidy -q -e` must report neither errors nor
# warnings; the pre-shared key must not appear in the page (nor in the JSON). Once, on healthy,
# `--html -` too: the page alone on stdout, nothing else.
# Scenarios run JOBS at a time (default 3), each in its own lab; the whole test is about 1.5 min.
# Usage: html.sh VPNDIAG_BINARY [SCENARIO...]       (default: every scenario)
set -uo pipefail
. "$(dirname "$(readlink -f "$0")")/common.sh"
lab_binary "${1:-}"
shift
PROBE_TIMEOUT=${PROBE_TIMEOUT:-6}
JOBS=${JOBS:-3}

# One scenario (run by xargs below): prints "ok NAME" or "FAIL NAME" and the problems.
if [[ ${HTML_ONE:-} ]]; then
	s=$HTML_ONE out=$HTML_OUT/$HTML_ONE
	mkdir -p "$out"
	# shellcheck disable=SC2016
	"$LAB" run "$s" -- sh -c '
		host=${TARGET_NAME:-$TARGET}
		"$0" probe --timeout "$1" --ca-file "$CA_FILE" --psk-file "$PSK_FILE" --json --html "$2/report.html" \
			"$host" >"$2/json" 2>"$2/err"
		echo $? >"$2/rc"
		# The key must be nowhere in what the run wrote (grep -F: the key as a fixed string).
		key=$(head -n 1 "$PSK_FILE")
		for f in "$2/report.html" "$2/json" "$2/err"; do
			[ -n "$key" ] && [ -f "$f" ] && grep -qF -- "$key" "$f" && echo "the pre-shared key is in ${f##*/}" >>"$2/leak"
		done
		if [ "$3" = healthy ]; then
			"$0" probe --timeout "$1" --ca-file "$CA_FILE" --psk-file "$PSK_FILE" --html - "$host" \
				>"$2/stdout.html" 2>/dev/null
			echo $? >"$2/stdout.rc"
			grep -qF -- "$key" "$2/stdout.html" && echo "the pre-shared key is in the page on stdout" >>"$2/leak"
		fi
		exit 0' "$VPNDIAG" "$PROBE_TIMEOUT" "$out" "$s" >"$out/lab.log" 2>&1
	rc=$?
	problems=()
	if [[ $rc -ne 0 || ! -s $out/json ]]; then
		problems+=("lab run exited $rc: $(tail -3 "$out/lab.log" | tr '\n' ' ')")
	elif [[ ! -s $out/report.html ]]; then
		problems+=("no report.html (exit $(cat "$out/rc")): $(head -3 "$out/err" | tr '\n' ' ')")
	else
		[[ -f $out/leak ]] && problems+=("$(cat "$out/leak")")
		res=$(python3 "$LAB_DIR/tools/html_check.py" "$out/report.html" "$out/json" "$(cat "$out/rc")") ||
			problems+=("html_check:
$res")
		t=$(tidy -q -e "$out/report.html" 2>&1) || problems+=("tidy:
$t")
		ls "$out"/report.html.tmp.* >/dev/null 2>&1 && problems+=("a temporary file was left behind")
		if [[ $s == healthy ]]; then
			head -c 15 "$out/stdout.html" | grep -q '^<!DOCTYPE html>' || problems+=("--html -: stdout does not start with the page")
			[[ $(tail -c 8 "$out/stdout.html") == "</html>"* || $(tail -c 8 "$out/stdout.html") == *"</html>" ]] ||
				problems+=("--html -: stdout does not end with the page")
			[[ $(cat "$out/stdout.rc") == "$(cat "$out/rc")" ]] ||
				problems+=("--html -: exit $(cat "$out/stdout.rc"), --json run $(cat "$out/rc")")
			t=$(tidy -q -e "$out/stdout.html" 2>&1) || problems+=("tidy (--html -): $t")
		fi
	fi
	exec >"$out/result"
	if [[ ${#problems[@]} -eq 0 ]]; then
		echo "ok   $s ($(grep -c 'data-protocol=' "$out/report.html") rows, $(grep -c 'class="finding' "$out/report.html") findings, exit $(cat "$out/rc"))"
	else
		echo "FAIL $s"
		printf '  %s\n' "${problems[@]}"
	fi
	exit 0
fi

lab_preflight
command -v python3 >/dev/null || skip "python3 missing"
command -v tidy >/dev/null || skip "tidy missing (apt-get install tidy, or make deps)"
SCENARIOS=("$@")
if [[ ${#SCENARIOS[@]} -eq 0 ]]; then
	for f in "$LAB_DIR"/scenarios/*.scn; do SCENARIOS+=("$(basename "$f" .scn)"); done
fi
HTML_OUT=$(mktemp -d /tmp/vpndiag-html.XXXXXX)
trap 'rm -rf "$HTML_OUT"' EXIT
export HTML_OUT VPNDIAG PROBE_TIMEOUT
start=$(date +%s)
printf '%s\n' "${SCENARIOS[@]}" |
	xargs -P "$JOBS" -I{} env HTML_ONE={} bash "$(readlink -f "$0")" "$VPNDIAG" 2>&1
ok=0
for s in "${SCENARIOS[@]}"; do
	if [[ -s $HTML_OUT/$s/result ]]; then cat "$HTML_OUT/$s/result"; else echo "FAIL $s: no result"; fi
	grep -q '^ok ' "$HTML_OUT/$s/result" 2>/dev/null && ok=$((ok + 1))
done
n=${#SCENARIOS[@]}
fails=$((n - ok))
echo "$n scenarios, $JOBS at a time, $(($(date +%s) - start)) s"
echo "html: $ok passed, $fails failed"
[[ $fails -eq 0 ]]
