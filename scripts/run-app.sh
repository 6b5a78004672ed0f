#!/usr/bin/env bash
# Installs what is missing, builds, and starts the ThrottleLab app on its default experiment.
# Extra arguments go to the app (see build/bin/throttlelab --help).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
    echo "run-app: no display found; starting the app under Xvfb (a virtual display)"
    exec xvfb-run -a build/bin/throttlelab "$@"
fi
exec build/bin/throttlelab "$@"
