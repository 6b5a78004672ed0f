#!/bin/sh
# Remakes the README's screenshots with the app's own --screenshot runs, on an offscreen screen
# of 1400x900 (the default offscreen screen is 800x800, and the window never opens larger
# than its screen). Run it from the repository's root after ./scripts/setup.sh.
set -eu
app=build/bin/throttlelab
out=docs/screenshots
screen=$(mktemp)
trap 'rm -f "$screen"' EXIT
cat > "$screen" <<'JSON'
{"screens": [{"name": "readme", "x": 0, "y": 0, "width": 1400, "height": 900,
              "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}
JSON
export QT_QPA_PLATFORM="offscreen:configfile=$screen"
"$app" --screenshot "$out/main.png" --quit-after 10
"$app" --preset strict-window --screenshot "$out/strict-window.png" --quit-after 10
"$app" --view calibration --screenshot "$out/calibration.png"
"$app" --view jobs --screenshot "$out/jobs.png"
"$app" --view compare --screenshot "$out/compare.png" --quit-after 10
"$app" --preset burst-after-idle --zoom 1.6 --screenshot "$out/presentation.png" --quit-after 10
"$app" --view pipeline --screenshot "$out/pipeline.png" --quit-after 9
