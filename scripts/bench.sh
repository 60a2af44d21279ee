#!/usr/bin/env bash
# The benchmark in one line: builds the release server and the load generator, then runs
# the standard scenarios (see bench/README.md). Extra arguments go to depot-bench, e.g.
#   scripts/bench.sh --db sqlite,postgres --runs 3 --out bench/last-run.md
#   scripts/bench.sh --quick --scenarios create,cancel
# With --db postgres the server at $DEPOT_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres)
# is used (scripts/ensure-postgres.sh starts or installs one); fresh databases are created and dropped.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ " $* " == *postgres* ]] && [ -z "${DEPOT_BENCH_PG_URL:-}" ]; then
  DEPOT_BENCH_PG_URL=$(scripts/ensure-postgres.sh)
  export DEPOT_BENCH_PG_URL
fi
cargo build --release -p depot -p depot-bench
target="${CARGO_TARGET_DIR:-target}"
exec "$target/release/depot-bench" "$@"
