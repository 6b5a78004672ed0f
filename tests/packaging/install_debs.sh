#!/usr/bin/env bash
# Installs the packages check_debs.sh built with apt-get, runs throttlectl --version and the
# tutorial from the installed paths, and removes the packages again. Only on a throwaway
# machine: as root and with CI=true (CI sets it); otherwise, or when apt-get cannot install
# them offline, it says why and exits 77, which ctest reports as skipped.
#   install_debs.sh DEB_DIR VERSION
set -euo pipefail
debs=$1 version=$2
skip() { echo "skipped: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "not root (installing packages is for a throwaway CI machine)"
[ "${CI:-}" = true ] || skip "CI is not 'true' (installing packages is for a throwaway CI machine)"
command -v apt-get >/dev/null || skip "no apt-get"
packages=(throttlelab libthrottlelab0 libthrottlelab-dev python3-throttlelab)
for p in "${packages[@]}"; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        skip "$p is already installed here; not replacing or removing it"
    fi
done

export DEBIAN_FRONTEND=noninteractive
remove() { apt-get remove --purge -y -q "${packages[@]}" >/dev/null 2>&1 || true; }
trap remove EXIT
# Only the local files: every dependency must already be installed (the build's own Qt,
# hiredis and python3 are), so this works offline and changes nothing else. A simulation says
# what would be installed first; apt's own --no-download cannot be used, since apt 2.6 then
# fails on local .deb files ("Internal Error, Pathname to install is not absolute").
simulated=$(apt-get install -s -q --no-install-recommends "$debs"/*.deb 2>&1) ||
    { echo "$simulated"; skip "apt-get cannot plan the install (see above)"; }
others=$(echo "$simulated" | awk '$1 == "Inst" {print $2}' | grep -vxF -f <(printf '%s\n' "${packages[@]}") || true)
[ -z "$others" ] || skip "installing them would also install $(echo $others) (not offline)"
if ! apt-get install -y -q --no-install-recommends "$debs"/*.deb >"$debs/apt.log" 2>&1; then
    cat "$debs/apt.log"
    skip "apt-get could not install the packages from local files alone (see above)"
fi
status=0
got=$(env -i PATH=/usr/bin:/bin throttlectl --version)
[ "$got" = "throttlectl $version" ] || { echo "FAIL: throttlectl --version says '$got'"; status=1; }
echo "$got, at $(command -v throttlectl)"
[ "$(pkg-config --modversion throttlelab)" = "$version" ] || { echo "FAIL: pkg-config"; status=1; }
cd /tmp
env -i PATH=/usr/bin:/bin QT_QPA_PLATFORM=offscreen PYTHONDONTWRITEBYTECODE=1 \
    /usr/bin/python3 /usr/share/doc/python3-throttlelab/examples/tutorial.py --seconds 1 \
    >"$debs/tutorial.log" 2>&1 || { cat "$debs/tutorial.log"; echo "FAIL: the installed tutorial"; status=1; }
tail -n 1 "$debs/tutorial.log"
remove
trap - EXIT
for p in "${packages[@]}"; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        echo "FAIL: $p is still installed after the removal"
        status=1
    fi
done
exit $status
