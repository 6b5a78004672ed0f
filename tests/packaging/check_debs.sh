#!/usr/bin/env bash
# Builds the Debian packages with CPack and checks what dpkg-deb says of them: the four
# packages, their control fields (dependencies computed by dpkg-shlibdeps, the ones between
# them exact) and which files each carries.
#   check_debs.sh BUILD_DIR OUT_DIR VERSION LIBDIR HELPERDIR WITH_UI
set -euo pipefail
build=$1 out=$2 version=$3 libdir=$4 helperdir=$5 with_ui=$6
rm -rf "$out"
mkdir -p "$out"
cpack --config "$build/CPackConfig.cmake" -B "$out" >"$out/cpack.log" 2>&1 \
    || { cat "$out/cpack.log"; exit 1; }
full=$version-1
arch=$(dpkg --print-architecture)
status=0
fail() { echo "FAIL: $*"; status=1; }

deb() { echo "$out/${1}_${full}_${2:-$arch}.deb"; }
for d in "$(deb throttlelab)" "$(deb libthrottlelab0)" "$(deb libthrottlelab-dev)" "$(deb python3-throttlelab all)"; do
    [ -f "$d" ] || { fail "no $d; cpack made: $(ls "$out"/*.deb)"; exit 1; }
done
[ "$(ls "$out"/*.deb | wc -l)" -eq 4 ] || fail "more than four packages: $(ls "$out"/*.deb)"

# field PACKAGE FIELD -> the control field's value
field() { dpkg-deb -f "$(deb "$1" "${3:-}")" "$2"; }
# expect_field PACKAGE FIELD REGEX [ARCH]
expect_field() {
    local value
    value=$(field "$1" "$2" "${4:-}")
    grep -Eq -- "$3" <<<"$value" || fail "$1 $2 is '$value', expected to match '$3'"
}
# expect_file PACKAGE PATH [ARCH]: the package holds PATH (./usr/...)
contents() { dpkg-deb -c "$(deb "$1" "${2:-}")" | awk '{print $6}'; }
expect_file() { contents "$1" "${3:-}" | grep -qx -- "$2" || fail "$1 lacks $2"; }
refuse_file() { if contents "$1" "${3:-}" | grep -q -- "$2"; then fail "$1 holds $2"; fi; }

for p in throttlelab libthrottlelab0 libthrottlelab-dev; do
    expect_field "$p" Version "^$full\$"
    expect_field "$p" Maintainer '^.+ <.+@.+>$'
    expect_field "$p" Architecture "^$arch\$"
done
expect_field python3-throttlelab Version "^$full\$" all
expect_field python3-throttlelab Architecture '^all$' all
expect_field python3-throttlelab Maintainer '^.+ <.+@.+>$' all

# Computed by dpkg-shlibdeps: libc and Qt with the versions the binaries need.
expect_field libthrottlelab0 Depends 'libc6 \(>= [0-9.]+\)'
expect_field libthrottlelab0 Depends 'libqt6core6 \(>= 6'
expect_field libthrottlelab0 Section '^libs$'
expect_field throttlelab Depends 'libqt6core6 \(>= 6'
expect_field throttlelab Depends "libthrottlelab0 \\(= $full\\)"
expect_field libthrottlelab-dev Depends "libthrottlelab0 \\(= $full\\)"
expect_field libthrottlelab-dev Section '^libdevel$'
expect_field python3-throttlelab Depends "python3" all
expect_field python3-throttlelab Depends "libthrottlelab0 \\(= $full\\)" all
for p in throttlelab libthrottlelab0 libthrottlelab-dev; do
    expect_field "$p" Description '.'
done
expect_field python3-throttlelab Description '.' all

