#!/usr/bin/env bash
# The agent SDK from the outside (docs/sdk.md): installs the build's "dev" component to a temporary prefix,
# checks the installed headers are the public set and each compiles alone, builds
# agents/examples/minimal_service against the prefix with find_package(RedlineAgent), runs it on port 0
# (loopback), and checks /metrics and the control API.
#   install_example.sh SOURCE_DIR BUILD_DIR CXX_COMPILER [COMPILER_LAUNCHER]
set -euo pipefail
src=$1 build=$2 cxx=$3 launcher=${4:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/redline-tst-sdk.XXXXXX")
# ccache: paths under the random prefix are rewritten relative, so a rerun hits the cache.
export CCACHE_BASEDIR=$tmp
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/err.txt" ] && tail -20 "$tmp/err.txt" >&2; exit 1; }

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" --component dev > "$tmp/install.log" || fail "cmake --install"

# Exactly the public headers, nothing internal.
expected="agents/agent/admin_types.h agents/agent/agent.h agents/agent/loadtests.h agents/agent/types.h
core/control.h core/event.h core/problem.h core/rollout.h core/sketch.h core/snapshot.h core/window.h"
got=$(cd "$prefix/include/redline" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')
[ "$(echo $expected)" = "$(echo $got)" ] || fail "installed headers: got '$got', want '$(echo $expected)'"
for f in RedlineAgentConfig.cmake RedlineAgentConfigVersion.cmake RedlineAgentTargets.cmake; do
  [ -f "$prefix/lib/cmake/RedlineAgent/$f" ] || fail "missing lib/cmake/RedlineAgent/$f"
done
# Each public header is self-contained against the installed tree alone (no -I into the source tree).
for h in $expected; do
  echo "#include \"$h\"" | "$cxx" -std=c++20 -fsyntax-only -I"$prefix/include/redline" -x c++ - \
    || fail "$h does not compile on its own against the installed headers"
done

# The example, built only from the prefix.
cmake -S "$src/agents/examples/minimal_service" -B "$tmp/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER=$launcher} \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON > "$tmp/configure.log" 2>&1 || { cat "$tmp/configure.log"; fail "configure example"; }
t0=$(date +%s)
cmake --build "$tmp/build" > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "build example"; }
echo "example built in $(($(date +%s) - t0)) s"
if grep -q -- "-I$src\|-I$build\|-isystem $src\|-isystem $build" "$tmp/build/compile_commands.json"; then
  fail "the example's compile line reaches into the Redline source or build tree"
fi

# Run it on port 0, loopback only.
"$tmp/build/minimal_service" --data-dir "$tmp/data" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
  > "$tmp/out.txt" 2> "$tmp/err.txt" &
pid=$!
for _ in $(seq 100); do grep -q '^REDLINE_READY' "$tmp/out.txt" && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
grep -q '^REDLINE_READY' "$tmp/out.txt" || fail "no REDLINE_READY line within 10 s"
api=$(sed -n 's/^REDLINE_READY api=\([^ ]*\).*/\1/p' "$tmp/out.txt")
admin=$(sed -n 's/.* admin=\([^ ]*\).*/\1/p' "$tmp/out.txt")
case "$api $admin" in http://127.0.0.1:*" http://127.0.0.1:"*) ;; *) fail "unexpected addresses '$api' '$admin'" ;; esac
viewer=$(cat "$tmp/data/viewer.token") operator=$(cat "$tmp/data/operator.token")
c() { curl -sS --max-time 5 "$@"; }
code() { c -o /dev/null -w '%{http_code}' "$@"; }

for _ in 1 2 3 4 5; do [ "$(code "$api/hello")" = 200 ] || fail "GET /hello"; done
[ "$(code "$api/items/7")" = 200 ] || fail "GET /items/7"
[ "$(code "$api/nope/x")" = 404 ] || fail "GET /nope/x"

# /metrics carries the recorded requests once the epoch closes (each second).
want='http_server_requests_total{http_request_method="GET",http_route="/hello",version="stable",http_response_status_code="200"} 5'
for _ in $(seq 50); do c "$admin/metrics" > "$tmp/metrics.txt"; grep -qF "$want" "$tmp/metrics.txt" && break; sleep 0.1; done
grep -qF "$want" "$tmp/metrics.txt" || { grep '^http_server_requests_total' "$tmp/metrics.txt" >&2; fail "/metrics lacks: $want"; }
grep -qF 'http_route="/items/{id}",version="stable",http_response_status_code="200"} 1' "$tmp/metrics.txt" || fail "/items/{id}"
grep -qF 'http_route="/{other}",version="stable",http_response_status_code="404"} 1' "$tmp/metrics.txt" || fail "catch-all"
grep -qF 'target_info{service_name="minimal-service"' "$tmp/metrics.txt" || fail "target_info"

# Control API: /v1/info with the viewer token; a limit PUT needs the operator token and takes effect.
[ "$(code "$admin/v1/info")" = 401 ] || fail "/v1/info without a token is not 401"
c -H "Authorization: Bearer $viewer" "$admin/v1/info" > "$tmp/info.json"
grep -q '"service":"minimal-service"' "$tmp/info.json" || fail "/v1/info: $(cat "$tmp/info.json")"
grep -q '"GET /items/{id}"' "$tmp/info.json" || fail "/v1/info routes: $(cat "$tmp/info.json")"
limit='{"routes":{"GET /hello":{"rate_per_s":0.01,"burst":2}}}'
[ "$(code -X PUT -H "Authorization: Bearer $viewer" -H 'Content-Type: application/json' -d "$limit" "$admin/v1/limits")" = 403 ] \
  || fail "PUT /v1/limits with the viewer token is not 403"
[ "$(code -X PUT -H "Authorization: Bearer $operator" -H 'Content-Type: application/json' -d '{"routes":{"GET /nope":{}}}' "$admin/v1/limits")" = 400 ] \
  || fail "PUT /v1/limits naming an unknown route is not 400"
[ "$(code -X PUT -H "Authorization: Bearer $operator" -H 'Content-Type: application/json' -d "$limit" "$admin/v1/limits")" = 200 ] \
  || fail "PUT /v1/limits with the operator token"
got=$(for _ in 1 2 3 4; do code "$api/hello"; echo -n ' '; done)
[ "$got" = "200 200 429 429 " ] || fail "after a burst-2 limit, /hello answered '$got'"
want='http_route="/hello",version="stable",decision="rejected"} 2'
for _ in $(seq 50); do c "$admin/metrics" > "$tmp/metrics.txt"; grep -qF "$want" "$tmp/metrics.txt" && break; sleep 0.1; done
grep -qF "$want" "$tmp/metrics.txt" || fail "/metrics lacks: $want"
grep -q '"kind":"limits.changed"' <(c -H "Authorization: Bearer $viewer" "$admin/v1/events") || fail "no limits.changed event"

# SIGTERM stops it, bounded.
kill -TERM $pid
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -0 $pid 2>/dev/null && fail "still running 10 s after SIGTERM"
wait $pid || fail "exit status $? after SIGTERM"
pid=
echo "PASS: installed SDK, built and ran the example"
