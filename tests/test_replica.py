"""#17 item 5: a real streaming replica made from the embedded PostgreSQL's own binaries.

``pg_basebackup -R`` copies the running test server into a standby, which
streams from it. The router must send monitoring, the funding cells and
reference data there while it is healthy; casework and any read inside a
transaction on the primary stay on the primary; a replica that lags too far or
is down is skipped, and reads fall back to the primary.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
from django.db import connection, connections, router, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from cases.models import Case
from funding.models import FlowCell, Silo
from monitoring.models import PrecisionReview, SummaryRun
from organisations.models import Area, Municipality
from themes.models import Theme
from wijkteam import db_routers, embedded_db

pytestmark = pytest.mark.django_db(transaction=True)

RUN_AS = "embedded_postgres" if os.geteuid() == 0 else None


@dataclass
class Standby:
    directory: Path
    port: int

    def sql(self, statement: str) -> list[tuple]:
        with psycopg.connect(
            host=str(self.directory), port=self.port, user=embedded_db.SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            return conn.execute(statement).fetchall()

    def pg_ctl(self, *arguments: str) -> None:
        subprocess.run(
            [str(embedded_db.bin_path() / "pg_ctl"), "-D", str(self.directory), *arguments],
            user=RUN_AS,
            check=True,
            capture_output=True,
            timeout=120,
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until(predicate, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def standby_server() -> Iterator[Standby]:
    """One standby for the module (a base backup copies the whole cluster); the last test stops it."""
    primary_socket = parse_qs(urlsplit(embedded_db.ensure_running()).query)["host"][0]
    directory = Path(tempfile.mkdtemp(prefix="wijkteam-standby-"))
    directory.chmod(0o700)
    if RUN_AS:
        shutil.chown(directory, RUN_AS, RUN_AS)
    replica = Standby(directory, _free_port())
    try:
        subprocess.run(
            [
                str(embedded_db.bin_path() / "pg_basebackup"),
                *("-h", primary_socket, "-U", embedded_db.SUPERUSER, "-D", str(directory)),
                *("-R", "-X", "stream", "-c", "fast"),
            ],
            user=RUN_AS,
            check=True,
            capture_output=True,
            timeout=300,
        )
        options = (
            f"-c port={replica.port} -c unix_socket_directories={directory} -c listen_addresses='' "
            "-c shared_buffers=128MB -c hot_standby=on"
        )
        replica.pg_ctl("-o", options, "-l", str(directory / "standby.log"), "-w", "start")
        yield replica
    finally:
        subprocess.run(
            [str(embedded_db.bin_path() / "pg_ctl"), "-D", str(directory), "-m", "immediate", "-w", "stop"],
            user=RUN_AS,
            check=False,
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def standby(standby_server: Standby) -> Iterator[Standby]:
    """The standby as Django's ``replica`` database, checked on every routed read."""
    default = connections["default"].settings_dict
    connections.settings[db_routers.REPLICA] = {
        **default,
        "ENGINE": "django.db.backends.postgresql",
        "HOST": str(standby_server.directory),
        "PORT": str(standby_server.port),
        "USER": embedded_db.APP_ROLE,
        "TEST": {"MIRROR": None},
    }
    # Connected here: the test case allows only the aliases it knew when it started.
    connections[db_routers.REPLICA].connect()
    db_routers.health.reset()
    try:
        with override_settings(WIJKTEAM_REPLICA_CHECK_SECONDS=0, WIJKTEAM_REPLICA_MAX_LAG_SECONDS=30):
            yield standby_server
    finally:
        connections[db_routers.REPLICA].close()
        del connections[db_routers.REPLICA]
        del connections.settings[db_routers.REPLICA]
        db_routers.health.reset()


def _replayed(replica: Standby) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        primary = cursor.fetchone()[0]
    return bool(replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{primary}'::pg_lsn")[0][0])


def _new_area() -> Area:
    municipality = Municipality.objects.create(code="GM9999", code_year=2026, name="Replicadorp")
    return Area.objects.create(
        municipality=municipality, kind=Area.Kind.DISTRICT, code="WK999999", code_year=2026, name="Replicawijk"
    )


def test_reference_data_and_summaries_are_read_from_the_replica_casework_from_the_primary(standby):
    area = _new_area()
    _wait_until(lambda: _replayed(standby))

    assert router.db_for_read(Theme) == "replica"
    assert router.db_for_read(Area) == "replica"
    assert router.db_for_read(Silo) == "replica"
    assert router.db_for_read(FlowCell) == "replica"
    assert router.db_for_read(Case) == "default"  # casework: the primary, always
    assert router.db_for_read(PrecisionReview) == "default"  # written and read back by the bureau
    assert router.db_for_read(SummaryRun) == "default"
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert Area.objects.filter(pk=area.pk, code="WK999999").exists()  # streamed from the primary
        assert Theme.objects.count() == 6
    reads = [query["sql"] for query in on_replica.captured_queries if "pg_is_in_recovery" not in query["sql"]]
    assert len(reads) == 2 and "organisations_area" in reads[0] and "themes_theme" in reads[1]
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        list(Case.objects.all()[:1])
    assert on_replica.captured_queries == []


def test_inside_a_transaction_on_the_primary_everything_reads_the_primary(standby):
    _wait_until(lambda: _replayed(standby))
    with transaction.atomic():
        area = _new_area()  # not yet on the replica: it is not committed
        assert router.db_for_read(Area) == "default"
        assert Area.objects.filter(pk=area.pk).exists()


def test_a_lagging_replica_is_skipped_until_it_catches_up(standby):
    _wait_until(lambda: _replayed(standby))
    assert router.db_for_read(Theme) == "replica"
    standby.sql("SELECT pg_wal_replay_pause()")
    _wait_until(lambda: standby.sql("SELECT pg_get_wal_replay_pause_state()")[0][0] == "paused")
    area = _new_area()  # committed on the primary, not replayed on the replica
    time.sleep(1.2)
    with override_settings(WIJKTEAM_REPLICA_MAX_LAG_SECONDS=1):
        assert router.db_for_read(Area) == "default"
        assert db_routers.health.lag is not None and db_routers.health.lag > 1
        assert Area.objects.filter(pk=area.pk).exists()  # the primary answers: the new row is there
    with override_settings(WIJKTEAM_REPLICA_MAX_LAG_SECONDS=3600):
        assert router.db_for_read(Area) == "replica"  # behind, but within what is allowed
    standby.sql("SELECT pg_wal_replay_resume()")
    _wait_until(lambda: _replayed(standby))
    with override_settings(WIJKTEAM_REPLICA_MAX_LAG_SECONDS=1):
        assert router.db_for_read(Area) == "replica"
        assert db_routers.health.lag == 0.0


def test_a_replica_that_is_down_is_skipped_and_reads_fall_back_to_the_primary(standby):
    # Last in the module: it stops the shared standby.
    _wait_until(lambda: _replayed(standby))
    assert router.db_for_read(Theme) == "replica"
    standby.pg_ctl("-m", "immediate", "-w", "stop")
    assert router.db_for_read(Theme) == "default"
    assert Theme.objects.count() == 6
    assert router.db_for_read(Theme) == "default"  # asked again: still down, still the primary
