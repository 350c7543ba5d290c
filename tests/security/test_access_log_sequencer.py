"""Issue 17 item 1: the access log takes rows from every request at once, and a sequencer chains them.

Appending takes no global lock: several connections hold their log INSERTs
open together. The sequencer, run with the owner's rights, chains them; the
application role can neither chain nor rechain a row with values of its own;
a row altered before or after it was chained is reported.
"""

import io
import threading

import psycopg
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from psycopg import errors

from privacy import access_log, sequencer
from privacy.models import AccessLogEntry
from privacy.sequencer import chain_access_log, pending_rows
from privacy.tasks import chain_access_log_task
from privacy.verify import verify_access_log
from tests.security.test_access_log_roles import as_application_role
from tests.security.test_access_log_seal import as_superuser, verify_command
from wijkteam.database_logins import owner_keywords

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 4
PAGE = 50


def log_page(detail: str) -> None:
    access_log.record_many(
        user=None,
        action=access_log.Action.READ,
        subjects=[access_log.Subject(household_id=number + 1, object_type="cases.household") for number in range(PAGE)],
        detail=detail,
    )


def test_writers_on_several_connections_append_together_without_any_global_lock() -> None:
    # Every writer logs a page and keeps its transaction open until all have logged: under a global
    # lock held to the end of the transaction the second INSERT would wait for the first commit,
    # which waits for the second INSERT, and the barrier breaks.
    logged = threading.Barrier(WRITERS + 1, timeout=20)
    checked = threading.Barrier(WRITERS + 1, timeout=20)
    failures: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            with transaction.atomic():
                log_page(f"writer {number}")
                logged.wait()
                checked.wait()
        except BaseException as failure:
            failures.append(failure)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(WRITERS)]
    for thread in threads:
        thread.start()
    logged.wait()  # all four INSERTs done, none committed
    with psycopg.connect(**owner_keywords(), autocommit=True) as observer:
        advisory, waiting, open_writers = observer.execute(
            """
            SELECT count(*) FILTER (WHERE locktype = 'advisory'),
                   count(*) FILTER (WHERE NOT granted),
                   (SELECT count(*) FROM pg_stat_activity
                     WHERE datname = current_database() AND state = 'idle in transaction')
              FROM pg_locks WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """
        ).fetchone()
    checked.wait()
    for thread in threads:
        thread.join()
    assert failures == []
    assert (advisory, waiting) == (0, 0)
    assert open_writers >= WRITERS
    assert AccessLogEntry.objects.filter(seq__isnull=True).count() == WRITERS * PAGE

    assert chain_access_log() == WRITERS * PAGE
    assert pending_rows() == 0
    seqs = list(AccessLogEntry.objects.order_by("id").values_list("seq", flat=True))
    assert seqs == list(range(1, WRITERS * PAGE + 1))
    result = verify_access_log()
    assert result.ok and result.rows == WRITERS * PAGE and result.pending == 0


def test_a_second_sequencer_returns_at_once_instead_of_waiting() -> None:
    log_page("one")
    with psycopg.connect(**owner_keywords()) as busy, as_application_role() as other:
        assert busy.execute("SELECT privacy_access_log_sequence(10)").fetchone() == (10,)  # holds the lock
        assert other.execute("SELECT privacy_access_log_sequence(100)").fetchone() == (0,)
        busy.commit()
        assert other.execute("SELECT privacy_access_log_sequence(100)").fetchone() == (PAGE - 10,)
    assert verify_access_log().ok


def test_verify_covers_the_tail_and_says_how_many_rows_wait() -> None:
    log_page("chained")
    chain_access_log()
    log_page("waiting")
    result = verify_access_log()
    assert (result.ok, result.rows, result.pending, result.head_seq) == (True, PAGE, PAGE, PAGE)
    assert f"{PAGE} rows appended since wait for the sequencer" in verify_command()


def test_a_tail_row_altered_before_it_was_chained_is_reported_before_and_after_it_is_chained() -> None:
    log_page("waiting")
    victim = AccessLogEntry.objects.order_by("id")[3].pk
    with as_superuser() as conn:
        conn.execute("ALTER TABLE privacy_accesslogentry DISABLE TRIGGER USER")
        conn.execute("UPDATE privacy_accesslogentry SET household_id = 999 WHERE id = %s", [victim])
        conn.execute("ALTER TABLE privacy_accesslogentry ENABLE TRIGGER USER")
    assert [item.problem for item in verify_access_log().breaks] == [f"row id {victim} (not yet chained): altered"]
    assert "FAILED" in verify_command()
    # Chaining it does not bless it: the chained row's content no longer matches its content hash.
    chain_access_log()
    assert [(item.seq, item.problem) for item in verify_access_log().breaks] == [(4, "altered")]


def test_a_row_appended_past_the_trigger_is_not_chained() -> None:
    with as_superuser() as conn:
        conn.execute("ALTER TABLE privacy_accesslogentry DISABLE TRIGGER USER")
        conn.execute(
            "INSERT INTO privacy_accesslogentry (previous_hash, entry_hash, occurred_at, username, role,"
            " organisation_name, on_behalf_of, action, outcome, channel, object_type, detail, path, request_id)"
            " VALUES ('', '', now(), '', '', '', '', 'read', 'allowed', 'task', '', 'smuggled', '', '')"
        )
        conn.execute("ALTER TABLE privacy_accesslogentry ENABLE TRIGGER USER")
    with pytest.raises(DatabaseError, match="no content hash"):
        chain_access_log()
    assert "has no place in the chain and no content hash" in verify_command()


