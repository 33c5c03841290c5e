#!/usr/bin/env bash
# Redline: set everything up on Debian 12 and run the demo or the test suite.
#
#   packaging/redline.sh demo   install missing packages, build (release preset), start the dashboard on a local
#                               sample server with its agent and gentle background traffic
#   packaging/redline.sh demo --proxy
#                               the same with a real two-process canary: two sample servers (stable and canary)
#                               behind redline-proxy, traffic through the proxy, the dashboard on the proxy's
#                               agent (canary tab: weight, backends) and on the canary service's own agent
#                               (its fault injection slows or breaks the canary process)
#   packaging/redline.sh test   install missing packages, build (release preset), run the whole CTest suite
#
# Options: --preset NAME (dev|release|asan|tsan, default release), --jobs N, --no-install (skip apt),
# --proxy (demo only: the two-process canary above).
# Idempotent: packages already installed and an up-to-date build are left alone. Prints every step it takes.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
preset=release
jobs=$(nproc 2>/dev/null || echo 2)
install=1
proxy=0
cmd=${1:-}
[ $# -gt 0 ] && shift

usage() {
  sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset=${2:?--preset needs a name}; shift 2 ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    --no-install) install=0; shift ;;
    --proxy) proxy=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) break ;;
  esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

install_packages() {
  [ "$install" = 1 ] || { say "Skipping package installation (--no-install)"; return; }
  local wanted missing=()
  wanted=$(grep -v '^\s*#' "$here/debian-packages.txt" | sed '/^\s*$/d')
  for p in $wanted; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "All $(echo "$wanted" | wc -l) Debian packages are installed"
    return
  fi
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "error: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  say "Installing ${#missing[@]} Debian packages: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  # The nginx package starts a system service on :80; Redline's benchmarks start their own nginx on loopback.
  if command -v systemctl >/dev/null && systemctl is-active --quiet nginx 2>/dev/null; then
    "${sudo[@]}" systemctl disable --now nginx >/dev/null 2>&1 || true
  fi
}

build() {
  cd "$root"
  say "Configuring (cmake --preset $preset)"
  cmake --preset "$preset" >/dev/null
  say "Building with $jobs jobs (cmake --build --preset $preset)"
  cmake --build --preset "$preset" -j "$jobs"
}

# demo --proxy: stable and canary sample servers behind redline-proxy on fixed loopback ports, background traffic
# through the proxy from redline-load, then the dashboard on both agents. Everything started here is stopped
# when the dashboard closes (or on Ctrl+C).
proxy_demo() {
  local bin=$1 data=$2/proxy p
  demo_pids=()
  local stable_api=127.0.0.1:9101 stable_admin=127.0.0.1:9111 canary_api=127.0.0.1:9102
  local canary_admin=127.0.0.1:9112 proxy_api=127.0.0.1:8081 proxy_admin=127.0.0.1:9465
  for b in agents/sample_server/redline-sample-server agents/proxy/redline-proxy app/redline app/redline-load \
           app/redlinectl; do
    [ -x "$bin/$b" ] || { echo "error: demo --proxy needs $b, which is not built in $bin" >&2; exit 1; }
  done
  stop_all() {
    for p in "${demo_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${demo_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  }
  trap stop_all EXIT
  trap 'exit 130' INT TERM
  # start NAME LOGFILE COMMAND...: runs it in the background and waits for its REDLINE_READY line.
  start() {
    local name=$1 log=$2 i
    shift 2
    "$@" > "$log.out" 2> "$log.err" &
    demo_pids+=($!)
    for i in $(seq 100); do
      grep -q '^REDLINE_READY' "$log.out" 2>/dev/null && { say "$name: $(head -1 "$log.out")"; return; }
      kill -0 "${demo_pids[-1]}" 2>/dev/null || break
      sleep 0.1
    done
    echo "error: $name did not start (is a port taken?); its log:" >&2
    tail -5 "$log.err" >&2
    exit 1
  }
  mkdir -p "$data/stable" "$data/canary" "$data/proxy"
  start "stable sample server" "$data/stable/log" "$bin/agents/sample_server/redline-sample-server" \
    --listen $stable_api --admin-listen $stable_admin --data-dir "$data/stable" --seed-products 3000 --threads 1
  start "canary sample server" "$data/canary/log" "$bin/agents/sample_server/redline-sample-server" \
    --listen $canary_api --admin-listen $canary_admin --data-dir "$data/canary" --seed-products 3000 --threads 1
  # The canary process's own canary takes all its requests, so its fault injection applies to every request the
  # proxy sends it (the proxy's own canary control splits clients between the two processes).
  "$bin/app/redlinectl" --agent "http://$canary_admin" --token-file "$data/canary/operator.token" --as demo \
    canary set --weight 100 > /dev/null
  start "redline-proxy" "$data/proxy/log" "$bin/agents/proxy/redline-proxy" --listen $proxy_api \
    --admin-listen $proxy_admin --data-dir "$data/proxy" --routes "$root/resources/demo/catalog-routes.txt" \
    --upstream stable=http://$stable_api --upstream canary=http://$canary_api --health-interval-ms 500 --threads 1
  "$bin/app/redline-load" run "$root/resources/demo/background.json" --target "http://$proxy_api" --rate 30 \
    --quiet > "$data/load.out" 2> "$data/load.err" &
  demo_pids+=($!)
  say "Background traffic: 30 requests/s through the proxy (http://$proxy_api)"
  say "Dashboard: the proxy's agent (canary weight, backends) and the canary service's agent (fault injection)"
  "$bin/app/redline" --agent "http://$proxy_admin" --token-file "$data/proxy/operator.token" \
    --agent "http://$canary_admin" --token-file "$data/canary/operator.token" "$@"
}

case "$cmd" in
  demo)
    install_packages
    build
    bin="$root/build/$preset"
    data="${XDG_CACHE_HOME:-$HOME/.cache}/redline/demo"
    mkdir -p "$data"
    if [ "$proxy" = 1 ]; then
      proxy_demo "$bin" "$data" "$@"
      exit $?
    fi
    if [ -x "$bin/app/redline" ]; then
      say "Starting the dashboard on a local sample server with gentle background traffic (redline --demo)"
      exec "$bin/app/redline" --demo "$@"
    elif [ -x "$bin/agents/sample_server/redline-sample-server" ]; then
      say "The dashboard is not built yet: starting the sample API server with its agent (data in $data)"
      say "Watch it live in another terminal: $bin/app/redlinectl --token-file $data/viewer.token top"
      exec "$bin/agents/sample_server/redline-sample-server" --listen 127.0.0.1:8080 --admin-listen 127.0.0.1:9464 --data-dir "$data" "$@"
    elif [ -x "$bin/agents/redline-agent-demo" ]; then
      say "The dashboard and sample server are not built yet: starting the agent demo with synthetic traffic (data in $data)"
      say "Watch it live in another terminal: $bin/app/redlinectl --token-file $data/viewer.token top"
      exec "$bin/agents/redline-agent-demo" --admin-listen 127.0.0.1:9464 --data-dir "$data" "$@"
    fi
    echo "error: nothing to run: no executable was built in build/$preset" >&2
    exit 1
    ;;
  test)
    install_packages
    build
    cd "$root"
    say "Running the test suite (ctest --preset $preset)"
    exec ctest --preset "$preset" --output-on-failure "$@"
    ;;
  -h|--help|help|"")
    usage
    [ -n "$cmd" ] || exit 2
    ;;
  *)
    echo "error: unknown command '$cmd' (expected demo or test)" >&2
    usage >&2
    exit 2
    ;;
esac
