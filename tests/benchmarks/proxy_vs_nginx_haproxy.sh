#!/usr/bin/env bash
# redline-proxy side by side with nginx (proxy_pass, upstream keep-alive) and HAProxy 2.6 in one run
# (docs/benchmarks.md, "Proxy"). The same upstream behind each of them in turn, the same worker count:
#   upstream "nginx":  nginx `return 200` (the proxy is the only cost that differs)
#   upstream "sample": the sample server, GET /v1/products/42 from its warm cache
# Contenders: direct (no proxy), redline-proxy, redline-proxy --no-record, nginx, haproxy, and "l4": HAProxy in
# mode tcp, a relay that parses nothing, as the floor of what one more loopback hop costs on this machine.
#  1. Throughput: wrk -t2 -cC -dS per contender, rounds alternate the order; medians and spread, and the ratios
#     taken within each round (contenders of one round saw the same machine), with how many rounds meet a goal.
#  2. CO-corrected latency: redline-load open model at 1,000 and 10,000 req/s (S s each), p50/p99 of the
#     latency measured from the intended start; "added" = contender minus direct, medians over rounds.
#  3. Memory per 10,000 idle client connections: RSS of the proxy's processes before and after 10,000
#     connections that send nothing, per connection.
#
# usage: tests/benchmarks/proxy_vs_nginx_haproxy.sh [BUILD_DIR] [ROUNDS] [SECONDS] [CONNECTIONS] [UPSTREAMS]
#   UPSTREAMS: "nginx sample" (default), or one of them. WORKERS (default 2) = threads/workers of every proxy
#   and upstream. Everything listens on 127.0.0.1 and stops at exit.
set -euo pipefail

BUILD=${1:-build/release}
ROUNDS=${2:-5}
SECS=${3:-5}
CONNS=${4:-64}
UPSTREAMS=${5:-nginx sample}
WORKERS=${WORKERS:-2}
IDLE=${IDLE_CONNECTIONS:-10000}
PROXY="$BUILD/agents/proxy/redline-proxy"
SAMPLE="$BUILD/agents/sample_server/redline-sample-server"
LOAD="$BUILD/app/redline-load"
NGINX=${NGINX:-/usr/sbin/nginx}
HAPROXY=${HAPROXY:-$(command -v haproxy || echo /usr/sbin/haproxy)}
for b in "$PROXY" "$SAMPLE" "$LOAD"; do [ -x "$b" ] || { echo "missing $b (build it first)" >&2; exit 2; }; done
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 2; }
[ -x "$NGINX" ] || { echo "nginx is not installed" >&2; exit 2; }
[ -x "$HAPROXY" ] || { echo "haproxy is not installed (Debian's 'haproxy')" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)"
FDS=$(ulimit -n)

WORK=$(mktemp -d /tmp/redline-proxy-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -n "${KEEP_WORK:-}" ] && echo "kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {  # wait_http URL
    for _ in $(seq 1 100); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
    echo "no answer from $1; the servers' logs:" >&2
    tail -n 3 "$WORK"/*/stderr "$WORK"/*/error.log "$WORK"/*/log >&2 2>/dev/null || true
    exit 1
}
rss_kb() {  # rss_kb PID... -> sum of VmRSS in kB of the processes and their children
    local total=0 p c
    for p in "$@"; do
        for c in $p $(pgrep -P "$p" || true); do
            total=$((total + $(awk '/^VmRSS:/ {print $2}' "/proc/$c/status" 2>/dev/null || echo 0)))
        done
    done
    echo "$total"
}
median() { sort -g | awk '{a[NR]=$1} END { if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2 }'; }
spread() { sort -g | awk 'NR==1 {lo=$1} {hi=$1} END { printf "%s-%s", lo, hi }'; }

# start_nginx NAME CONF_BODY -> its pid in NGINX_PID_<NAME>
start_nginx() {
    local name=$1 body=$2 dir="$WORK/$1"
    mkdir -p "$dir"
    cat >"$dir/nginx.conf" <<NGX
worker_processes $WORKERS;
worker_rlimit_nofile $FDS;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections $((IDLE + 2048)); }
http {
    access_log off;
    client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    $body
}
NGX
    "$NGINX" -p "$dir" -c "$dir/nginx.conf" 2>"$dir/stderr" &
    PIDS+=($!)
    printf -v "NGINX_PID_$name" '%s' "$!"
}

# ---- upstreams --------------------------------------------------------------------------------------------
UP_NGINX_PORT=$(free_port)
start_nginx up_nginx "server { listen 127.0.0.1:$UP_NGINX_PORT; location / { return 200 'ok\n'; } }"
wait_http "http://127.0.0.1:$UP_NGINX_PORT/"

mkdir -p "$WORK/sample"
"$SAMPLE" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --data-dir "$WORK/sample/data" --threads "$WORKERS" \
    --seed-products 1000 >"$WORK/sample/stdout" 2>"$WORK/sample/stderr" &
PIDS+=($!)
for _ in $(seq 1 300); do grep -q '^REDLINE_READY ' "$WORK/sample/stdout" 2>/dev/null && break; sleep 0.1; done
SAMPLE_API=$(grep -m1 '^REDLINE_READY ' "$WORK/sample/stdout" | sed -E 's/.* api=([^ ]+) .*/\1/')
[ -n "$SAMPLE_API" ] || { echo "the sample server did not start" >&2; cat "$WORK/sample/stderr" >&2; exit 1; }
curl -sf -o /dev/null "$SAMPLE_API/v1/products/42"  # warm its cache

