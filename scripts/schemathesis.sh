#!/usr/bin/env bash
# A bounded schemathesis run against the served /openapi.json: starts a real `depot serve
# --demo` on a free port over a fresh database, lets schemathesis generate requests for every
# documented operation (the merchant side with the demo API key, the operator side with an
# operator token) and checks that no reply is a 5xx and that every status, content type and
# body is the documented one. Stops the server at the end; any failure fails the run.
#
#   scripts/schemathesis.sh                      # a fresh SQLite file under target/
#   scripts/schemathesis.sh postgres://U@H/DB    # a scratch database DB_schemathesis on that
#                                                # server (dropped and created anew, then dropped)
#
# SCHEMATHESIS_EXAMPLES (default 20) bounds the examples per operation; the seed is fixed so a
# run is repeatable. The venv (schemathesis pinned) lives in target/schemathesis-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

VERSION=4.32.5
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-20}
SEED=${SCHEMATHESIS_SEED:-20261201}
venv=target/schemathesis-venv

if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$VERSION"; then
  echo "schemathesis: installing schemathesis $VERSION into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$VERSION"
fi

cargo build -q --bin depot

mkdir -p target
work=$(mktemp -d "$PWD/target/schemathesis-run.XXXXXX")
scratch_pg=""
if [ $# -ge 1 ] && [[ "$1" == postgres* ]]; then
  server=${1%/*}
  scratch_pg="$(basename "${1%%\?*}")_schemathesis"
  psql "$1" -qc "DROP DATABASE IF EXISTS $scratch_pg WITH (FORCE)" >/dev/null
  psql "$1" -qc "CREATE DATABASE $scratch_pg" >/dev/null
  database_url="$server/$scratch_pg"
else
  database_url="sqlite://$work/depot.db"
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
ops_token="dop_schemathesis_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

DEPOT_DATABASE_URL="$database_url" DEPOT_RATE_LIMIT_PER_MINUTE=0 DEPOT_OPS_TOKEN="$ops_token" \
  DEPOT_STORAGE_DIR="$work/files" DEPOT_PUBLIC_URL="$base" \
  target/debug/depot serve --demo --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!

cleanup() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  if [ -n "$scratch_pg" ]; then
    psql "$1" -qc "DROP DATABASE IF EXISTS $scratch_pg WITH (FORCE)" >/dev/null 2>&1 || true
  fi
}
trap "cleanup '${1:-}'" EXIT

for _ in $(seq 1 120); do
  curl -fs "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.5
done
api_key=$(grep -o 'dpk_[A-Za-z0-9_]*' "$work/server.log" | head -n 1)
[ -n "$api_key" ] || { echo "schemathesis: no demo API key in the server's output" >&2; exit 1; }

# One worker: with two threads, CPython 3.11 crashed inside Hypothesis once (an AST recursion
# check), which would fail a run for nothing the server did.
run() {
  # From the run's own directory: schemathesis keeps a cache in the working directory.
  (cd "$work" && "$root/$venv/bin/schemathesis" run "$base/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "$EXAMPLES" --seed "$SEED" --workers 1 --request-timeout 20 \
    --warnings off --no-color "$@")
}

echo "== schemathesis on $database_url: merchant API, files, media and dialects" >&2
status=0
run --exclude-path-regex '^/ops/' -H "Authorization: $api_key" || status=1
echo "== schemathesis on $database_url: the Shipper dialect, with its own key header" >&2
run --include-path-regex '^/shipper/' -H "x-api-key: $api_key" || status=1
echo "== schemathesis on $database_url: operator API" >&2
run --include-path-regex '^/ops/' -H "Authorization: Bearer $ops_token" || status=1
# What the server answered, by status: a run that only met 401s or 404s would test little.
echo "== replies by status:" $(sed 's/\x1b\[[0-9;]*m//g' "$work/server.log" | grep -o 'status=[0-9]*' | sort | uniq -c | tr -s ' ') >&2
if [ "$status" -ne 0 ]; then
  echo "schemathesis: failures above; the server's log is $work/server.log" >&2
else
  rm -rf "$work"
fi
exit "$status"
