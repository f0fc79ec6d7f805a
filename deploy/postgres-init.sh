#!/bin/sh
# First start of the compose PostgreSQL: the talentflow database and its owner.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
CREATE ROLE talentflow LOGIN PASSWORD '${TALENTFLOW_DB_PASSWORD}';
CREATE DATABASE talentflow OWNER talentflow;
SQL
