#!/usr/bin/env bash
# Sample API server benchmarks (docs/benchmarks.md, "Sample API server"), side by side in one run with wrk:
#  1. GET /v1/products/{id} with a warm cache vs nginx returning the same JSON from a `return 200` location.
#  2. The same server with agent recording on vs --no-record.
#  3. Cold (cache disabled, every read goes to SQLite) vs warm cache latency, and the agent's cache hit ratio
#     vs the ratio counted client-side from X-Cache headers.
# Rounds alternate the contenders so drift on a shared machine hits all of them alike; medians are reported.
#
# usage: tests/benchmarks/sample_vs_nginx.sh [BUILD_DIR] [ROUNDS] [DURATION_S] [CONNECTIONS]
set -euo pipefail

BUILD_DIR=${1:-build/release}
ROUNDS=${2:-5}
DURATION=${3:-10}
CONNS=${4:-64}
THREADS=${WRK_THREADS:-2}
SERVER_THREADS=${SERVER_THREADS:-2}
PRODUCTS=${PRODUCTS:-100000}
BIN="$BUILD_DIR/agents/sample_server/redline-sample-server"
NGINX=${NGINX:-/usr/sbin/nginx}
[ -x "$BIN" ] || { echo "missing $BIN (build redline-sample-server first)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk not installed" >&2; exit 1; }
[ -x "$NGINX" ] || { echo "nginx not installed" >&2; exit 1; }

WORK=$(mktemp -d /tmp/redline-sample-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# start_server NAME [extra args...] -> sets API_<NAME>, ADMIN_<NAME>, TOKEN_<NAME>
start_server() {
    local name=$1; shift
    local dir="$WORK/$name"
    mkdir -p "$dir"
    "$BIN" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --data-dir "$dir/data" --threads "$SERVER_THREADS" \
        --seed-products "$PRODUCTS" "$@" >"$dir/stdout" 2>"$dir/stderr" &
    PIDS+=($!)
    printf -v "PID_$name" '%s' "$!"
    local line=""
    for _ in $(seq 1 300); do
        line=$(grep -m1 '^REDLINE_READY ' "$dir/stdout" 2>/dev/null || true)
        [ -n "$line" ] && break
        sleep 0.1
    done
    [ -n "$line" ] || { echo "$name did not start:"; cat "$dir/stderr"; exit 1; }
    local api admin
    api=$(sed -E 's/.* api=([^ ]+) .*/\1/' <<<"$line")
    admin=$(sed -E 's/.* admin=([^ ]+) .*/\1/' <<<"$line")
    printf -v "API_$name" '%s' "$api"
    printf -v "ADMIN_$name" '%s' "$admin"
    printf -v "TOKEN_$name" '%s' "$(head -n1 "$dir/data/operator.token")"
}

admin_put() {  # admin_put ADMIN TOKEN PATH JSON
    curl -sf -X PUT -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$4" "$1$3" >/dev/null
}

# run_wrk URL [script] -> prints "rps p50_ms p99_ms"
run_wrk() {
    local out
    if [ -n "${2:-}" ]; then
        out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$2" "$1")
    else
        out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "$1")
    fi
    echo "$out" >>"$WORK/wrk.log"
    local rps p50 p99
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}
cpu_ticks() {  # cpu_ticks PID -> user+system clock ticks of the process so far
    awk '{print $14 + $15}' "/proc/$1/stat"
}
# run_wrk_cpu PID URL -> prints "rps p50_ms p99_ms server_cpu_ms_per_10k_requests"
run_wrk_cpu() {
    local t0 t1 res n
    t0=$(cpu_ticks "$1")
    res=$(run_wrk "$2")
    t1=$(cpu_ticks "$1")
    n=$(tail -n 30 "$WORK/wrk.log" | awk '/requests in/ {n=$1} END {print n}')
    echo "$res $(awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN { printf "%.1f", d * 1000 / hz / n * 10000 }')"
}
to_ms() {  # wrk prints 1.23ms / 456.00us / 1.02s
    awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /s$/) n*=1000; printf "%.3f", n }'
}
median() { sort -g | awk '{a[NR]=$1} END { if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2 }'; }

