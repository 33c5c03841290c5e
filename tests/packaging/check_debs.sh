#!/usr/bin/env bash
# The Debian packages from the outside (packaging/CMakeLists.txt, docs/sdk.md "Packages"): runs cpack on the
# build, then checks with dpkg-deb, readelf and lintian that
#  - redline, redline-agent-dev and redline-dbgsym are made;
#  - redline's binaries are stripped, each with its debug info (by build id) in redline-dbgsym;
#  - the icon redline.desktop names, the systemd units (hardened), manual pages and copyright/changelog are in
#    redline;
#  - redline-agent-dev has the public headers, debug-stripped static libraries and the CMake package, and the
#    example service builds and runs against the unpacked package;
#  - lintian reports no error (E:) on any of them.
#   check_debs.sh SOURCE_DIR BUILD_DIR CXX_COMPILER [COMPILER_LAUNCHER]
# Exit 77 (skipped) when cpack, dpkg-deb, readelf or lintian is missing (packaging/debian-packages.txt).
set -euo pipefail
src=$1 build=$2 cxx=$3 launcher=${4:-}
for tool in cpack dpkg-deb readelf lintian file; do
  command -v $tool > /dev/null || { echo "SKIP: $tool not installed (packaging/debian-packages.txt)"; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/redline-tst-debs.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# Whether ELF file $1 has section $2. Not `readelf | grep -q`: under pipefail, grep -q leaving early kills
# readelf with SIGPIPE when its output is longer than one write, and the pipeline then fails at random.
has_section() { [ "$(readelf -S -W "$1" 2>/dev/null | grep -cF " $2 ")" -gt 0 ]; }

t0=$(date +%s)
cpack --config "$build/CPackConfig.cmake" -B "$tmp/out" > "$tmp/cpack.log" 2>&1 || { tail -30 "$tmp/cpack.log"; fail "cpack"; }
echo "cpack: $(($(date +%s) - t0)) s"
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")/\1/p' "$build/CPackConfig.cmake")
arch=$(dpkg --print-architecture)
rt=$tmp/out/redline_${version}_$arch.deb dev=$tmp/out/redline-agent-dev_${version}_$arch.deb
dbg=$tmp/out/redline-dbgsym_${version}_$arch.ddeb
for p in "$rt" "$dev" "$dbg"; do
  [ -f "$p" ] || { ls -la "$tmp/out" >&2; fail "missing $(basename "$p")"; }
  echo "$(basename "$p"): $(stat -c %s "$p") bytes, Installed-Size $(dpkg-deb -f "$p" Installed-Size) KiB"
done
[ "$(dpkg-deb -f "$dbg" Depends)" = "redline (= $version)" ] || fail "redline-dbgsym Depends: $(dpkg-deb -f "$dbg" Depends)"
[ "$(dpkg-deb -f "$dev" Section)" = libdevel ] || fail "redline-agent-dev Section"

# Runtime package: contents.
dpkg-deb -x "$rt" "$tmp/rt"
dpkg-deb -x "$dbg" "$tmp/dbg"
for f in usr/bin/redline usr/bin/redline-load usr/bin/redlinectl usr/bin/redline-sample-server \
         usr/share/applications/redline.desktop usr/share/metainfo/io.github.redline.Redline.metainfo.xml \
         usr/lib/systemd/system/redline-sample-server.service usr/lib/systemd/system/redline-proxy.service \
         usr/share/doc/redline/copyright usr/share/doc/redline/changelog.gz; do
  [ -f "$tmp/rt/$f" ] || fail "redline lacks /$f"
done
for b in redline redlinectl redline-load redline-sample-server redline-proxy redline-agent-demo; do
  [ -f "$tmp/rt/usr/share/man/man1/$b.1.gz" ] || fail "redline lacks the manual page of $b"
done
icon=$(sed -n 's/^Icon=//p' "$tmp/rt/usr/share/applications/redline.desktop")
[ -f "$tmp/rt/usr/share/icons/hicolor/scalable/apps/$icon.svg" ] || fail "icon '$icon' named by redline.desktop is not installed"
[ -z "$(cd "$tmp/rt" && find . -path ./usr/share/doc -prune -o -name '*.h' -print -o -name '*.a' -print)" ] \
  || fail "redline carries SDK files"

# Stripped binaries, debug info in -dbgsym under their build id.
n=0
for b in "$tmp"/rt/usr/bin/*; do
  file -b "$b" | grep -q '^ELF' || continue
  n=$((n + 1))
  has_section "$b" .debug_info && fail "$(basename "$b") carries .debug_info"
  has_section "$b" .symtab && fail "$(basename "$b") carries .symtab (not stripped)"
  id=$(readelf -n "$b" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
  [ -n "$id" ] || fail "$(basename "$b") has no build id"
  d="$tmp/dbg/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug"
  [ -f "$d" ] || fail "no debug file for $(basename "$b") ($id) in redline-dbgsym"
  has_section "$d" .debug_info || fail "$d has no .debug_info"
done
[ $n -ge 4 ] || fail "only $n ELF binaries in redline"
echo "binaries: $n stripped, debug info in redline-dbgsym"

# systemd units: hardened, and systemd's own checks when systemd-analyze is here.
for u in redline-sample-server redline-proxy; do
  f=$tmp/rt/usr/lib/systemd/system/$u.service
  for k in DynamicUser=yes StateDirectory=$u NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
           CapabilityBoundingSet= WantedBy=multi-user.target; do
    grep -qx "$k" "$f" || fail "$u.service lacks $k"
  done
done
grep -q '^ExecStart=/usr/bin/redline-proxy --config /etc/redline/proxy.json$' "$tmp/rt/usr/lib/systemd/system/redline-proxy.service" \
  || fail "redline-proxy.service ExecStart"
if command -v systemd-analyze > /dev/null; then
  for u in redline-sample-server redline-proxy; do
    # verify: everything but the binary not being installed on this host is an error.
    out=$(systemd-analyze verify "$tmp/rt/usr/lib/systemd/system/$u.service" 2>&1 | grep -v 'is not executable: No such file' || true)
    [ -z "$out" ] || fail "systemd-analyze verify $u.service: $out"
    # exposure 0 (best) .. 10; --threshold is in tenths.
    systemd-analyze security --offline=yes --root="$tmp/rt" --threshold=20 $u.service > "$tmp/sec.txt" 2>&1 \
      || { tail -3 "$tmp/sec.txt"; fail "$u.service exposure above 2.0"; }
    echo "$u.service: $(grep -o 'Overall exposure level.*' "$tmp/sec.txt")"
  done
else
  echo "note: systemd-analyze not installed, unit checks limited to the keys above"
fi

# Dev package: headers, stripped static libraries, CMake package; the example builds against it.
dpkg-deb -x "$dev" "$tmp/devroot"
for f in include/redline/agents/agent/agent.h include/redline/core/snapshot.h \
         lib/cmake/RedlineAgent/RedlineAgentConfig.cmake lib/cmake/RedlineAgent/RedlineAgentConfigVersion.cmake \
         lib/cmake/RedlineAgent/RedlineAgentTargets.cmake lib/libredline_agent.a lib/libredline_core.a \
         share/doc/redline-agent-dev/copyright; do
  [ -f "$tmp/devroot/usr/$f" ] || fail "redline-agent-dev lacks /usr/$f"
done
[ -z "$(find "$tmp/devroot" -name recorder.h -o -name admin_server.h -o -name '*.pb.h')" ] || fail "internal headers in redline-agent-dev"
for a in "$tmp"/devroot/usr/lib/*.a; do
  has_section "$a" .debug_info && fail "$(basename "$a") carries .debug_info"
done
export CCACHE_BASEDIR=$tmp
cmake -S "$src/agents/examples/minimal_service" -B "$tmp/ex" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/devroot/usr" \
  -DCMAKE_CXX_COMPILER="$cxx" ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER=$launcher} > "$tmp/ex.log" 2>&1 \
  && cmake --build "$tmp/ex" >> "$tmp/ex.log" 2>&1 || { tail -30 "$tmp/ex.log"; fail "example against redline-agent-dev"; }
"$tmp/ex/minimal_service" --data-dir "$tmp/data" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 > "$tmp/ready.txt" 2>/dev/null &
pid=$!
for _ in $(seq 100); do grep -q '^REDLINE_READY' "$tmp/ready.txt" && break; sleep 0.1; done
grep -q '^REDLINE_READY' "$tmp/ready.txt" || fail "example built from redline-agent-dev did not start"
kill -TERM $pid; wait $pid || fail "example exit status after SIGTERM"; pid=
echo "example: built and ran against the unpacked redline-agent-dev"

# lintian: no errors. (Warnings are listed; docs/sdk.md "Packages" explains the known ones.)
lintian "$rt" "$dev" "$dbg" > "$tmp/lintian.txt" 2>&1 || true
grep -v 'running with root privileges' "$tmp/lintian.txt" || true
if grep -q '^E: ' "$tmp/lintian.txt"; then fail "lintian reports errors"; fi
echo "PASS: packages built and checked in $(($(date +%s) - t0)) s"
