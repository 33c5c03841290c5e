#!/usr/bin/env bash
# Time to rollback on the real sample server (docs/benchmarks.md "Rollouts"): the sample server on loopback,
# redline-load sending 200 req/s from 200 client keys (the canary is sticky by client key), a rollout held at
# 25 %, then the canary fault knob adds +50 ms (or 5 % errors) and the script measures the wall time from the
# fault's PUT to the rollout's state rolled_back.
#
#   tests/benchmarks/rollout_sample_server.sh [BUILD_DIR=build/release] [REPS=5] [FAULT=latency|errors]
set -euo pipefail
BUILD=${1:-build/release}
REPS=${2:-5}
FAULT=${3:-latency}
SERVER=$BUILD/agents/sample_server/redline-sample-server
LOAD=$BUILD/app/redline-load
for b in "$SERVER" "$LOAD"; do
    [[ -x $b ]] || { echo "missing $b (build first)" >&2; exit 2; }
done
command -v curl >/dev/null || { echo "curl is required" >&2; exit 2; }

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

keys=$(python3 -c 'import json; print(json.dumps(["k%d" % i for i in range(200)]))')
case $FAULT in
    latency) fault_body='{"weight_percent":25,"faults":{"latency_ms":50}}' ;;
    errors) fault_body='{"weight_percent":25,"faults":{"error_ratio":0.05}}' ;;
    *) echo "FAULT must be latency or errors" >&2; exit 2 ;;
esac

times=()
for rep in $(seq 1 "$REPS"); do
    dir=$WORK/run$rep
    mkdir -p "$dir"
    "$SERVER" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --data-dir "$dir" --seed-products 2000 \
        --threads 1 >"$dir/ready" 2>"$dir/server.log" &
    PIDS+=($!)
    for _ in $(seq 1 100); do grep -q REDLINE_READY "$dir/ready" 2>/dev/null && break; sleep 0.1; done
    api=$(sed -n 's/.*api=\([^ ]*\).*/\1/p' "$dir/ready")
    admin=$(sed -n 's/.*admin=\([^ ]*\).*/\1/p' "$dir/ready")
    op=$(cat "$dir/operator.token")
    auth=(-H "Authorization: Bearer $op" -H "Content-Type: application/json")
    cat >"$dir/scenario.json" <<EOF
{"name": "rollout-bench", "executor": "constant-arrival-rate", "rate": 200, "duration_s": 120,
 "connections": 16, "requests": [{"name": "product", "method": "GET", "path": "/v1/products/{1..200}",
 "api_keys": $keys}]}
EOF
    # A day-long cache TTL: a per-version cache with a short TTL gives the version with less traffic a lower
    # hit ratio whatever its code (docs/rollouts.md "Limits"); here the hit ratios compare code.
    curl -sf "${auth[@]}" -X PUT "$admin/v1/cache" -d '{"capacity":10000,"ttl_ms":86400000}' >/dev/null
    "$LOAD" run "$dir/scenario.json" --target "$api" --quiet >"$dir/load.log" 2>&1 &
    PIDS+=($!)
    sleep 20  # stable serves (and its cache warms) before the rollout, as in production
    curl -sf "${auth[@]}" -X PUT "$admin/v1/rollout" \
        -d '{"steps":[{"weight_percent":25,"hold_s":3600},{"weight_percent":100}]}' >/dev/null
    curl -sf "${auth[@]}" -X POST "$admin/v1/rollout/start" -d '{}' >/dev/null
    sleep 15  # a full clean analysis window first
    state=$(curl -sf "${auth[@]}" "$admin/v1/rollout" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
    if [[ $state != progressing ]]; then
        echo "run $rep: state $state before the fault: $(curl -sf "${auth[@]}" "$admin/v1/rollout" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"reason\"])")" >&2
        for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; PIDS=()
        continue
    fi
    t0=$(date +%s.%N)
    curl -sf "${auth[@]}" -X PUT "$admin/v1/canary" -d "$fault_body" >/dev/null
    t1=""
    for _ in $(seq 1 600); do
        out=$(curl -sf "${auth[@]}" "$admin/v1/rollout")
        if [[ $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["state"])' "$out") == rolled_back ]]; then
            t1=$(date +%s.%N)
            break
        fi
        sleep 0.1
    done
    if [[ -z $t1 ]]; then
        echo "run $rep: not rolled back within 60 s" >&2
    else
        dt=$(python3 -c "print(f'{$t1 - $t0:.1f}')")
        times+=("$dt")
        reason=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["reason"][:160])' "$out")
        echo "run $rep: rolled back ${dt} s after the fault: $reason"
    fi
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    PIDS=()
done
python3 - "${times[@]}" <<'EOF'
import statistics, sys
t = [float(x) for x in sys.argv[1:]]
if t:
    print(f"time to rollback: median {statistics.median(t):.1f} s, range {min(t):.1f}-{max(t):.1f} s over {len(t)} runs")
else:
    print("no rollback measured")
EOF
