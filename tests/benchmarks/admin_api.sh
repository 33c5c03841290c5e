#!/usr/bin/env bash
# Admin API benchmarks (docs/benchmarks.md, "Agent admin API"): wrk against redline-agent-demo's admin server
# (one io thread) while the demo records synthetic traffic: GET /healthz, GET /v1/snapshot (authenticated, JSON of
# 10 series), GET /metrics (Prometheus text), with keep-alive. Rounds alternate the endpoints; medians reported.
#
# usage: tests/benchmarks/admin_api.sh [BUILD_DIR] [ROUNDS] [DURATION_S] [CONNECTIONS]
set -euo pipefail

BUILD_DIR=${1:-build/release}
ROUNDS=${2:-5}
DURATION=${3:-5}
CONNS=${4:-16}
THREADS=${WRK_THREADS:-1}
BIN="$BUILD_DIR/agents/redline-agent-demo"
[ -x "$BIN" ] || { echo "missing $BIN (build redline-agent-demo first)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk not installed" >&2; exit 1; }

WORK=$(mktemp -d /tmp/redline-admin-bench.XXXXXX)
PID=""
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" --admin-listen 127.0.0.1:0 --data-dir "$WORK/data" --rate 300 >"$WORK/stdout" 2>"$WORK/stderr" &
PID=$!
for _ in $(seq 1 100); do grep -q REDLINE_READY "$WORK/stdout" 2>/dev/null && break; sleep 0.1; done
ADMIN=$(sed -n 's/.*admin=\([^ ]*\).*/\1/p' "$WORK/stdout")
[ -n "$ADMIN" ] || { echo "demo did not start"; cat "$WORK/stderr"; exit 1; }
TOKEN=$(cat "$WORK/data/viewer.token")
sleep 2  # let a few epochs close so snapshots carry data

declare -A RPS P50 P99
ENDPOINTS=("/healthz" "/v1/snapshot?window=10s" "/metrics")
for round in $(seq 1 "$ROUNDS"); do
    for ep in "${ENDPOINTS[@]}"; do
        out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN" "$ADMIN$ep")
        rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
        p50=$(echo "$out" | awk '$1=="50%" {print $2}')
        p99=$(echo "$out" | awk '$1=="99%" {print $2}')
        RPS[$ep]+="$rps "; P50[$ep]+="$p50 "; P99[$ep]+="$p99 "
        echo "round $round $ep: $rps req/s p50 $p50 p99 $p99"
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "median of $ROUNDS rounds, wrk -t$THREADS -c$CONNS -d${DURATION}s, keep-alive:"
for ep in "${ENDPOINTS[@]}"; do
    echo "  $ep: $(echo "${RPS[$ep]}" | median) req/s (p50 values: ${P50[$ep]}| p99 values: ${P99[$ep]})"
done
echo "snapshot body bytes: $(curl -s -H "Authorization: Bearer $TOKEN" "$ADMIN/v1/snapshot?window=10s" | wc -c)"
echo "metrics body bytes: $(curl -s "$ADMIN/metrics" | wc -c)"
