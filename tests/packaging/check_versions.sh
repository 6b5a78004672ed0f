#!/usr/bin/env bash
# Every installed executable answers --help (exit 0) and --version with "<its name> VERSION",
# the project's one version; every program in bin has a man page that help2man wrote.
#   check_versions.sh PREFIX VERSION BINDIR HELPERDIR MANDIR   (dirs relative to PREFIX)
set -euo pipefail
prefix=$1 version=$2 bindir=$3 helperdir=$4 mandir=$5
export QT_QPA_PLATFORM=offscreen
unset THROTTLELAB_BIN_DIR
status=0
count=0
for exe in "$prefix/$bindir"/* "$prefix/$helperdir"/*; do
    name=$(basename "$exe")
    count=$((count + 1))
    if ! got=$("$exe" --version); then
        echo "FAIL: $name --version exits non-zero"
        status=1
    elif [ "$got" != "$name $version" ]; then
        echo "FAIL: $name --version says '$got', expected '$name $version'"
        status=1
    fi
    if ! "$exe" --help >/dev/null; then
        echo "FAIL: $name --help exits non-zero"
        status=1
    fi
done
[ $count -ge 6 ] || { echo "FAIL: only $count executables installed"; status=1; }

for exe in "$prefix/$bindir"/*; do
    name=$(basename "$exe")
    page=$prefix/$mandir/man1/$name.1.gz
    if [ ! -f "$page" ]; then
        echo "FAIL: no man page $page"
        status=1
    elif ! zcat "$page" | grep -q "^\.TH \"\?${name^^}\"\? .*$version"; then
        echo "FAIL: $page has no .TH line naming $name $version"
        status=1
    fi
done
[ $status -eq 0 ] && echo "$count executables answer --help and --version ($version); man pages present"
exit $status
