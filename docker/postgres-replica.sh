#!/usr/bin/env bash
# The optional read replica (docker-compose profile "replica"): on first start it
# copies the primary with pg_basebackup (-R writes standby.signal and the
# connection to stream from), then runs as a hot standby. Reads are routed to it
# by wijkteam/db_routers.py when DATABASE_REPLICA_URL is set.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
  until gosu postgres pg_isready -h postgres -U wijkteam_replication -d postgres; do sleep 2; done
  PGPASSWORD="$WIJKTEAM_DB_REPLICATION_PASSWORD" gosu postgres \
    pg_basebackup -h postgres -U wijkteam_replication -D "$PGDATA" -R -X stream -c fast
fi
exec gosu postgres postgres -c hot_standby=on
