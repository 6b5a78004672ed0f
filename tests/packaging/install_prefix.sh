#!/usr/bin/env bash
# Fixture for the packaging tests: installs the build into a temporary prefix, then moves the
# prefix to another path. The tests that follow run from the moved copy, so they prove that
# nothing depends on the path it was installed to, nor on the build or source tree.
#   install_prefix.sh BUILD_DIR SOURCE_DIR WORK_DIR   (the prefix is WORK_DIR/prefix)
set -euo pipefail
build=$1 source=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/staged" >"$work/install.log"
mv "$work/staged" "$work/prefix"
prefix=$work/prefix
echo "installed $(find "$prefix" -type f | wc -l) files into $prefix (installed as $work/staged)"

status=0
# An RPATH or RUNPATH would make an installed program load libraries from wherever it points
# (the build tree's lib/ above all); everything they need is in the system's folders.
while IFS= read -r -d '' f; do
    if file -b "$f" | grep -q '^ELF'; then
        if readelf -d "$f" | grep -E '\((RPATH|RUNPATH)\)'; then
            echo "FAIL: $f carries an RPATH/RUNPATH"
            status=1
        fi
    fi
done < <(find "$prefix" -type f -print0)

# Text files (CMake package, pkg-config file, Python layout, desktop files) must not name the
# build tree, the source tree or the path the install was made to. ELF files keep the build
# path in their debug information only, which is not looked at.
if grep -rIl -e "$build" -e "$source" -e "$work/staged" "$prefix"; then
    echo "FAIL: the files above name the build tree, the source tree or the staging path"
    status=1
fi
for page in "$prefix"/share/man/man1/*.1.gz; do
    if zcat "$page" | grep -q -e "$build" -e "$source"; then
        echo "FAIL: $page names the build or source tree"
        status=1
    fi
done
exit $status
