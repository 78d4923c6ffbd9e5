#!/bin/bash
# The part of tests/lab/tests/exporter.sh that runs in a lab's client namespace (lab run's
# environment: TARGET, TARGET_NAME, CA_FILE, PSK_FILE, ...): starts the exporter and Prometheus,
# checks what Prometheus scraped, runs promtool and (LOAD=1) the 1,000-request memory check.
# Every wait is bounded; both processes are stopped by PID on any exit.
# Usage: exporter_inner.sh VPNDIAG SCENARIO_FILE WORKDIR LOAD
set -uo pipefail
VPNDIAG=$1 SCN=$2 W=$3 LOAD=$4
HERE=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
EP=9515 PP=9090
EXP_PID= PROM_PID=
cleanup() {
	for p in $PROM_PID $EXP_PID; do kill "$p" 2>/dev/null; done
	for p in $PROM_PID $EXP_PID; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
}
trap cleanup EXIT
die() { echo "$*"; exit 1; }
host=${TARGET_NAME:-$TARGET}

# The key must be readable by the user the exporter becomes (nobody): a copy, mode 600.
install -m 600 -o nobody "$PSK_FILE" "$W/psk"
cat >"$W/exporter.yml" <<CFG
modules:
  lab:
    timeout: 6
    ca_file: $CA_FILE
    psk_file: $W/psk
CFG
# In a sanitizer build (make asan), ASan's quarantine keeps freed memory out of reuse (256 MB by
# design), which the memory check below would read as growth: no quarantine here; leaks are then
# LeakSanitizer's to find, at the clean stop (stop_exporter). No effect on other builds.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0
"$VPNDIAG" exporter --listen 127.0.0.1:$EP --config "$W/exporter.yml" --allow 198.18.0.0/15 \
	--allow "$host" --allow 127.0.0.1 2>"$W/exporter.err" &
EXP_PID=$!
for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:$EP/metrics && break; sleep 0.1; done
curl -sf -o /dev/null http://127.0.0.1:$EP/metrics || die "the exporter did not start: $(cat "$W/exporter.err")"

# Prometheus: the multi-target pattern of blackbox_exporter; scrape_timeout 7 s, so the probe gets
# 6.5 s (header) bounded by the module's 6 s.
cat >"$W/prometheus.yml" <<CFG
global:
  scrape_interval: 8s
  scrape_timeout: 7s
scrape_configs:
  - job_name: vpndiag
    metrics_path: /probe
    params:
      module: [lab]
    static_configs:
      - targets: ['$host']
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:$EP
  - job_name: vpndiag_exporter
    scrape_interval: 2s
    scrape_timeout: 1s
    static_configs:
      - targets: ['127.0.0.1:$EP']
CFG
promtool check config "$W/prometheus.yml" >/dev/null || die "promtool rejects the Prometheus config"
prometheus --config.file="$W/prometheus.yml" --storage.tsdb.path="$W/tsdb" \
	--web.listen-address=127.0.0.1:$PP --log.level=warn >"$W/prometheus.log" 2>&1 &
PROM_PID=$!

# What Prometheus scraped, checked against the scenario (bounded: 40 s for the first scrape).
python3 "$HERE/tools/exporter_check.py" "http://127.0.0.1:$PP" "$host" "$SCN" 40 || exit 1

# promtool on what the exporter serves, as Prometheus gets it.
curl -sf -H 'X-Prometheus-Scrape-Timeout-Seconds: 7' "http://127.0.0.1:$EP/probe?target=$host&module=lab" >"$W/probe.txt" ||
	die "/probe did not answer"
promtool check metrics <"$W/probe.txt" || die "promtool check metrics fails on /probe"
curl -sf "http://127.0.0.1:$EP/metrics" >"$W/metrics.txt" || die "/metrics did not answer"
promtool check metrics <"$W/metrics.txt" || die "promtool check metrics fails on /metrics"
echo "promtool check metrics: /probe and /metrics clean"

# A clean stop: SIGTERM must end the exporter with status 0 within 10 s, and nothing on its stderr
# may come from a sanitizer (LeakSanitizer runs at that exit in make asan).
stop_exporter() {
	local rc
	kill "$EXP_PID" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$EXP_PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$EXP_PID" 2>/dev/null && die "the exporter did not stop within 10 s of SIGTERM"
	wait "$EXP_PID"
	rc=$?
	EXP_PID=
	[[ $rc -eq 0 ]] || die "the exporter exited with status $rc on SIGTERM: $(tail -30 "$W/exporter.err")"
	! grep -q 'Sanitizer' "$W/exporter.err" || die "sanitizer report: $(grep -A30 'Sanitizer' "$W/exporter.err" | head -40)"
	echo "exporter stopped cleanly on SIGTERM"
}
[[ $LOAD == 1 ]] || { stop_exporter; exit 0; }
# 1,000 requests in a row on loopback, 10 clients of 100 each (new connections and keep-alive):
# probes of 127.0.0.1 (IKEv2 only: ICMP-refused at once), /metrics, and refused targets (403: not
# probed). Resident memory before (after a warm-up of the same mix) and after.
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$EXP_PID/status"; }
urls() { # $1 requests
	for i in $(seq "$1"); do
		case $((i % 4)) in
		0) echo "url = \"http://127.0.0.1:$EP/metrics\"" ;;
		1) echo "url = \"http://127.0.0.1:$EP/probe?target=not-allowed.example\"" ;;
		*) echo "url = \"http://127.0.0.1:$EP/probe?target=127.0.0.1&protocols=ikev2\"" ;;
		esac
		echo "output = \"/dev/null\""
	done
}
burst() { # $1 clients, $2 requests each
	local pids=() c
	urls "$2" >"$W/urls"
	for c in $(seq "$1"); do
		curl -s --max-time 60 -K "$W/urls" -H 'X-Prometheus-Scrape-Timeout-Seconds: 2' \
			-w '%{http_code}\n' >>"$W/codes" &
		pids+=($!)
	done
	wait "${pids[@]}"
}
: >"$W/codes"
burst 10 10
before=$(rss)
: >"$W/codes"
t0=$(date +%s.%N)
burst 10 100
t1=$(date +%s.%N)
after=$(rss)
kill -0 "$EXP_PID" || die "the exporter died during the 1,000 requests"
n=$(wc -l <"$W/codes")
n200=$(grep -c '^200$' "$W/codes")
n403=$(grep -c '^403$' "$W/codes")
echo "1000 requests: $n answered ($n200 x 200, $n403 x 403) in $(awk "BEGIN{printf \"%.1f\", $t1-$t0}") s;" \
	"exporter RSS before ${before} KiB, after ${after} KiB"
[[ $n -eq 1000 && $((n200 + n403)) -eq 1000 && $n403 -eq 250 ]] || die "not every request got its answer"
slack=${RSS_SLACK_KB:-2048}
[[ $((after - before)) -le $slack ]] || die "resident memory grew by $((after - before)) KiB over 1,000 requests (bound $slack)"
stop_exporter
