#!/usr/bin/env bash
# Runs once, when the postgres container initialises an empty data directory.
# Two roles (docs/architecture.md, "Database roles"): the owner owns the database
# and runs migrations; the application role is what web, worker and beat use.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$WIJKTEAM_DB_OWNER_PASSWORD" -v app_password="$WIJKTEAM_DB_APP_PASSWORD" <<'SQL'
CREATE ROLE wijkteam_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE wijkteam LOGIN PASSWORD :'app_password';
CREATE DATABASE wijkteam OWNER wijkteam_owner;
SQL

# A streaming replica (docker-compose profile "replica") connects as this role.
if [ -n "${WIJKTEAM_DB_REPLICATION_PASSWORD:-}" ]; then
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v replication_password="$WIJKTEAM_DB_REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE wijkteam_replication LOGIN REPLICATION PASSWORD :'replication_password';
SQL
  echo "host replication wijkteam_replication all scram-sha-256" >> "$PGDATA/pg_hba.conf"
fi
