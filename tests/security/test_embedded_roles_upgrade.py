"""A developer's embedded server set up when one role did everything gets the owner role on its next use."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from wijkteam import embedded_db


@pytest.fixture
def old_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A second embedded server in the state the one-role set-up left: the application role owns it all."""
    pgdata = tmp_path / "pg"
    server = embedded_db._package().get_server(pgdata, cleanup_mode="delete")
    try:
        socket_dir = str(server.get_postmaster_info().socket_dir)
        embedded_db.superuser_sql(
            socket_dir, "CREATE ROLE wijkteam LOGIN CREATEDB; CREATE DATABASE wijkteam OWNER wijkteam;"
        )
        embedded_db.superuser_sql(
            socket_dir,
            "SET ROLE wijkteam; CREATE TABLE privacy_accesslogentry (id bigint);"
            "CREATE FUNCTION privacy_access_log_digest() RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$;",
            database="wijkteam",
        )
        (pgdata / ".wijkteam-initialised").write_text("ok\n")
        monkeypatch.setattr(embedded_db, "PGDATA", pgdata)
        monkeypatch.setattr(embedded_db, "_roles_current", False)
        yield socket_dir
    finally:
        server.cleanup()


def owners(socket_dir: str) -> list[str]:
    return embedded_db.superuser_sql(
        socket_dir,
        "SELECT d.datdba::regrole FROM pg_database d WHERE d.datname = 'wijkteam' "
        "UNION ALL SELECT c.relowner::regrole FROM pg_class c WHERE c.relname = 'privacy_accesslogentry' "
        "UNION ALL SELECT p.proowner::regrole FROM pg_proc p WHERE p.proname = 'privacy_access_log_digest';",
        database="wijkteam",
    ).split()


def test_the_next_connection_gives_everything_to_the_owner_and_records_the_version(old_server: str) -> None:
    assert owners(old_server) == ["wijkteam", "wijkteam", "wijkteam"]

    embedded_db.ensure_roles(old_server)

    assert owners(old_server) == ["wijkteam_owner", "wijkteam_owner", "wijkteam_owner"]
    may_create_databases = embedded_db.superuser_sql(
        old_server, "SELECT rolname, rolcreatedb FROM pg_roles WHERE rolname LIKE 'wijkteam%' ORDER BY rolname;"
    ).split()
    assert may_create_databases == ["wijkteam|f", "wijkteam_owner|t"]
    assert (embedded_db.PGDATA / embedded_db.ROLES_MARKER).read_text().strip() == str(embedded_db.ROLES_VERSION)


def test_a_server_whose_marker_is_current_is_left_alone(old_server: str) -> None:
    (embedded_db.PGDATA / embedded_db.ROLES_MARKER).write_text(f"{embedded_db.ROLES_VERSION}\n")

    embedded_db.ensure_roles(old_server)

    assert owners(old_server) == ["wijkteam", "wijkteam", "wijkteam"]
