#!/usr/bin/env bash
# HTTPS load: redline-load vs wrk against nginx `return 200` over TLS on loopback (docs/benchmarks.md, section
# "HTTPS load").
#   tests/benchmarks/https_vs_wrk.sh [BUILD_DIR] [ROUNDS] [SECONDS] [CONNECTIONS] [THREADS]
# Makes a throw-away CA and a server certificate for localhost (openssl CLI), starts nginx (1 worker, TLS 1.3,
# session tickets on, keep-alive) on a free port, then per round runs wrk -tT -cC -dS and redline-load
# constant-vus C with T threads (--cacert: verification on, as a user runs it), alternating which goes first.
# CPU time of each client from /usr/bin/time (user+sys). Prints each round, then medians and the range of the
# per-round ratios. A second pass with nginx closing every connection after 100 requests (keepalive_requests)
# measures the reconnect path, where redline-load resumes TLS sessions and reports how many it resumed.
# Needs: nginx (nginx-light), wrk, openssl, python3, /usr/bin/time.
set -euo pipefail
BUILD=${1:-build/release}
ROUNDS=${2:-5}
SECS=${3:-10}
CONN=${4:-64}
THREADS=${5:-2}
LOAD="$BUILD/app/redline-load"
[[ -x "$LOAD" ]] || { echo "build redline-load first: cmake --build --preset release --target redline-load" >&2; exit 2; }
for t in wrk openssl python3; do command -v $t >/dev/null || { echo "$t is not installed" >&2; exit 2; }; done
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is not installed (Debian package time)" >&2; exit 2; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x "$NGINX" ]] || { echo "nginx is not installed (Debian package nginx-light)" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'kill $(cat "$WORK/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT
cd "$WORK"
EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${EC[@]}" -keyout ca.key -out ca.pem -days 2 -subj "/CN=Redline bench CA" 2>/dev/null
openssl req "${EC[@]}" -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
  -extfile server.ext 2>/dev/null
cd - >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="https://localhost:$PORT"

start_nginx() {  # $1 = keepalive_requests
  [[ -f "$WORK/nginx.pid" ]] && { kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true; sleep 0.5; }
  cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests $1;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_tickets on;
  ssl_session_cache shared:bench:10m;
  server {
    listen 127.0.0.1:$PORT ssl;
    server_name localhost;
    ssl_certificate $WORK/server.pem;
    ssl_certificate_key $WORK/server.key;
    location / { return 200 "ok\n"; }
  }
}
CONF
  "$NGINX" -c "$WORK/nginx.conf" -p "$WORK" 2>/dev/null
  for _ in $(seq 50); do curl -sf --cacert "$WORK/ca.pem" "$URL/" >/dev/null && return 0; sleep 0.1; done
  echo "nginx did not start (see $WORK/error.log)" >&2; exit 1
}

cat > "$WORK/closed.json" <<JSON
{"name":"bench-https","target":"$URL","executor":"constant-vus","vus":$CONN,"duration_s":$SECS,"threads":$THREADS,
 "requests":[{"path":"/"}]}
JSON

run_wrk() {
  /usr/bin/time -f "%U %S" -o "$WORK/wrk.time" wrk -t"$THREADS" -c"$CONN" -d"${SECS}s" "$URL/" > "$WORK/wrk.out"
  wrk_rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.out")
  wrk_req=$(awk '/requests in/ {print $1}' "$WORK/wrk.out")
  wrk_cpu=$(awk '{print $1+$2}' "$WORK/wrk.time")
}
run_redline() {
  /usr/bin/time -f "%U %S" -o "$WORK/rl.time" "$LOAD" run "$WORK/closed.json" --cacert "$WORK/ca.pem" --quiet \
    --out "$WORK/rl.json" || true
  read -r rl_rps rl_req rl_hs rl_res rl_err < <(python3 -c "
import json; d = json.load(open('$WORK/rl.json'))
t = d.get('tls') or {}
print(round(d['completed'] / d['duration_s'], 1), d['completed'], t.get('handshakes', 0), t.get('resumed', 0), d['transport_errors'])")
  rl_cpu=$(awk '{print $1+$2}' "$WORK/rl.time")
}

pass() {  # $1 = label, $2 = keepalive_requests
  start_nginx "$2"
  echo "# $1: nginx TLS return 200 on $URL, keepalive_requests $2, $CONN connections, $THREADS threads, $SECS s per run, $ROUNDS rounds, $(nproc) cores"
  echo "round first wrk_rps redline_rps ratio wrk_cpu_ms_per_10k redline_cpu_ms_per_10k redline_handshakes redline_resumed redline_transport_errors"
  : > "$WORK/rows"
  for r in $(seq "$ROUNDS"); do
    if (( r % 2 )); then first=wrk; run_wrk; run_redline; else first=redline; run_redline; run_wrk; fi
    python3 -c "print($r, '$first', $wrk_rps, $rl_rps, round($rl_rps/$wrk_rps, 3), round($wrk_cpu/$wrk_req*1e7, 1), round($rl_cpu/$rl_req*1e7, 1), $rl_hs, $rl_res, $rl_err)" \
      | tee -a "$WORK/rows"
  done
  python3 - "$WORK/rows" "$1" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
col = lambda i: [float(r[i]) for r in rows]
med = lambda i: statistics.median(col(i))
print(f"{sys.argv[2]} median: wrk {med(2):.0f} req/s, redline-load {med(3):.0f} req/s; per-round ratio median "
      f"{med(4):.2f}x (range {min(col(4)):.2f}-{max(col(4)):.2f}); CPU per 10k requests wrk {med(5):.1f} ms, "
      f"redline-load {med(6):.1f} ms; redline-load handshakes {med(7):.0f}, resumed {med(8):.0f}")
PY
}

pass keep-alive 100000000
pass reconnect-every-100 100
