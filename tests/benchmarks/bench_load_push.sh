#!/usr/bin/env bash
# Cost of redline-load --push on the load engine's maximum rate (docs/benchmarks.md, "Load engine: Pushgateway
# push"). nginx `return 200` on loopback and a Pushgateway (in memory), both on free ports; per round one closed-
# model run without --push and one with --push --push-interval 1s (the shortest interval, so the most pushes),
# alternating which goes first; CPU time from /usr/bin/time. Prints every run and the medians.
#   tests/benchmarks/bench_load_push.sh [BUILD_DIR] [ROUNDS] [SECONDS] [CONNECTIONS]
set -euo pipefail
BUILD=${1:-build/release}
ROUNDS=${2:-5}
SECS=${3:-5}
CONN=${4:-64}
LOAD="$BUILD/app/redline-load"
[[ -x "$LOAD" ]] || { echo "build redline-load first: cmake --build --preset release --target redline-load" >&2; exit 2; }
PUSHGATEWAY=$(command -v prometheus-pushgateway || echo /usr/bin/prometheus-pushgateway)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

WORK=$(mktemp -d)
PG_PID=
trap 'kill $(cat "$WORK/nginx.pid" 2>/dev/null) 2>/dev/null || true; [[ -n "$PG_PID" ]] && kill "$PG_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
PORT=$(free_port)
cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  server { listen 127.0.0.1:$PORT; location / { return 200 "ok\n"; } }
}
CONF
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK" 2>/dev/null
PG_PORT=$(free_port)
"$PUSHGATEWAY" --web.listen-address="127.0.0.1:$PG_PORT" > "$WORK/pushgateway.log" 2>&1 &
PG_PID=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && curl -sf "http://127.0.0.1:$PG_PORT/-/ready" >/dev/null && break; sleep 0.1; done
URL="http://127.0.0.1:$PORT"
cat > "$WORK/closed.json" <<JSON
{"name":"bench-push","target":"$URL","executor":"constant-vus","vus":$CONN,"duration_s":$SECS,"threads":2,
 "requests":[{"path":"/"}]}
JSON

run() {  # $1 = off|on
  local extra=()
  [[ $1 == on ]] && extra=(--run-id bench --push "http://127.0.0.1:$PG_PORT" --push-interval 1s --generator bench)
  /usr/bin/time -f "%U %S" -o "$WORK/rl.time" "$LOAD" run "$WORK/closed.json" --quiet --out "$WORK/rl.json" "${extra[@]}" || true
  python3 - "$WORK/rl.json" "$WORK/rl.time" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); u, s = map(float, open(sys.argv[2]).read().split())
push = d.get("push", {})
print(sys.argv[3], round(d["completed"] / d["planned_s"], 1), round((u + s) / d["completed"] * 1e7, 1),
      push.get("succeeded", 0), push.get("failed", 0))
PY
}

echo "# nginx return 200 on $URL, Pushgateway 127.0.0.1:$PG_PORT, $CONN connections, $SECS s per run, $ROUNDS rounds, $(nproc) cores"
echo "round mode req_per_s cpu_ms_per_10k pushes_ok pushes_failed"
: > "$WORK/rows"
for r in $(seq "$ROUNDS"); do
  if (( r % 2 )); then order="off on"; else order="on off"; fi
  for m in $order; do echo "$r $(run "$m")" | tee -a "$WORK/rows"; done
done
python3 - "$WORK/rows" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
rate = {(x[0], x[1]): float(x[2]) for x in rows}
cpu = {(x[0], x[1]): float(x[3]) for x in rows}
rounds = sorted({x[0] for x in rows}, key=int)
for m in ("off", "on"):
    print(f"median {m}: {statistics.median(rate[r, m] for r in rounds):,.0f} req/s, "
          f"{statistics.median(cpu[r, m] for r in rounds):.1f} CPU ms/10k requests")
ratios = [rate[r, "on"] / rate[r, "off"] for r in rounds]
cpu_ratios = [cpu[r, "on"] / cpu[r, "off"] for r in rounds]
print("per-round rate ratios on/off:", " ".join(f"{x:.3f}" for x in ratios))
print(f"median per-round ratio: rate {statistics.median(ratios):.3f}x, CPU per request {statistics.median(cpu_ratios):.3f}x")
PY
