#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build/fuzz and fuzzes each for SECONDS.
#
#   tests/fuzz/run.sh SECONDS [TARGET...]      SECONDS 0: build and run the corpus once; TARGET: http_request admin_request controls scenario csv sse accept prom_answer (default all)
#
# Each target runs alone on a working corpus build/fuzz/corpus/<target> (seeded from tests/fuzz/corpus/<target>;
# it keeps growing across runs and is never committed). Crash, timeout, leak and OOM inputs are written to
# tests/fuzz/crashers/<target>/, which the normal test suite replays (ctest -L fuzz). Logs: build/fuzz/logs/.
# Environment: JOBS (build parallelism, default 2), FUZZ_ARGS (extra libFuzzer flags, e.g. -jobs=2),
# CC/CXX (default clang-14 / clang++-14). Run it under `nice -n 10` on a shared machine.
set -euo pipefail

usage() { echo "usage: $0 SECONDS [TARGET...]" >&2; exit 2; }
[[ $# -ge 1 && $1 =~ ^[0-9]+$ ]] || usage
seconds=$1
shift
all_targets=(http_request admin_request controls scenario csv sse accept prom_answer)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$root/build/fuzz

max_len_of() {
  case $1 in
    http_request | admin_request) echo 16384 ;;  # a header block (8 KiB cap) plus some body and pipelining
    scenario) echo 8192 ;;
    csv) echo 4096 ;;  # a few rows with quoting; the limits (64 KiB fields, 256 columns) have unit tests
    controls | sse) echo 4096 ;;
    accept) echo 9000 ;;  # the agent refuses header blocks over 8 KiB
    prom_answer) echo 16384 ;;  # a few series of an API answer
    *) echo "unknown target: $1" >&2; exit 2 ;;
  esac
}
for t in "${targets[@]}"; do max_len_of "$t" > /dev/null; done

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
if [[ ! -f $build/CMakeCache.txt ]]; then
  CC=${CC:-clang-14} CXX=${CXX:-clang++-14} cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link $san" \
    -DCMAKE_EXE_LINKER_FLAGS="$san" \
    -DREDLINE_BUILD_UI=OFF -DREDLINE_BUILD_BENCHMARKS=OFF -DREDLINE_BUILD_TESTS=OFF -DREDLINE_BUILD_FUZZERS=ON
fi
cmake --build "$build" -j "${JOBS:-2}" --target $(printf 'fuzz_%s ' "${targets[@]}")

mkdir -p "$build/logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
summary=()
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  crashers=$here/crashers/$t
  mkdir -p "$corpus" "$crashers"
  cp -n "$here/corpus/$t"/* "$corpus"/ 2> /dev/null || true
  before=$(find "$crashers" -type f | wc -l)
  dict=()
  [[ -f $here/$t.dict ]] && dict=(-dict="$here/$t.dict")
  log=$build/logs/$t.log
  echo "== fuzz_$t for ${seconds}s (log: $log)"
  set +e
  # shellcheck disable=SC2086
  limit=(-max_total_time="$seconds")
  [[ $seconds -gt 0 ]] || limit=(-runs=0)  # 0: only run the corpus once (libFuzzer's 0 means "no limit")
  "$build/tests/fuzz/fuzz_$t" "$corpus" "${dict[@]}" "${limit[@]}" -max_len="$(max_len_of "$t")" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashers/" ${FUZZ_ARGS:-} \
    > "$log" 2>&1
  rc=$?
  set -e
  after=$(find "$crashers" -type f | wc -l)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  execs=$(grep -oE 'stat::number_of_executed_units: +[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
  rate=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
  cov=$(grep -oE 'cov: [0-9]+' <<< "$last" | grep -oE '[0-9]+' || true)
  ft=$(grep -oE 'ft: [0-9]+' <<< "$last" | grep -oE '[0-9]+' || true)
  files=$(find "$corpus" -type f | wc -l)
  line=$(printf '%-14s execs %-10s exec/s %-7s corpus %-6s cov %-6s ft %-6s crashes %s (exit %s)' "$t" \
    "${execs:-?}" "${rate:-?}" "$files" "${cov:-?}" "${ft:-?}" "$((after - before))" "$rc")
  echo "$line"
  [[ -n $last ]] && echo "   last: $last"
  summary+=("$line")
done
echo "== summary"
printf '%s\n' "${summary[@]}"
