#!/usr/bin/env bash
# Load engine vs wrk against nginx `return 200` on loopback, side by side in one run (docs/benchmarks.md,
# section "Load engine").
#   tests/benchmarks/bench_load_vs_wrk.sh [BUILD_DIR] [ROUNDS] [SECONDS] [CONNECTIONS]
# Per round: wrk -t2 -cC -dS, then redline-load constant-vus C (2 threads), same connection count; CPU time of each
# client from /usr/bin/time (user+sys). Then an open-model run at 50 % of redline-load's median maximum rate for S
# seconds: schedule lateness p99 (actual minus intended send time). Prints medians.
set -euo pipefail
BUILD=${1:-build/release}
ROUNDS=${2:-5}
SECS=${3:-5}
CONN=${4:-64}
LOAD="$BUILD/app/redline-load"
[[ -x "$LOAD" ]] || { echo "build redline-load first: ninja -C $BUILD redline-load" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 2; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d)
trap 'kill $(cat "$WORK/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.1; done
URL="http://127.0.0.1:$PORT"

cat > "$WORK/closed.json" <<JSON
{"name":"bench-closed","target":"$URL","executor":"constant-vus","vus":$CONN,"duration_s":$SECS,"threads":2,
 "requests":[{"path":"/"}]}
JSON

echo "# nginx return 200 on $URL, $CONN connections, $SECS s per run, $ROUNDS rounds, $(nproc) cores"
echo "round wrk_rps wrk_cpu_s redline_rps redline_cpu_s wrk_cpu_per_10k_ms redline_cpu_per_10k_ms"
: > "$WORK/rows"
for r in $(seq "$ROUNDS"); do
  /usr/bin/time -f "%U %S" -o "$WORK/wrk.time" wrk -t2 -c"$CONN" -d"${SECS}s" "$URL/" > "$WORK/wrk.out"
  wrk_rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.out")
  wrk_req=$(awk '/requests in/ {print $1}' "$WORK/wrk.out")
  wrk_cpu=$(awk '{print $1+$2}' "$WORK/wrk.time")
  /usr/bin/time -f "%U %S" -o "$WORK/rl.time" "$LOAD" run "$WORK/closed.json" --quiet --out "$WORK/rl.json" || true
  rl_rps=$(python3 -c "import json;d=json.load(open('$WORK/rl.json'));print(round(d['completed']/d['planned_s'],1))")
  rl_req=$(python3 -c "import json;print(json.load(open('$WORK/rl.json'))['completed'])")
  rl_cpu=$(awk '{print $1+$2}' "$WORK/rl.time")
  row=$(python3 -c "print($r, $wrk_rps, $wrk_cpu, $rl_rps, $rl_cpu, round($wrk_cpu/$wrk_req*1e7,1), round($rl_cpu/$rl_req*1e7,1))")
  echo "$row" | tee -a "$WORK/rows"
done
python3 - "$WORK/rows" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
med = lambda i: statistics.median(r[i] for r in rows)
print(f"median: wrk {med(1):.0f} req/s, redline-load {med(3):.0f} req/s, ratio {med(3)/med(1):.2f}x")
print(f"median CPU per 10,000 requests: wrk {med(5):.1f} ms, redline-load {med(6):.1f} ms")
open(sys.argv[1] + ".max", "w").write(str(med(3)))
PY
MAX=$(cat "$WORK/rows.max")
RATE=$(python3 -c "print(int($MAX*0.5))")
cat > "$WORK/open.json" <<JSON
{"name":"bench-open","target":"$URL","executor":"constant-arrival-rate","rate":$RATE,"duration_s":$((SECS*2)),
 "connections":$CONN,"threads":2,"requests":[{"path":"/"}]}
JSON
echo "round rate lateness_p50_ms lateness_p99_ms lateness_max_ms late_pct corrected_p99_ms uncorrected_p99_ms"
: > "$WORK/open.rows"
for r in $(seq "$ROUNDS"); do
  "$LOAD" run "$WORK/open.json" --quiet --out "$WORK/open.out.json" || true
  python3 - "$WORK/open.out.json" "$r" <<'PY' | tee -a "$WORK/open.rows"
import json, sys
d = json.load(open(sys.argv[1]))
late = 100.0 * d["late"] / max(1, d["completed"])
print(sys.argv[2], round(d["completed"] / d["planned_s"]), round(d["lateness"]["p50_ms"], 3), round(d["lateness"]["p99_ms"], 3),
      round(d["lateness"]["max_ms"], 3), round(late, 2), round(d["latency"]["p99_ms"], 3), round(d["latency_uncorrected"]["p99_ms"], 3))
PY
done
python3 - "$WORK/open.rows" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
med = lambda i: statistics.median(r[i] for r in rows)
print(f"median open model at {med(1):.0f}/s: lateness p50 {med(2):.3f} ms, p99 {med(3):.3f} ms, late {med(5):.2f}%")
PY
