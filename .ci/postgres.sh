#!/usr/bin/env bash
# Start a throwaway PostgreSQL for the production-path tests and print its DSN on stdout.
# Installs the server from Debian's packages when it is missing. Usage:
#   export TALENTFLOW_TEST_POSTGRES=$(bash .ci/postgres.sh)
set -euo pipefail
port="${PGPORT_TEST:-55432}"
dir="${PGDATA_TEST:-/tmp/talentflow-pg}"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "installing postgresql from apt..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2 && apt-get install -y -q postgresql >&2
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home-dir "$dir" postgres
fi
if ! run "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
  rm -rf "$dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  run "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  run "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=500 -c fsync=off -c synchronous_commit=off" start >&2
fi
echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
