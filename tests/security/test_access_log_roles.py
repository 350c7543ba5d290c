"""The attack run's finding 2: the application's database role erasing or rewriting the access log.

Every attack here is made over a connection that logs in as the application
role itself (the role the web and worker processes use), on committed rows.
Each one succeeded when that role owned the log; each must now fail and leave
the log as it was.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.conf import settings
from psycopg import errors

from privacy import access_log
from privacy.models import AccessLogEntry
from privacy.sequencer import chain_access_log
from privacy.verify import verify_access_log
from wijkteam.database_logins import app_keywords

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def as_application_role() -> Iterator[psycopg.Connection]:
    with psycopg.connect(**app_keywords(), autocommit=True) as conn:
        conn.execute("SET lock_timeout = '5s'")
        assert conn.execute("SELECT current_user, session_user").fetchone() == (
            settings.WIJKTEAM_DATABASE_APP_ROLE,
            settings.WIJKTEAM_DATABASE_APP_ROLE,
        )
        yield conn


@pytest.fixture
def logged() -> list[tuple[int, str]]:
    for detail in ("first", "second", "third"):
        access_log.record(user=None, action=access_log.Action.READ, detail=detail)
    chain_access_log()
    return list(AccessLogEntry.objects.order_by("seq", "id").values_list("seq", "entry_hash"))


def unchanged(before: list[tuple[int, str]]) -> bool:
    after = list(AccessLogEntry.objects.order_by("seq", "id").values_list("seq", "entry_hash"))
    return after == before and verify_access_log().ok


def test_the_application_role_cannot_truncate_the_log_even_with_the_switch(logged) -> None:
    with as_application_role() as conn:
        conn.execute("SET wijkteam.allow_log_truncate = on")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("TRUNCATE privacy_accesslogentry")
    assert unchanged(logged)


def test_the_application_role_cannot_grant_itself_update_or_delete(logged) -> None:
    role = settings.WIJKTEAM_DATABASE_APP_ROLE
    with as_application_role() as conn:
        # PostgreSQL answers a grant by a role without grant option with a warning, not an error.
        conn.execute(f'GRANT UPDATE, DELETE, TRUNCATE ON privacy_accesslogentry TO "{role}"')
        for privilege in ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER"):
            granted = conn.execute(
                "SELECT has_table_privilege(current_user, 'privacy_accesslogentry', %s)", [privilege]
            ).fetchone()
            assert granted == (False,), privilege
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("UPDATE privacy_accesslogentry SET detail = 'rewritten'")
    assert unchanged(logged)


def test_the_application_role_cannot_disable_the_logs_triggers(logged) -> None:
    with as_application_role() as conn:
        for statement in (
            "ALTER TABLE privacy_accesslogentry DISABLE TRIGGER access_log_no_update_or_delete",
            "ALTER TABLE privacy_accesslogentry DISABLE TRIGGER ALL",
            "DROP TRIGGER access_log_chain ON privacy_accesslogentry",
            "SET session_replication_role = replica",
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)
    assert unchanged(logged)


def test_the_application_role_cannot_replace_the_digest_or_chain_functions(logged) -> None:
    with as_application_role() as conn:
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(
                "CREATE OR REPLACE FUNCTION privacy_access_log_digest(e privacy_accesslogentry) RETURNS text "
                "LANGUAGE sql STABLE AS $$ SELECT e.entry_hash $$"
            )
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(
                "CREATE OR REPLACE FUNCTION privacy_access_log_chain() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
            )
        # Nor can it put a function of its own in front of anything the owner's migrations call.
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("CREATE FUNCTION public.lower(varchar) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$")
    assert unchanged(logged)


def test_the_application_role_cannot_update_or_delete_rows(logged) -> None:
    with as_application_role() as conn:
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("UPDATE privacy_accesslogentry SET username = 'someone else' WHERE seq = 2")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("DELETE FROM privacy_accesslogentry WHERE seq = 3")
    assert unchanged(logged)


def test_the_application_role_appends_and_reads_and_owns_no_log_object(logged) -> None:
    with as_application_role() as conn:
        conn.execute(
            "INSERT INTO privacy_accesslogentry (previous_hash, entry_hash, occurred_at, username, role, "
            "organisation_name, on_behalf_of, action, outcome, channel, object_type, detail, path, request_id) "
            "VALUES ('', '', now(), '', '', '', '', 'read', 'allowed', 'task', '', 'fourth', '', '')"
        )
        assert conn.execute("SELECT count(*) FROM privacy_accesslogentry").fetchone() == (4,)
        owned = conn.execute(
            """
            SELECT c.relname FROM pg_class c
             WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
               AND c.relnamespace = 'public'::regnamespace
            UNION ALL
            SELECT p.proname FROM pg_proc p
             WHERE p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
               AND p.pronamespace = 'public'::regnamespace
            """
        ).fetchall()
        assert owned == []
    assert verify_access_log().ok
    assert AccessLogEntry.objects.order_by("-seq").values_list("detail", flat=True).first() == "fourth"


def test_the_deploy_check_warns_when_one_database_role_does_everything(settings) -> None:  # type: ignore[no-untyped-def]
    from privacy.checks import check_separate_database_roles

    assert check_separate_database_roles() == []
    settings.WIJKTEAM_DATABASE_OWNER = {**settings.WIJKTEAM_DATABASE_OWNER, "USER": settings.WIJKTEAM_DATABASE_APP_ROLE}
    assert [message.id for message in check_separate_database_roles()] == ["privacy.W001"]