echo "== starting servers ($PRODUCTS products, $SERVER_THREADS threads each)"
start_server rec
start_server norec --no-record
ID=42
URL_REC="$API_rec/v1/products/$ID"
URL_NOREC="$API_norec/v1/products/$ID"
curl -sf "$URL_REC" >"$WORK/body.json"
curl -sf "$URL_NOREC" >/dev/null
grep -q '"id":42' "$WORK/body.json"

# nginx serving the same bytes from a `return 200` location, same worker count as the server's threads.
NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BODY_ESCAPED=$(sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g" "$WORK/body.json")
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<NGX
worker_processes $SERVER_THREADS;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location = /v1/products/$ID {
            default_type application/json;
            return 200 '$BODY_ESCAPED';
        }
    }
}
NGX
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>"$WORK/nginx/stderr" &
PIDS+=($!)
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$NGINX_PORT/v1/products/$ID" >/dev/null && break; sleep 0.1; done
cmp <(curl -sf "http://127.0.0.1:$NGINX_PORT/v1/products/$ID") "$WORK/body.json" || { echo "nginx body differs"; exit 1; }

echo "== 1+2: warm-cache GET /v1/products/$ID, $CONNS connections, ${DURATION}s x $ROUNDS rounds (wrk -t$THREADS)"
: >"$WORK/res_rec" ; : >"$WORK/res_norec" ; : >"$WORK/res_nginx"
for r in $(seq 1 "$ROUNDS"); do
    # The order flips every round so a drift of the shared machine does not always favour the same contender.
    if (( r % 2 )); then
        a=$(run_wrk_cpu "$PID_rec" "$URL_REC"); b=$(run_wrk_cpu "$PID_norec" "$URL_NOREC")
        c=$(run_wrk "http://127.0.0.1:$NGINX_PORT/v1/products/$ID")
    else
        c=$(run_wrk "http://127.0.0.1:$NGINX_PORT/v1/products/$ID")
        b=$(run_wrk_cpu "$PID_norec" "$URL_NOREC"); a=$(run_wrk_cpu "$PID_rec" "$URL_REC")
    fi
    echo "$a" >>"$WORK/res_rec"; echo "$b" >>"$WORK/res_norec"; echo "$c" >>"$WORK/res_nginx"
    echo "round $r: recording [$a]  no-record [$b]  nginx [$c]  (rps p50_ms p99_ms [server CPU ms/10k req])"
done
col() { awk -v c="$2" '{print $c}' "$1" | median; }
REC_RPS=$(col "$WORK/res_rec" 1); NOREC_RPS=$(col "$WORK/res_norec" 1); NGX_RPS=$(col "$WORK/res_nginx" 1)
REC_P99=$(col "$WORK/res_rec" 3); NOREC_P99=$(col "$WORK/res_norec" 3); NGX_P99=$(col "$WORK/res_nginx" 3)
REC_P50=$(col "$WORK/res_rec" 2); NOREC_P50=$(col "$WORK/res_norec" 2); NGX_P50=$(col "$WORK/res_nginx" 2)
echo
printf "%-28s %12s %10s %10s\n" "median of $ROUNDS" "req/s" "p50 ms" "p99 ms"
printf "%-28s %12s %10s %10s\n" "sample (recording)" "$REC_RPS" "$REC_P50" "$REC_P99"
printf "%-28s %12s %10s %10s\n" "sample (--no-record)" "$NOREC_RPS" "$NOREC_P50" "$NOREC_P99"
printf "%-28s %12s %10s %10s\n" "nginx return 200" "$NGX_RPS" "$NGX_P50" "$NGX_P99"
awk -v a="$REC_RPS" -v n="$NGX_RPS" -v b="$NOREC_RPS" -v p="$REC_P99" -v q="$NOREC_P99" 'BEGIN {
    printf "sample/nginx (recording)      %.3fx  (target >= 0.6x)\n", a/n;
    printf "recording on/off throughput   %.3fx  (target >= 0.97x)\n", a/b;
    printf "recording on/off p99          %+.1f%%  (target within 5%%)\n", 100*(p-q)/q }'