expect_file throttlelab ./usr/bin/throttlectl
expect_file throttlelab ./usr/bin/throttle-worker
expect_file throttlelab "./usr/$helperdir/throttlelab-job-worker"
expect_file throttlelab "./usr/$helperdir/throttlelab-stage-worker"
expect_file throttlelab ./usr/share/man/man1/throttlectl.1.gz
expect_file throttlelab ./usr/share/man/man1/throttle-worker.1.gz
if [ "$with_ui" = ON ]; then
    expect_file throttlelab ./usr/bin/throttlelab
    expect_file throttlelab "./usr/$helperdir/throttlelab-benchplot"
    expect_file throttlelab ./usr/share/man/man1/throttlelab.1.gz
    expect_file throttlelab ./usr/share/applications/io.github.throttlelab.ThrottleLab.desktop
    expect_file throttlelab ./usr/share/metainfo/io.github.throttlelab.ThrottleLab.metainfo.xml
    expect_file throttlelab ./usr/share/icons/hicolor/64x64/apps/io.github.throttlelab.ThrottleLab.png
    expect_field throttlelab Depends 'libqt6widgets6 \(>= 6'
    expect_field throttlelab Depends 'libqt6charts6 \(>= 6'
fi
refuse_file throttlelab 'libthrottlelab\.so'
expect_file libthrottlelab0 "./usr/$libdir/libthrottlelab.so.$version"
expect_file libthrottlelab0 "./usr/$libdir/libthrottlelab.so.0"
expect_file libthrottlelab0 "./usr/$helperdir/throttlelab-helper"
refuse_file libthrottlelab0 'libthrottlelab\.so$'
refuse_file libthrottlelab0 '/include/'
expect_file libthrottlelab-dev ./usr/include/throttlelab.h
expect_file libthrottlelab-dev "./usr/$libdir/libthrottlelab.so"
expect_file libthrottlelab-dev "./usr/$libdir/cmake/ThrottleLab/ThrottleLabConfig.cmake"
expect_file libthrottlelab-dev "./usr/$libdir/cmake/ThrottleLab/ThrottleLabConfigVersion.cmake"
expect_file libthrottlelab-dev "./usr/$libdir/cmake/ThrottleLab/ThrottleLabTargets.cmake"
expect_file libthrottlelab-dev "./usr/$libdir/pkgconfig/throttlelab.pc"
expect_file libthrottlelab-dev ./usr/share/doc/libthrottlelab-dev/examples/c_worker.c
refuse_file libthrottlelab-dev 'libthrottlelab\.so\.'
expect_file python3-throttlelab ./usr/lib/python3/dist-packages/throttlelab/__init__.py all
expect_file python3-throttlelab ./usr/lib/python3/dist-packages/throttlelab/_install_layout.py all
expect_file python3-throttlelab ./usr/share/doc/python3-throttlelab/examples/tutorial.py all
refuse_file python3-throttlelab '__pycache__' all

# The runtime package tells dpkg-shlibdeps what depending on it means, and runs ldconfig.
mkdir -p "$out/control"
dpkg-deb -e "$(deb libthrottlelab0)" "$out/control"
grep -q "^libthrottlelab 0 libthrottlelab0 (>= $full)" "$out/control/shlibs" 2>/dev/null \
    || fail "libthrottlelab0 has no shlibs entry: $(cat "$out/control/shlibs" 2>/dev/null)"
grep -q ldconfig "$out/control/postinst" 2>/dev/null || fail "libthrottlelab0 does not run ldconfig"

# No file may be in two packages (dpkg would refuse to install the second).
for p in throttlelab libthrottlelab0 libthrottlelab-dev; do contents "$p"; done >"$out/all.txt"
contents python3-throttlelab all >>"$out/all.txt"
dups=$(grep -v '/$' "$out/all.txt" | sort | uniq -d)
[ -z "$dups" ] || fail "files in two packages: $dups"

for d in "$out"/*.deb; do
    printf '%s: %s KiB installed; Depends: %s\n' "$(basename "$d")" \
        "$(dpkg-deb -f "$d" Installed-Size)" "$(dpkg-deb -f "$d" Depends)"
done
exit $status
