#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and runs each for a
# bounded time (default 30 s) from the checked-in seed corpus. Any crash fails the script and
# leaves the input as build-fuzz/crash-*.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
for p in clang libclang-rt-14-dev; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q clang libclang-rt-14-dev
        break
    fi
done
cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTHROTTLELAB_SANITIZE=fuzzer >/dev/null
targets=(fuzz_segment_header fuzz_cli_options fuzz_work_profile fuzz_job_inputs fuzz_experiment
         fuzz_pipeline_file)
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]}"
export QT_QPA_PLATFORM=offscreen
# A finding of an earlier run is not this run's.
find build-fuzz -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \) -delete
for t in "${targets[@]}"; do
    name="${t#fuzz_}"
    mkdir -p "build-fuzz/corpus/$name"
    echo "fuzz: $t for ${seconds} s"
    (cd build-fuzz && "bin/$t" -max_total_time="$seconds" -print_final_stats=1 \
        "corpus/$name" "../tests/fuzz/corpus/$name" 2>&1 | grep -E "^(Done|stat::number_of_executed_units|==.*ERROR)|SUMMARY" || true)
    # libFuzzer exits non-zero and writes crash-* on any finding.
    # (ls of the three patterns together fails whenever one of them matches nothing, which
    # hid every finding until session 6: find lists whatever is there.)
    found=$(find build-fuzz -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \) -print)
    if [ -n "$found" ]; then
        echo "fuzz: $t found a failing input: $found"
        exit 1
    fi
done
echo "fuzz: no findings"
