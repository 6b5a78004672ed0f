#!/usr/bin/env bash
# Installs what ThrottleLab needs on Debian bookworm (only what is missing) and builds it
# into build/. Used by run-app.sh, test.sh and CI.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake ninja-build g++ qt6-base-dev qt6-charts-dev libqt6opengl6-dev libqt6sql6-sqlite
          libgtest-dev libbenchmark-dev xvfb xauth fontconfig fonts-dejavu-core python3 python3-pytest binutils
          # the packages and their tests: man pages, AppStream and desktop checks, dpkg-shlibdeps
          help2man appstream desktop-file-utils dpkg-dev file pkgconf
          # a budget shared between machines: the Redis client, and a real server for its tests
          redis-server redis-tools libhiredis-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

build_type="${BUILD_TYPE:-RelWithDebInfo}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type" -DTHROTTLELAB_BUILD_UI=ON \
      -DTHROTTLELAB_BUILD_TESTS=ON >/dev/null
cmake --build build -j "$(nproc)"
