#!/usr/bin/env bash
# Measures the platform foundation's performance targets on this machine:
#   - authenticated GET /api/v1/me under load from wrk (a second process, loopback),
#   - start-up to ready on an empty store,
#   - idle resident memory of `serve`.
# Needs wrk (Debian package "wrk"). Usage: scripts/bench-me.sh [DURATION] [CONNECTIONS]
# Set SILKGATE_BENCH_DB=postgres://… to measure on PostgreSQL instead of SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-20s}
conns=${2:-64}
work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/silkgate" ./cmd/silkgate
sg() { "$work/silkgate" --data "$work/data" ${SILKGATE_BENCH_DB:+--db "$SILKGATE_BENCH_DB"} "$@"; }
port=$(( 20000 + RANDOM % 20000 ))

# Start-up to ready on an empty store.
t0=$(date +%s%N)
sg serve --addr 127.0.0.1:$port --log-level warn 2>"$work/serve.log" & pid=$!
for _ in $(seq 1 2000); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  kill -0 $pid 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.005
done
t1=$(date +%s%N)
echo "startup_to_ready_ms $(( (t1 - t0) / 1000000 ))"
sleep 3
echo "idle_rss_kb $(ps -o rss= -p $pid | tr -d ' ')"

# A benchmark tenant with its rate limit lifted, and a viewer key.
tenant=$(sg tenant create --name "Benchmark" --json | sed -n 's/.*"id": "\([^"]*\)".*/\1/p' | head -n1)
sg tenant limits --tenant "$tenant" --rps 0 --burst 0 >/dev/null
key=$(sg apikey create --tenant "$tenant" --role viewer --json | sed -n 's/.*"key": "\([^"]*\)".*/\1/p')
curl -sf -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/v1/me" >/dev/null
wrk -t2 -c"$conns" -d5s -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/v1/me" >/dev/null # warm-up
wrk -t2 -c"$conns" -d"$dur" --latency -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/v1/me"
echo "rss_after_load_kb $(ps -o rss= -p $pid | tr -d ' ')"