# Paired: the ratio inside each round (both contenders measured minutes apart at most), then the median.
paste "$WORK/res_rec" "$WORK/res_norec" "$WORK/res_nginx" >"$WORK/paired"
# columns: recording 1-4 (rps p50 p99 cpu), no-record 5-8, nginx 9-11
PAIR_NGX=$(awk '{print $1/$9}' "$WORK/paired" | median)
PAIR_RPS=$(awk '{print $1/$5}' "$WORK/paired" | median)
PAIR_P99=$(awk '{print 100*($3-$7)/$7}' "$WORK/paired" | median)
REC_CPU=$(col "$WORK/res_rec" 4); NOREC_CPU=$(col "$WORK/res_norec" 4)
PAIR_CPU=$(awk '{print $4/$8}' "$WORK/paired" | median)
printf "paired per-round medians: sample/nginx %.3fx, recording on/off %.3fx, p99 %+.1f%%\n" \
    "$PAIR_NGX" "$PAIR_RPS" "$PAIR_P99"
printf "server CPU per 10k requests (medians): recording %s ms, --no-record %s ms; paired ratio %.3f\n" \
    "$REC_CPU" "$NOREC_CPU" "$PAIR_CPU"

echo
echo "== 3: cold vs warm cache, random ids (ids 1..10000), $CONNS connections, ${DURATION}s"
cat >"$WORK/random.lua" <<'LUA'
local counter = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0))
  hits = 0; misses = 0
  maxid = tonumber(os.getenv("MAXID") or "10000")
end
function request() return wrk.format("GET", "/v1/products/" .. math.random(1, maxid)) end
function response(status, headers, body)
  local c = headers["X-Cache"]
  if c == "HIT" then hits = hits + 1 elseif c == "MISS" then misses = misses + 1 end
end
function done(summary, latency, requests)
  local h, m = 0, 0
  for _, t in ipairs(threads) do h = h + t:get("hits"); m = m + t:get("misses") end
  io.write(string.format("CLIENT_CACHE hits=%d misses=%d\n", h, m))
end
LUA
start_server ratio
# Cold: cache disabled, every read is a SQLite lookup + serialisation.
admin_put "$ADMIN_ratio" "$TOKEN_ratio" /v1/cache '{"capacity":0,"ttl_ms":600000}'
cold=$(MAXID=10000 run_wrk "$API_ratio/v1/products/1" "$WORK/random.lua")
# Warm: cache big enough for every id, pre-warmed by one pass.
admin_put "$ADMIN_ratio" "$TOKEN_ratio" /v1/cache '{"capacity":200000,"ttl_ms":600000}'
for i in $(seq 1 10000); do printf "url = \"%s\"\noutput = \"/dev/null\"\n" "$API_ratio/v1/products/$i"; done >"$WORK/warm.curl"
curl -s -K "$WORK/warm.curl"
warm=$(MAXID=10000 run_wrk "$API_ratio/v1/products/1" "$WORK/random.lua")
printf "%-28s %12s %10s %10s\n" "" "req/s" "p50 ms" "p99 ms"
printf "%-28s %12s %10s %10s\n" "cold (cache off, SQLite)" $cold
printf "%-28s %12s %10s %10s\n" "warm (all hits)" $warm

# Hit ratio: capacity 5000 over ids 1..10000 -> partial hits; compare the agent's count with the client's.
start_server ratio2
admin_put "$ADMIN_ratio2" "$TOKEN_ratio2" /v1/cache '{"capacity":5000,"ttl_ms":600000}'
: >"$WORK/wrk.log"
MAXID=10000 run_wrk "$API_ratio2/v1/products/1" "$WORK/random.lua" >/dev/null
client=$(grep CLIENT_CACHE "$WORK/wrk.log" | tail -n1)
sleep 2.5  # let the agent close the last epoch
snap=$(curl -sf -H "Authorization: Bearer $TOKEN_ratio2" "$ADMIN_ratio2/v1/snapshot?window=60s")
python3 - "$client" "$snap" <<'PY'
import json, re, sys
m = re.search(r"hits=(\d+) misses=(\d+)", sys.argv[1]); ch, cm = int(m.group(1)), int(m.group(2))
snap = json.loads(sys.argv[2])
ah = sum(s["cache_hits"] for s in snap["series"] if s["route"] == "/v1/products/{id}")
am = sum(s["cache_misses"] for s in snap["series"] if s["route"] == "/v1/products/{id}")
print(f"hit ratio client-side {ch/(ch+cm):.4f} ({ch} hits / {ch+cm})   agent {ah/(ah+am):.4f} ({ah} hits / {ah+am})")
PY
echo "(raw wrk output of the last run in the work dir is removed on exit; rerun with bash -x to keep it)"
