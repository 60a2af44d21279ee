#!/usr/bin/env bash
# Runs the whole test suite twice: on embedded SQLite, then on PostgreSQL (started or
# installed by scripts/ensure-postgres.sh). Any failure fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "test: installing cargo-nextest" >&2
  cargo install cargo-nextest --locked
fi

profile=${NEXTEST_PROFILE:-default}
echo "== tests on SQLite"
env -u DEPOT_TEST_DATABASE_URL cargo nextest run --workspace --profile "$profile"

echo "== tests on PostgreSQL"
pg_url=$(scripts/ensure-postgres.sh)
DEPOT_TEST_DATABASE_URL="$pg_url" cargo nextest run --workspace --profile "$profile"

echo "== schemathesis against the served /openapi.json (SQLite, then PostgreSQL)"
scripts/schemathesis.sh
scripts/schemathesis.sh "$pg_url"

echo "== browser tests (Chromium, SQLite then PostgreSQL)"
DEPOT_BROWSER_PG_URL="$pg_url" scripts/browser-tests.sh
