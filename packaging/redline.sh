#!/usr/bin/env bash
# Redline: set everything up on Debian 12 and run the demo or the test suite.
#
#   packaging/redline.sh demo   install missing packages, build (release preset), start the dashboard on a local
#                               sample server with its agent and gentle background traffic
#   packaging/redline.sh test   install missing packages, build (release preset), run the whole CTest suite
#
# Options: --preset NAME (dev|release|asan|tsan, default release), --jobs N, --no-install (skip apt).
# Idempotent: packages already installed and an up-to-date build are left alone. Prints every step it takes.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
preset=release
jobs=$(nproc 2>/dev/null || echo 2)
install=1
cmd=${1:-}
[ $# -gt 0 ] && shift

usage() {
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset=${2:?--preset needs a name}; shift 2 ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    --no-install) install=0; shift ;;
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

case "$cmd" in
  demo)
    install_packages
    build
    bin="$root/build/$preset"
    data="${XDG_CACHE_HOME:-$HOME/.cache}/redline/demo"
    mkdir -p "$data"
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
