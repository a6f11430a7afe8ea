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
# BENCH_OUT (bench-results/bench-<time>.json), BENCH_REUSE=1 (keep the databases a previous run seeded).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
  echo "bench: installing wrk"
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
for tool in psql redis-cli python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required"; exit 1; }
done

echo "bench: building in release mode"
cargo build --release --quiet
exec python3 scripts/bench.py
