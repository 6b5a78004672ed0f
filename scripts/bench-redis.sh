#!/usr/bin/env bash
# A budget shared through Redis, measured on this machine over loopback, with Bottleneck's
# Redis clustering at the same settings in the same run:
#   ./scripts/bench-redis.sh [OUT_DIR]      (default build/bench-redis)
# Writes throttlelab.json (throttlectl bench-shared), bottleneck.jsonl (one line per point)
# and report.md (the tables docs/performance.md shows). Needs the build (scripts/setup.sh),
# redis-server, Node.js and npm (Bottleneck and ioredis come from the npm registry).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/bench-redis}"
mkdir -p "$out"
for tool in redis-server redis-cli node npm; do
    command -v "$tool" >/dev/null || { echo "bench-redis: $tool is not installed" >&2; exit 1; }
done
[ -x build/bin/throttlectl ] || { echo "bench-redis: build first (./scripts/setup.sh)" >&2; exit 1; }

# One server for both tools, on a free TCP port (Bottleneck's client speaks only TCP).
dir="$(mktemp -d "${TMPDIR:-/tmp}/bench-redis.XXXXXX")"
port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});')"
redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir" \
    --logfile "$dir/redis.log" &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null || true)" = PONG ] && break
    sleep 0.1
done

echo "bench-redis: ThrottleLab (throttlectl bench-shared)" >&2
build/bin/throttlectl bench-shared --backend "redis://127.0.0.1:$port" \
    --json "$out/throttlelab.json" >/dev/null

echo "bench-redis: Bottleneck 2.19.5 with ioredis (scripts/bench-redis)" >&2
: > "$out/bottleneck.jsonl"
for n in 100 300 1000 3000 10000; do
    for variant in mintime reservoir; do
        for processes in 1 2 4 8; do
            echo "bench-redis: bottleneck $variant $n/s, $processes process(es)" >&2
            scripts/bench-redis/run-bottleneck.sh "$port" --variant "$variant" \
                --processes "$processes" --max-n "$n" --per 1 --duration 5 >> "$out/bottleneck.jsonl"
        done
    done
done
/usr/bin/python3 scripts/bench-redis/report.py "$out/throttlelab.json" "$out/bottleneck.jsonl" \
    > "$out/report.md"
cat "$out/report.md"