def test_a_tail_row_given_chain_values_is_reported() -> None:
    log_page("waiting")
    victim = AccessLogEntry.objects.order_by("id").first().pk
    with as_superuser() as conn:
        conn.execute("ALTER TABLE privacy_accesslogentry DISABLE TRIGGER USER")
        conn.execute("UPDATE privacy_accesslogentry SET entry_hash = repeat('f', 64) WHERE id = %s", [victim])
        conn.execute("ALTER TABLE privacy_accesslogentry ENABLE TRIGGER USER")
    assert [item.problem for item in verify_access_log().breaks] == [
        f"row id {victim} is not chained, yet carries chain values"
    ]


def test_a_chained_row_altered_with_its_content_hash_left_alone_is_reported() -> None:
    log_page("chained")
    chain_access_log()
    with as_superuser() as conn:
        conn.execute("ALTER TABLE privacy_accesslogentry DISABLE TRIGGER USER")
        conn.execute("UPDATE privacy_accesslogentry SET detail = 'nothing to see' WHERE seq = 7")
        conn.execute("ALTER TABLE privacy_accesslogentry ENABLE TRIGGER USER")
    assert [(item.seq, item.problem) for item in verify_access_log().breaks] == [(7, "altered")]


def test_the_application_role_cannot_chain_or_rechain_rows_with_values_of_its_own() -> None:
    log_page("waiting")
    with as_application_role() as conn:
        # Not by hand, with or without the sequencer's switch.
        for switch in ("off", "on"):
            conn.execute(f"SET wijkteam.access_log_sequencer = {switch}")
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(
                    "UPDATE privacy_accesslogentry SET seq = 1, previous_hash = repeat('0', 64), "
                    "entry_hash = repeat('a', 64) WHERE seq IS NULL"
                )
        # Not by inserting them: the trigger clears whatever chain values an INSERT brings.
        conn.execute(
            "INSERT INTO privacy_accesslogentry (seq, previous_hash, entry_hash, content_hash, occurred_at, username,"
            " role, organisation_name, on_behalf_of, action, outcome, channel, object_type, detail, path, request_id)"
            " VALUES (1, repeat('0', 64), repeat('a', 64), repeat('b', 64), now(), '', '', '', '', 'read',"
            " 'allowed', 'task', '', 'forged', '', '')"
        )
        assert conn.execute(
            "SELECT seq, previous_hash, entry_hash, content_hash <> repeat('b', 64)"
            " FROM privacy_accesslogentry WHERE detail = 'forged'"
        ).fetchone() == (None, "", "", True)
        # The sequencer takes a batch size and nothing else; no other version of it can be added.
        signatures = conn.execute(
            "SELECT pg_get_function_identity_arguments(oid), prosecdef, proconfig FROM pg_proc"
            " WHERE proname = 'privacy_access_log_sequence'"
        ).fetchall()
        assert [(arguments, definer) for arguments, definer, _config in signatures] == [("batch integer", True)]
        assert "search_path=pg_catalog, public, pg_temp" in signatures[0][2]
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(
                "CREATE FUNCTION public.privacy_access_log_sequence(batch integer, forged text) RETURNS integer "
                "LANGUAGE sql AS $$ SELECT 0 $$"
            )
        # Nor the owner's retention step.
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM privacy_access_log_expire(0)")
        assert conn.execute("SELECT privacy_access_log_sequence(-5)").fetchone() == (0,)
        assert conn.execute("SELECT privacy_access_log_sequence(1000)").fetchone() == (PAGE + 1,)
        # A chained row cannot be chained again, even by the owner's sequencer path.
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("UPDATE privacy_accesslogentry SET entry_hash = repeat('a', 64) WHERE seq = 1")
    log_page("late")
    with psycopg.connect(**owner_keywords()) as owner:
        owner.execute("SET wijkteam.access_log_sequencer = on")
        # Not even the owner, on the sequencer's own path, fills an unchained row with values of its choosing.
        with pytest.raises(errors.InsufficientPrivilege, match="only the sequencer fills unchained rows"):
            owner.execute(
                "UPDATE privacy_accesslogentry SET seq = 1000 + id, previous_hash = repeat('0', 64),"
                " entry_hash = repeat('a', 64) WHERE seq IS NULL"
            )
        owner.rollback()
        owner.execute("SET wijkteam.access_log_sequencer = on")
        with pytest.raises(errors.InsufficientPrivilege, match="append-only"):
            owner.execute(
                "UPDATE privacy_accesslogentry SET seq = 999, previous_hash = '', entry_hash = '' WHERE seq = 2"
            )
        owner.rollback()
        # The owner's column privilege reaches the chain columns only.
        with pytest.raises(errors.InsufficientPrivilege):
            owner.execute("UPDATE privacy_accesslogentry SET detail = 'x' WHERE seq = 3")
    result = verify_access_log()
    assert result.ok and result.rows == PAGE + 1 and result.pending == PAGE


def test_the_sequencer_runs_from_beat_from_the_command_and_after_a_commit(settings) -> None:  # type: ignore[no-untyped-def]
    log_page("beat")
    assert chain_access_log_task.apply().get() == PAGE
    log_page("command")
    out = io.StringIO()
    call_command("chain_access_log", stdout=out)
    assert out.getvalue() == f"Chained {PAGE} access-log rows; 0 wait.\n"

    settings.WIJKTEAM_ACCESS_LOG_CHAIN_OPPORTUNISTIC = True
    settings.WIJKTEAM_ACCESS_LOG_CHAIN_SECONDS = 3600
    sequencer._last_opportunistic_run = float("-inf")
    with transaction.atomic():
        log_page("request")
        assert pending_rows() == PAGE  # not before the commit
    sequencer.wait_for_background_run()
    assert pending_rows() == 0  # chained once the request's rows committed, by a thread of its own
    log_page("next request, within the interval")
    assert pending_rows() == PAGE  # left to beat
    assert verify_access_log().ok
