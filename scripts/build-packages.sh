#!/usr/bin/env bash
# Builds ThrottleLab's Debian packages into build-deb/packages/ (or DIR/packages/):
#   ./scripts/build-packages.sh [DIR]      (JOBS=N to build with N jobs; default: every core)
# A configuration of its own, as a distribution builds it: installed under /usr (so the
# library goes to the multiarch folder), without the test suite and its fault points. Then
# CPack's DEB generator; dpkg-shlibdeps computes the dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-deb}
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
      -DTHROTTLELAB_BUILD_UI=ON -DTHROTTLELAB_BUILD_TESTS=OFF >/dev/null
cmake --build "$dir" -j "${JOBS:-$(nproc)}"
rm -rf "$dir/packages"
(cd "$dir" && cpack -G DEB >/dev/null)
for deb in "$dir"/packages/*.deb; do
    echo "$deb"
    dpkg-deb -f "$deb" Installed-Size Depends | sed 's/^/    /'
done
case $dir in /*) shown=$dir ;; *) shown=./$dir ;; esac
echo "Install them with: sudo apt-get install $shown/packages/*.deb"
