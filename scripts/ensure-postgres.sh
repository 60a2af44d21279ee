#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 with trust auth for `postgres`,
# starting or installing one (Debian packages) when needed. Prints the admin URL on success.
set -euo pipefail

URL="postgres://postgres@127.0.0.1:5432/postgres"

ready() { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }

start_cluster() {
  local version
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  [ -n "$version" ] || return 1
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 30); do ready && return 0; sleep 1; done
  return 1
}

if ! ready; then
  if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    echo "ensure-postgres: installing PostgreSQL from Debian packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    # Tests connect over loopback as `postgres` without a password.
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  start_cluster || { echo "ensure-postgres: PostgreSQL did not start" >&2; exit 1; }
fi

# Databases left behind by an interrupted test run.
psql "$URL" -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'depot_test_%'" 2>/dev/null |
  while read -r db; do [ -n "$db" ] && psql "$URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >&2; done
echo "$URL"
