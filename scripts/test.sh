#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (headless), then the same
# suite under AddressSanitizer + UndefinedBehaviorSanitizer and under ThreadSanitizer, and the
# libFuzzer targets for a bounded time. `--fast` stops after the plain suite (what you want
# while developing).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
ctest --test-dir build --output-on-failure -j 2 --timeout 600
[ "${1:-}" = "--fast" ] && exit 0
./scripts/test-sanitizers.sh asan tsan
./scripts/fuzz.sh 20
