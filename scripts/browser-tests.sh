#!/usr/bin/env bash
# Runs the browser tests (tests/browser): the portal and the console in headless Chromium
# (Debian's package, installed when missing) driven by Playwright, against a real
# `depot serve` — first on a fresh SQLite file, then on a fresh PostgreSQL database of its
# own on $DEPOT_BROWSER_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres), which
# it creates and drops. Screenshots land in tests/browser/screenshots/<backend>/.
#
#   scripts/browser-tests.sh            # both backends
#   scripts/browser-tests.sh sqlite     # one
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
backends=${*:-sqlite postgres}

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "browser-tests: installing chromium and chromium-driver" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium chromium-driver >&2
fi
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
cargo build --bin depot
bin="${CARGO_TARGET_DIR:-$root/target}/debug/depot"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

server_pid=""
pg_db=""
pg_admin=${DEPOT_BROWSER_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
work=$(mktemp -d)
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$pg_db" ]; then psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

run() {
  local backend=$1 url=$2
  local port token
  port=$(free_port)
  token="browser-$(date +%s%N)"
  RUST_LOG=${RUST_LOG:-warn} "$bin" --database-url "$url" serve --listen "127.0.0.1:$port" --ops-token "$token" \
    --rate-limit-per-minute 0 --storage-dir "$work/files-$backend" \
    >"$work/server-$backend.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/server-$backend.log" >&2; exit 1; }
  echo "== browser tests on $backend"
  local status=0
  (cd tests/browser && DEPOT_URL="http://127.0.0.1:$port" DEPOT_OPS_TOKEN="$token" \
    DEPOT_BACKEND="$backend" DEPOT_BIN="$bin" DEPOT_DATABASE_URL="$url" \
    node --test --test-concurrency=1 tests/) || status=$?
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  if [ "$status" -ne 0 ]; then
    echo "browser-tests: failed on $backend; server log:" >&2
    tail -n 30 "$work/server-$backend.log" >&2
    exit "$status"
  fi
}

for backend in $backends; do
  case $backend in
    sqlite) run sqlite "sqlite://$work/browser.db" ;;
    postgres)
      pg_db="depot_browser_$(date +%s)_$$"
      psql "$pg_admin" -qc "CREATE DATABASE $pg_db" >/dev/null
      run postgres "${pg_admin%/*}/$pg_db"
      psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null
      pg_db=""
      ;;
    *) echo "browser-tests: unknown backend $backend" >&2; exit 2 ;;
  esac
done
