#!/usr/bin/env bash
# The installed tools, run from a moved prefix with nothing pointing at the build tree (no
# THROTTLELAB_BIN_DIR, a PATH of system folders only), find their helper and worker
# executables in the install, and so does the installed Python package through the
# installed library. Each helper and worker process is checked by what it really executes
# (/proc/PID/exe), not by what a tool says.
#   run_installed_tools.sh PREFIX WORK_DIR PYTHONDIR EXAMPLESDIR   (dirs relative to PREFIX)
set -euo pipefail
prefix=$1 work=$2 pythondir=$3 examples=$4
export PATH=/usr/bin:/bin QT_QPA_PLATFORM=offscreen
unset THROTTLELAB_BIN_DIR THROTTLELAB_LIBRARY LD_LIBRARY_PATH PYTHONPATH
rm -rf "$work"
mkdir -p "$work"
cd "$work"
ctl=$prefix/bin/throttlectl
status=0

# Every process whose command line names the throttle must run an executable of the install;
# waits (up to 5 s) until the helper and, with "worker", a worker process are seen.
check_processes() {
    local name=$1 want=${2:-} helper= worker=
    for _ in $(seq 100); do
        for pid in $(pgrep -f -- "--name $name" || true); do
            exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
            case $exe in
            "$prefix"/*) ;;
            *) echo "FAIL: process $pid runs $exe, outside the install"; status=1 ;;
            esac
            case $(basename "$exe") in
            throttlelab-helper) helper=$exe ;;
            throttle-worker) worker=$exe ;;
            esac
        done
        [ -n "$helper" ] && { [ "$want" != worker ] || [ -n "$worker" ]; } && break
        sleep 0.05
    done
    [ -n "$helper" ] && echo "the helper runs $helper" || { echo "FAIL: no throttlelab-helper seen"; status=1; }
    [ "$want" != worker ] || { [ -n "$worker" ] && echo "the workers run $worker"; } \
        || { echo "FAIL: no throttle-worker seen"; status=1; }
}

echo "== throttlectl run: the throttle and monitor helpers, two throttle-worker processes"
name=pkgtest-tools-$$
"$ctl" run --name "$name" --max-n 20 --per 1 --workers 2 --duration 3 --json >run.json 2>run.log &
owner=$!
check_processes "$name" worker
wait "$owner" || { echo "FAIL: throttlectl run failed:"; cat run.log; status=1; }
grep -q '"total": *[1-9]' run.json || { echo "FAIL: no permits in run.json"; cat run.json; status=1; }

echo "== throttlectl job run: throttlelab-job-worker processes"
"$ctl" job run --range 6 --command 'sleep 0.5' --stash "$work/job/" --workers 2 \
    --max-n 20 --per 1 >job.log 2>&1 &
job=$!
seen=
for _ in $(seq 60); do
    for pid in $(pgrep -P "$job" || true); do
        exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
        [ "$(basename "$exe")" = throttlelab-job-worker ] && seen=$exe
    done
    [ -n "$seen" ] && break
    sleep 0.05
done
case $seen in
"$prefix"/*) echo "the job's workers run $seen" ;;
"") echo "FAIL: no throttlelab-job-worker process seen"; status=1 ;;
*) echo "FAIL: the job's workers run $seen, outside the install"; status=1 ;;
esac
wait "$job" || { echo "FAIL: throttlectl job run failed:"; cat job.log; status=1; }

echo "== throttlectl pipeline run: throttlelab-stage-worker processes"
cat >pipeline.json <<'JSON'
{"items": {"range": "6"},
 "stages": [{"name": "a", "synthetic": "fixed:5ms:sleep", "workers": 1},
            {"name": "b", "synthetic": "fixed:5ms:sleep", "workers": 1,
             "limit": {"max_n": 50, "per": 1}}]}
JSON
"$ctl" pipeline run pipeline.json --stash "$work/pipeline/" >pipeline.log 2>&1 \
    || { echo "FAIL: throttlectl pipeline run failed:"; cat pipeline.log; status=1; }

echo "== the Python package and its tutorial, from the install"
export PYTHONPATH=$prefix/$pythondir PYTHONDONTWRITEBYTECODE=1
loaded=$(/usr/bin/python3 -c 'import throttlelab._library as l; print(l.path)')
case $loaded in
"$prefix"/*) echo "python3 loads $loaded" ;;
*) echo "FAIL: the installed package loads $loaded, not the install's library"; status=1 ;;
esac
/usr/bin/python3 "$prefix/$examples/tutorial.py" --seconds 1 >tutorial.log 2>&1 \
    || { echo "FAIL: the installed tutorial failed:"; cat tutorial.log; status=1; }
tail -n 1 tutorial.log
exit $status
