#!/usr/bin/env bash
# A program outside the tree links the installed libthrottlelab twice, through
# find_package(ThrottleLab) and through pkg-config, and takes permits from a throttle that
# the installed throttlectl runs.
#   build_consumer.sh PREFIX CONSUMER_SOURCE_DIR WORK_DIR VERSION LIBDIR
set -euo pipefail
prefix=$1 consumer=$2 work=$3 version=$4 libdir=$5
# Only the system's folders and the install: no build tree on PATH, no override of where the
# helpers are.
export PATH=/usr/bin:/bin
unset THROTTLELAB_BIN_DIR THROTTLELAB_LIBRARY LD_LIBRARY_PATH
rm -rf "$work"
mkdir -p "$work"

echo "== find_package(ThrottleLab)"
cmake -S "$consumer" -B "$work/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >"$work/cmake.log" \
    || { cat "$work/cmake.log"; exit 1; }
cmake --build "$work/cmake" >>"$work/cmake.log" || { cat "$work/cmake.log"; exit 1; }

echo "== pkg-config --cflags --libs throttlelab"
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
[ "$(pkg-config --modversion throttlelab)" = "$version" ] || { echo "FAIL: pkg-config --modversion"; exit 1; }
# The rpath is the consumer's own choice (the library is not in a system folder here).
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror "$consumer/consumer.c" -o "$work/consumer-pkgconfig" \
    $(pkg-config --cflags --libs throttlelab) -Wl,-rpath,"$(pkg-config --variable=libdir throttlelab)"

library=$(readlink -f "$prefix/$libdir/libthrottlelab.so.0")
for exe in "$work/cmake/consumer" "$work/consumer-pkgconfig"; do
    loaded=$(ldd "$exe" | awk '/libthrottlelab\.so/ {print $3}')
    if [ "$(readlink -f "$loaded")" != "$library" ]; then
        echo "FAIL: $exe loads libthrottlelab from '$loaded', not the install's $library"
        exit 1
    fi
done

name=pkgtest-consumer-$$
"$prefix/bin/throttlectl" run --name "$name" --max-n 50 --per 1 --workers 0 --duration 60 \
    >"$work/run.log" 2>&1 &
owner=$!
stop_throttle() {
    "$prefix/bin/throttlectl" stop "$name" >/dev/null 2>&1 || kill "$owner" 2>/dev/null || true
    wait "$owner" 2>/dev/null || true
}
trap stop_throttle EXIT
for _ in $(seq 100); do
    "$prefix/bin/throttlectl" inspect "$name" >/dev/null 2>&1 && break
    kill -0 "$owner" 2>/dev/null || { echo "FAIL: throttlectl run ended:"; cat "$work/run.log"; exit 1; }
    sleep 0.1
done

for exe in "$work/cmake/consumer" "$work/consumer-pkgconfig"; do
    got=$("$exe" "$name" 5)
    echo "$(basename "$exe"): $got"
    [ "$got" = "$version 5" ] || { echo "FAIL: expected '$version 5'"; exit 1; }
done