# ---- contenders in front of one upstream -----------------------------------------------------------------
# start_contenders UPSTREAM_HOSTPORT PATH -> URL_direct, URL_redline, URL_norec, URL_nginx, URL_haproxy and the
# pids PID_redline, PID_norec, PID_nginx, PID_haproxy
start_contenders() {
    local up=$1 path=$2 tag=$3
    URL_direct="http://$up$path"
    for kind in redline norec; do
        local dir="$WORK/$tag-$kind"
        mkdir -p "$dir"
        cat >"$dir/proxy.json" <<JSON
{"listen": "127.0.0.1:0", "admin_listen": "127.0.0.1:0", "data_dir": "$dir/data", "threads": $WORKERS,
 "routes": ["$path"], "record": $([ $kind = redline ] && echo true || echo false),
 "upstreams": {"stable": ["http://$up"]},
 "limits": {"max_connections": $((IDLE + 2048)), "max_idle_per_backend": $((CONNS * 2))},
 "health_check": {"enabled": true, "path": "$path", "interval_ms": 1000}}
JSON
        "$PROXY" --config "$dir/proxy.json" >"$dir/stdout" 2>"$dir/stderr" &
        PIDS+=($!)
        printf -v "PID_$kind" '%s' "$!"
        for _ in $(seq 1 100); do grep -q '^REDLINE_READY ' "$dir/stdout" 2>/dev/null && break; sleep 0.1; done
        local api
        api=$(grep -m1 '^REDLINE_READY ' "$dir/stdout" | sed -E 's/.* api=([^ ]+) .*/\1/')
        [ -n "$api" ] || { echo "redline-proxy did not start:" >&2; cat "$dir/stderr" >&2; exit 1; }
        printf -v "URL_$kind" '%s' "$api$path"
    done
    local np hp
    np=$(free_port)
    start_nginx "${tag}_nginx" "upstream app { server $up; keepalive $((CONNS * 2)); }
    server { listen 127.0.0.1:$np; location / { proxy_pass http://app; proxy_http_version 1.1;
             proxy_set_header Connection \"\"; proxy_set_header Host \$host; } }"
    local v="NGINX_PID_${tag}_nginx"
    PID_nginx=${!v}
    URL_nginx="http://127.0.0.1:$np$path"
    hp=$(free_port)
    mkdir -p "$WORK/$tag-haproxy"
    cat >"$WORK/$tag-haproxy/haproxy.cfg" <<HAP
global
    nbthread $WORKERS
    ulimit-n $FDS
    maxconn $((IDLE + 1024))
defaults
    mode http
    timeout connect 1s
    timeout client 300s
    timeout server 15s
    timeout http-keep-alive 300s
    http-reuse always
    option http-keep-alive
frontend fe
    bind 127.0.0.1:$hp
    default_backend be
backend be
    server s1 $up maxconn $((CONNS * 4))
HAP
    "$HAPROXY" -f "$WORK/$tag-haproxy/haproxy.cfg" -db >"$WORK/$tag-haproxy/log" 2>&1 &
    PIDS+=($!)
    PID_haproxy=$!
    URL_haproxy="http://127.0.0.1:$hp$path"
    local lp
    lp=$(free_port)
    mkdir -p "$WORK/$tag-l4"
    cat >"$WORK/$tag-l4/haproxy.cfg" <<HAP
global
    nbthread $WORKERS
    ulimit-n $FDS
    maxconn $((CONNS * 4))
defaults
    mode tcp
    timeout connect 1s
    timeout client 300s
    timeout server 300s
listen l4
    bind 127.0.0.1:$lp
    server s1 $up
HAP
    "$HAPROXY" -f "$WORK/$tag-l4/haproxy.cfg" -db >"$WORK/$tag-l4/log" 2>&1 &
    PIDS+=($!)
    PID_l4=$!
    URL_l4="http://127.0.0.1:$lp$path"
    for u in "$URL_direct" "$URL_redline" "$URL_norec" "$URL_nginx" "$URL_haproxy" "$URL_l4"; do wait_http "$u"; done
}

run_wrk() {  # run_wrk URL -> requests per second
    local out
    out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" "$1")
    echo "$out" >>"$WORK/wrk.log"
    awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}
run_open() {  # run_open URL RATE -> "p50_ms p99_ms achieved_rate"
    local base path
    base=$(sed -E 's|^(http://[^/]+).*|\1|' <<<"$1")
    path=${1#"$base"}
    cat >"$WORK/open.json" <<JSON
{"name":"proxy-open","target":"$base","executor":"constant-arrival-rate","rate":$2,"duration_s":$SECS,
 "connections":$CONNS,"threads":2,"requests":[{"path":"$path"}]}
JSON
    "$LOAD" run "$WORK/open.json" --quiet --out "$WORK/open.out.json" >/dev/null 2>&1 || true
    python3 - "$WORK/open.out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(round(d["latency"]["p50_ms"], 4), round(d["latency"]["p99_ms"], 4), round(d["completed"] / d["planned_s"]))
PY
}
idle_memory() {  # idle_memory LISTEN_URL PID -> kB per connection (x1000: bytes) for IDLE idle connections
    local hostport before after
    hostport=$(sed -E 's|^http://([^/]+).*|\1|' <<<"$1")
    before=$(rss_kb "$2")
    python3 - "$hostport" "$IDLE" "$WORK/idle.ready" <<'PY' &
import socket, sys, time, os
host, port = sys.argv[1].rsplit(":", 1)
socks = []
for _ in range(int(sys.argv[2])):
    s = socket.socket()
    s.connect((host, int(port)))
    socks.append(s)
open(sys.argv[3], "w").write("ok")
time.sleep(30)
PY
    local py=$!
    for _ in $(seq 1 300); do [ -f "$WORK/idle.ready" ] && break; sleep 0.1; done
    sleep 2
    after=$(rss_kb "$2")
    kill "$py" 2>/dev/null || true
    wait "$py" 2>/dev/null || true
    rm -f "$WORK/idle.ready"
    python3 -c "print(round(($after - $before) * 1024 / $IDLE))"
}

CONTENDERS="direct redline norec nginx haproxy l4"
echo "# $(nproc) cores, $WORKERS workers each, wrk -t2 -c$CONNS -d${SECS}s, $ROUNDS rounds; $(date -u +%F)"
for upstream in $UPSTREAMS; do
    if [ "$upstream" = nginx ]; then
        start_contenders "127.0.0.1:$UP_NGINX_PORT" "/" up_nginx
    else
        start_contenders "$(sed -E 's|^http://||' <<<"$SAMPLE_API")" "/v1/products/42" up_sample
    fi
    for c in $CONTENDERS; do : >"$WORK/rps_$c"; : >"$WORK/o1k_$c"; : >"$WORK/o10k_$c"; done
    : >"$WORK/ratio_nginx"; : >"$WORK/ratio_haproxy"; : >"$WORK/ratio_norec"
    echo "## upstream $upstream"
    echo "round: rps $CONTENDERS"
    for r in $(seq 1 "$ROUNDS"); do
        order=$CONTENDERS
        (( r % 2 )) || order=$(tr ' ' '\n' <<<"$CONTENDERS" | tac | tr '\n' ' ')
        line=""
        for c in $order; do
            u="URL_$c"
            v=$(run_wrk "${!u}")
            echo "$v" >>"$WORK/rps_$c"
        done
        for c in $CONTENDERS; do line+=" $(tail -n1 "$WORK/rps_$c")"; done
        for c in nginx haproxy norec; do
            python3 -c "print(f'{$(tail -n1 "$WORK/rps_redline")/$(tail -n1 "$WORK/rps_$c"):.3f}')" >>"$WORK/ratio_$c"
        done
        echo "round $r:$line  redline/nginx $(tail -n1 "$WORK/ratio_nginx") redline/haproxy $(tail -n1 "$WORK/ratio_haproxy")"
    done
    for r in $(seq 1 "$ROUNDS"); do
        order=$CONTENDERS
        (( r % 2 )) || order=$(tr ' ' '\n' <<<"$CONTENDERS" | tac | tr '\n' ' ')
        for c in $order; do
            u="URL_$c"
            run_open "${!u}" 1000 >>"$WORK/o1k_$c"
            run_open "${!u}" 10000 >>"$WORK/o10k_$c"
        done
        echo "open-model round $r done"
    done
    echo "### throughput (req/s, median [spread]) and ratios"
    for c in $CONTENDERS; do
        printf '%-8s %10s [%s]\n' "$c" "$(median <"$WORK/rps_$c")" "$(spread <"$WORK/rps_$c")"
    done
    red=$(median <"$WORK/rps_redline"); ngx=$(median <"$WORK/rps_nginx"); hap=$(median <"$WORK/rps_haproxy")
    norec=$(median <"$WORK/rps_norec")
    python3 -c "print(f'ratio of medians: redline/nginx {$red/$ngx:.2f}x  redline/haproxy {$red/$hap:.2f}x  recording on/off {$red/$norec:.3f}x')"
    # The same ratios taken within each round, and how many rounds meet the goals (1.0x nginx, 0.9x HAProxy,
    # 0.97x recording off).
    for pair in "nginx 1.0" "haproxy 0.9" "norec 0.97"; do
        set -- $pair
        meets=$(awk -v g="$2" '$1 >= g {n++} END {print n+0}' "$WORK/ratio_$1")
        printf 'per round redline/%-8s median %sx [%s], %s of %s rounds >= %sx\n' "$1" "$(median <"$WORK/ratio_$1")" \
            "$(spread <"$WORK/ratio_$1")" "$meets" "$ROUNDS" "$2"
    done
    for rate in 1k 10k; do
        echo "### open model $rate req/s: CO-corrected p50 / p99 (ms, median [spread]); added over direct (us)"
        d50=$(awk '{print $1}' "$WORK/o${rate}_direct" | median); d99=$(awk '{print $2}' "$WORK/o${rate}_direct" | median)
        for c in $CONTENDERS; do
            p50=$(awk '{print $1}' "$WORK/o${rate}_$c" | median); p99=$(awk '{print $2}' "$WORK/o${rate}_$c" | median)
            ach=$(awk '{print $3}' "$WORK/o${rate}_$c" | median)
            s99=$(awk '{print $2}' "$WORK/o${rate}_$c" | spread)
            python3 -c "print(f'%-8s p50 {$p50:.3f}  p99 {$p99:.3f} [{\"$s99\"}]  added p50 {($p50-$d50)*1000:+.0f} us  p99 {($p99-$d99)*1000:+.0f} us  achieved {$ach}/s' % '$c')"
        done
    done
    if [ "$upstream" = nginx ]; then
        echo "### memory per idle client connection ($IDLE connections, bytes of RSS)"
        for c in redline nginx haproxy; do
            u="URL_$c"; p="PID_$c"
            printf '%-8s %s B/connection\n' "$c" "$(idle_memory "${!u}" "${!p}")"
        done
    fi
    # Stop this upstream's contenders before the next set starts (ports and CPU).
    for p in ${PID_redline:-} ${PID_norec:-} ${PID_haproxy:-} ${PID_l4:-}; do kill "$p" 2>/dev/null || true; done
    [ -n "${PID_nginx:-}" ] && kill "$PID_nginx" 2>/dev/null || true
    sleep 1
done
