#!/usr/bin/env bash
# Pipelines against what people chain by hand, on this machine, in one run (docs/performance.md):
#   - a 3-stage pipeline of trivial per-item commands over 10,000 keys (KEYS), 2 workers a stage;
#   - GNU parallel chained: parallel -j2 A | parallel -j2 B | parallel -j2 C (no record, no limit);
#   - the same work as three throttlectl job runs, one after the other;
#   - the per-item cost of a process per item against a serve stage (one process per worker);
#   - the most each queue held against its capacity.
# Each figure is the median of ROUNDS runs (default 3). The step is `echo {}` rather than `true`:
# each stage must pass the key on for the chained parallel's next stage to have input, and both
# cost one fork and exec of a tiny program. Installs GNU parallel (Debian's package) if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
keys="${KEYS:-10000}"
rounds="${ROUNDS:-3}"
ctl=build/bin/throttlectl
[ -x "$ctl" ] || { echo "bench-pipeline: build first (./scripts/setup.sh)" >&2; exit 1; }
if ! command -v parallel >/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends parallel >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seq 1 "$keys" > "$work/keys.txt"

cat > "$work/three.json" <<EOF
{"items": {"file": "keys.txt"},
 "stages": [
   {"name": "a", "command": "echo {}", "workers": 2},
   {"name": "b", "command": "echo {}", "workers": 2},
   {"name": "c", "command": "echo {}", "workers": 2}]}
EOF
cat > "$work/per-item.json" <<EOF
{"items": {"range": "3000"},
 "stages": [{"name": "cat", "command": "cat", "workers": 2}]}
EOF
# A serve stage in plain sh: one record in, one answer out, per line.
cat > "$work/served.json" <<'EOF'
{"items": {"range": "3000"},
 "stages": [{"name": "served", "serve": true, "shell": true, "workers": 2,
             "command": "while IFS= read -r record; do echo '{\"ok\": true, \"output\": \"x\"}'; done"}]}
EOF

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
declare -A samples
note() { samples[$1]+="$2 "; }

for round in $(seq 1 "$rounds"); do
    rm -rf "$work"/run* "$work"/job*
    t0=$(now)
    "$ctl" pipeline run "$work/three.json" --stash "$work/run3" --json > "$work/three-out.json"
    t1=$(now)
    note pipeline "$(calc "$t1 - $t0")"

    t0=$(now)
    parallel -j2 echo {} < "$work/keys.txt" | parallel -j2 echo {} | parallel -j2 echo {} > /dev/null
    t1=$(now)
    note parallel "$(calc "$t1 - $t0")"

    t0=$(now)
    for s in 1 2 3; do
        "$ctl" job run --items "$work/keys.txt" --command "echo {}" --workers 2 \
            --stash "$work/job$s.db" --json > /dev/null
    done
    t1=$(now)
    note jobs "$(calc "$t1 - $t0")"

    t0=$(now)
    "$ctl" pipeline run "$work/per-item.json" --stash "$work/run-item" --json > /dev/null
    t1=$(now)
    note per_item "$(calc "($t1 - $t0) / 3000 * 1000")"

    t0=$(now)
    "$ctl" pipeline run "$work/served.json" --stash "$work/run-served" --json > /dev/null
    t1=$(now)
    note served "$(calc "($t1 - $t0) / 3000 * 1000")"
done

med() { tr ' ' '\n' <<< "${samples[$1]}" | grep . | median; }
p=$(med pipeline); g=$(med parallel); j=$(med jobs); i=$(med per_item); s=$(med served)
results=$((keys * 3))
printf '| what (%d keys, 3 stages, 2 workers a stage; median of %d) | seconds | results/s | rate against the pipeline |\n' "$keys" "$rounds"
printf '|---|---|---|---|\n'
printf '| throttlectl pipeline run | %.1f | %.0f | 1.00 |\n' "$p" "$(calc "$results / $p")"
printf '| GNU parallel -j2, chained 3 times | %.1f | %.0f | %.2f |\n' "$g" "$(calc "$results / $g")" "$(calc "$p / $g")"
printf '| three throttlectl job runs | %.1f | %.0f | %.2f |\n' "$j" "$(calc "$results / $j")" "$(calc "$p / $j")"
echo
printf '| per item, one stage, 3000 keys, 2 workers | ms per item |\n|---|---|\n'
printf '| a process per item (cat) | %.3f |\n' "$i"
printf '| a serve stage (one sh loop per worker) | %.3f |\n' "$s"
echo
printf '| stage | most queued | capacity |\n|---|---|---|\n'
/usr/bin/python3 - "$work/three-out.json" <<'EOF'
import json, sys
for s in json.load(open(sys.argv[1]))["stages"]:
    print("| %s | %d | %d |" % (s["name"], s["max_queued"], s["capacity"]))
EOF
