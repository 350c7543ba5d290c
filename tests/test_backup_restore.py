"""The attack run's finding 13: no backup and restore drill. This is the drill.

Demo data and access-log rows go in, `manage.py db_backup` (make backup) writes
the file, a fresh embedded server in a temporary directory gets the roles and
an empty database, `manage.py db_restore` (make restore) fills it over
DATABASE_URL, and the restored database must be fully migrated, hold the same
rows in every table, and end its access log with the same head.
"""

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command

from privacy import access_log
from privacy.sequencer import chain_access_log
from wijkteam import embedded_db
from wijkteam.database_logins import owner_keywords

ROOT = Path(settings.BASE_DIR)

# The seed runs as the owner, as `make seed` does; the backup's pg_dump must see committed rows.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.database_owner]


@contextmanager
def fresh_server(pgdata: Path) -> Iterator[str]:
    """A second embedded server, as a new machine would have it: roles and an empty database."""
    server = embedded_db._package().get_server(pgdata, cleanup_mode="delete")
    try:
        socket_dir = str(server.get_postmaster_info().socket_dir)
        embedded_db.configure_roles(socket_dir)
        embedded_db.create_database(socket_dir)
        yield socket_dir
    finally:
        server.cleanup()


def counts_and_head(keywords: dict[str, str]) -> tuple[dict[str, int], tuple[int, str]]:
    with psycopg.connect(**keywords) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        counts = {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}  # noqa: S608
        head = conn.execute("SELECT seq, entry_hash FROM privacy_accesslogentry ORDER BY seq DESC LIMIT 1").fetchone()
    return counts, head


def manage(*arguments: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"manage.py {' '.join(arguments)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_a_backup_restores_into_a_fresh_server_with_every_row_and_the_same_access_log_head(tmp_path: Path) -> None:
    call_command("seed_demo", "--scale", "demo", stdout=io.StringIO())
    for number in range(3):
        access_log.record(user=None, action=access_log.Action.READ, detail=f"drill {number}")
    chain_access_log()
    backup_file = tmp_path / "drill.dump"
    call_command("db_backup", "--file", str(backup_file), stdout=io.StringIO())
    source_counts, source_head = counts_and_head(owner_keywords())
    assert source_counts["cases_household"] > 0 and source_head[0] >= 3

    with fresh_server(tmp_path / "pg") as socket_dir:
        host = quote(socket_dir, safe="")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "wijkteam.settings.local",
            "DATABASE_URL": f"postgres://{embedded_db.APP_ROLE}@{host}/{embedded_db.DATABASE}",
            "DATABASE_OWNER_URL": f"postgres://{embedded_db.OWNER_ROLE}@{host}/{embedded_db.DATABASE}",
            "WIJKTEAM_DATABASE_ROLE": "owner",
            "WIJKTEAM_LOG_SEAL_DIR": str(tmp_path / "seals"),
            "WIJKTEAM_LOG_SEAL_KEY_FILE": str(tmp_path / "seal.key"),
        }
        manage("db_restore", str(backup_file), "--no-input", env=env)
        manage("migrate", "--check", env=env)
        restored_counts, restored_head = counts_and_head(
            {"host": socket_dir, "dbname": embedded_db.DATABASE, "user": embedded_db.OWNER_ROLE}
        )
        # The application role reads the restored log and finds it whole.
        report = manage("verify_access_log", env={**env, "WIJKTEAM_DATABASE_ROLE": "app"})

    assert restored_counts == source_counts
    assert restored_head == source_head
    assert f"intact: {source_head[0]} chained rows" in report
