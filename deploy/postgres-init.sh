#!/bin/sh
# First start of the compose PostgreSQL (an empty volume): the roles of Temporal and talentflow,
# and talentflow's database. `talentflow migrate --temporal-schema-only` creates Temporal's two
# databases itself (its role may create databases) and their schemas. Passwords go to psql as
# variables, quoted by psql, never spliced into the SQL text.
set -eu
: "${TEMPORAL_DB_PASSWORD:?}" "${TALENTFLOW_DB_PASSWORD:?}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v temporal_password="$TEMPORAL_DB_PASSWORD" -v talentflow_password="$TALENTFLOW_DB_PASSWORD" <<'SQL'
CREATE ROLE temporal LOGIN CREATEDB PASSWORD :'temporal_password';
CREATE ROLE talentflow LOGIN PASSWORD :'talentflow_password';
CREATE DATABASE talentflow OWNER talentflow;
SQL
