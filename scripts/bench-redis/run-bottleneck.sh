#!/usr/bin/env bash
# Run the Bottleneck (Redis clustering) benchmark.
#
#   run-bottleneck.sh PORT [args...]   use a redis-server already on 127.0.0.1:PORT
#   run-bottleneck.sh [args...]        start a private redis-server on a free port,
#                                      run, then stop it (by pid)
#
# args are passed to bottleneck-redis.js, e.g.
#   run-bottleneck.sh --variant mintime --processes 4 --max-n 1000 --per 1 --duration 5
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if [[ ! -d node_modules/bottleneck || ! -d node_modules/ioredis ]]; then
  echo "run-bottleneck: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi

redis_pid=""
redis_dir=""
cleanup() {
  if [[ -n "$redis_pid" ]] && kill -0 "$redis_pid" 2>/dev/null; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
  if [[ -n "$redis_dir" ]]; then rm -rf "$redis_dir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then
  port="$1"
  shift
else
  command -v redis-server >/dev/null || { echo "run-bottleneck: redis-server not found" >&2; exit 1; }
  command -v redis-cli >/dev/null || { echo "run-bottleneck: redis-cli not found" >&2; exit 1; }
  # Ask the kernel for a free TCP port (small race until redis binds it).
  port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});')"
  redis_dir="$(mktemp -d "${TMPDIR:-/tmp}/bench-redis.XXXXXX")"
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --daemonize no --dir "$redis_dir" --logfile "$redis_dir/redis.log" &
  redis_pid=$!
  ok=""
  for _ in $(seq 1 100); do
    if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)" == "PONG" ]]; then
      ok=1
      break
    fi
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z "$ok" ]]; then
    echo "run-bottleneck: redis-server on port $port did not answer PING" >&2
    [[ -f "$redis_dir/redis.log" ]] && tail -n 20 "$redis_dir/redis.log" >&2
    exit 1
  fi
fi

rc=0
node "$here/bottleneck-redis.js" --port "$port" "$@" || rc=$?
exit "$rc"
