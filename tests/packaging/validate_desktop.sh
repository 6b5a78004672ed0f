#!/usr/bin/env bash
# The desktop file and the AppStream metainfo validate, and share one desktop id: the
# .desktop file's name, its Icon=, the metainfo's <id>, <launchable> and <icon>.
#   validate_desktop.sh DESKTOP_FILE METAINFO_FILE
set -euo pipefail
desktop=$1 metainfo=$2
for tool in desktop-file-validate appstreamcli; do
    command -v $tool >/dev/null || { echo "FAIL: $tool is missing; run scripts/setup.sh"; exit 1; }
done
desktop-file-validate "$desktop"
appstreamcli validate --no-net "$metainfo"

id=$(basename "$desktop" .desktop)
status=0
grep -qx "Icon=$id" "$desktop" || { echo "FAIL: $desktop: Icon= is not $id"; status=1; }
for element in "<id>$id</id>" "<launchable type=\"desktop-id\">$id.desktop</launchable>" \
               "<icon type=\"stock\">$id</icon>"; do
    grep -qF "$element" "$metainfo" || { echo "FAIL: $metainfo lacks $element"; status=1; }
done
[ "$(basename "$metainfo" .metainfo.xml)" = "$id" ] || { echo "FAIL: the metainfo is not named $id"; status=1; }
[ $status -eq 0 ] && echo "$id: desktop file and metainfo valid"
exit $status
