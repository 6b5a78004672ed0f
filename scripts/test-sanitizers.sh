#!/usr/bin/env bash
# Builds the tree with AddressSanitizer + UndefinedBehaviorSanitizer and with ThreadSanitizer
# (CMakePresets.json: asan, tsan) and runs the test suite under each; any report fails it.
# Suppressions live in tests/sanitizers/, only for Qt and system libraries, each with a reason.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >/dev/null
presets=("${@:-asan tsan}")
for preset in ${presets[@]}; do
    echo "sanitizers: building $preset"
    cmake --preset "$preset" >/dev/null
    cmake --build "build-$preset" -j "$(nproc)"
    echo "sanitizers: testing $preset"
    # The benchmark smoke run measures timings, which a sanitizer only distorts.
    ctest --preset "$preset" --output-on-failure -j 2 --timeout 900 -E tst_bench_smoke
done
