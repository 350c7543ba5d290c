"""The attack run's finding 2, continued: a verifier that trusts the database, and rewrites it cannot see.

The verifier recomputes every hash in Python (equal to the trigger's, pinned
here); the seals catch a database superuser who rewrites the chain
consistently or empties the table after a seal.
"""

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from privacy import access_log
from privacy.seal import SealRefused, seal_access_log
from privacy.sequencer import chain_access_log
from privacy.verify import _host, content_digest, row_digest, verify_access_log
from wijkteam import embedded_db
from wijkteam.database_logins import owner_keywords


@contextmanager
def as_superuser() -> Iterator[psycopg.Connection]:
    """The embedded server's superuser; under DATABASE_URL the owner, whose powers over the log's table are the same."""
    keywords = owner_keywords()
    if settings.DATABASES["default"]["ENGINE"] == "wijkteam.embedded_backend":
        keywords["user"] = embedded_db.SUPERUSER
    with psycopg.connect(**keywords, autocommit=True) as conn:
        yield conn


REWRITE_CONSISTENTLY = """
DO $$
DECLARE r record; prior text;
BEGIN
    ALTER TABLE privacy_accesslogentry DISABLE TRIGGER USER;
    UPDATE privacy_accesslogentry SET detail = 'nothing to see' WHERE seq = 2;
    UPDATE privacy_accesslogentry e SET content_hash = privacy_access_log_content_digest(e) WHERE seq = 2;
    FOR r IN SELECT seq FROM privacy_accesslogentry ORDER BY seq LOOP
        UPDATE privacy_accesslogentry e SET previous_hash = coalesce(prior, repeat('0', 64)) WHERE e.seq = r.seq;
        UPDATE privacy_accesslogentry e SET entry_hash = privacy_access_log_digest(e) WHERE e.seq = r.seq
            RETURNING entry_hash INTO prior;
    END LOOP;
    ALTER TABLE privacy_accesslogentry ENABLE TRIGGER USER;
END $$;
"""


@pytest.fixture
def seal_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.WIJKTEAM_LOG_SEAL_DIR = str(tmp_path / "seals")
    settings.WIJKTEAM_LOG_SEAL_KEY_FILE = str(tmp_path / "seal.key")
    return tmp_path / "seals"


def log_reads(count: int) -> None:
    for number in range(count):
        access_log.record(user=None, action=access_log.Action.READ, detail=f"read {number}")
    chain_access_log()


def verify_command() -> str:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_access_log", stdout=out, stderr=err)
    except CommandError as failure:
        return f"FAILED {failure}\n{err.getvalue()}"
    return out.getvalue()


# --- The Python verifier computes the trigger's hash ---------------------------------------------


ADDRESSES = [
    "127.0.0.1",
    "10.1.2.3/8",
    "::1",
    "::",
    "2001:db8::1",
    "2001:db8:0:0:1:0:0:1",
    "2001:0:0:1::",
    "fe80::1:0:0:0",
    "::ffff:192.0.2.7",
    "::192.0.2.7",
    "::2",
    "1:0:0:0:0:0:0:0",
    "0:0:0:0:0:0:1:0",
]


@pytest.mark.django_db
def test_the_python_host_text_is_postgresqls_for_every_kind_of_address() -> None:
    with connection.cursor() as cursor:
        for address in ADDRESSES:
            cursor.execute("SELECT host(%s::inet), %s::inet", [address, address])
            expected, loaded = cursor.fetchone()
            assert _host(loaded) == expected, address


@pytest.mark.django_db
def test_the_python_digest_is_the_one_the_trigger_stores_for_every_row() -> None:
    access_log.record_many(
        user=None,
        action=access_log.Action.READ,
        subjects=[
            access_log.Subject(household_id=1, person_id=2, case_id=3, object_type="cases.case", detail="één ‽ 🏠"),
            access_log.Subject(),
        ],
        detail="dossier",
        on_behalf_of="Gemeente 's-Hertogenbosch",
    )
    with connection.cursor() as cursor:
        for address in ADDRESSES:
            cursor.execute(
                "INSERT INTO privacy_accesslogentry (previous_hash, entry_hash, occurred_at, user_id, username, role,"
                " organisation_id, organisation_name, on_behalf_of, action, outcome, channel, object_type,"
                " object_uuid, detail, path, client_address, request_id) VALUES ('', '',"
                " '2026-03-01 23:59:59.000001+01', 7, 'jan', 'professional', 9, 'GGD', '', 'read', 'refused', 'api',"
                " 'cases.person', gen_random_uuid(), 'x', '/api/v1/x', %s, 'req-1')",
                [address],
            )
        chain_access_log()
        cursor.execute(
            "SELECT e.seq, e.entry_hash, privacy_access_log_digest(e), e.content_hash,"
            " privacy_access_log_content_digest(e) FROM privacy_accesslogentry e ORDER BY seq"
        )
        stored = cursor.fetchall()
    rows = list(verify_module_rows())
    assert len(rows) == len(stored) == 2 + len(ADDRESSES)
    for row, (seq, entry_hash, database_digest, content_hash, database_content) in zip(rows, stored, strict=True):
        assert row["seq"] == seq
        assert row_digest(row) == entry_hash == database_digest
        assert content_digest(row) == content_hash == database_content
    assert verify_access_log().ok


def verify_module_rows():  # type: ignore[no-untyped-def]
    from privacy.verify import _CHAINED, _rows

    return _rows(_CHAINED, [1])


@pytest.mark.django_db
def test_the_verifier_does_not_ask_the_databases_digest_function() -> None:
    log_reads(3)
    with connection.cursor() as cursor, connection.execute_wrapper(_refuse_digest_calls):
        result = verify_access_log()
        cursor.execute("SELECT 1")
    assert result.ok and result.rows == 3


def _refuse_digest_calls(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
    assert "privacy_access_log_digest" not in sql
    return execute(sql, params, many, context)


# --- Seals ----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_superuser_rewrite_of_a_sealed_row_is_detected_though_the_chain_is_consistent(seal_dir) -> None:
    log_reads(4)
    seal = seal_access_log()
    assert seal.head_seq == 4
    assert "matches the last seal (seq 4" in verify_command()

    with as_superuser() as conn:
        conn.execute(REWRITE_CONSISTENTLY)

    without_seals = verify_access_log()
    assert without_seals.ok  # the chain alone cannot tell: every hash was recomputed
    report = verify_command()
    assert report.startswith("FAILED The access log is NOT intact")
    assert "seq 4: differs from the head sealed at" in report
    with pytest.raises(SealRefused):
        seal_access_log()  # and nobody seals over the rewrite


@pytest.mark.django_db(transaction=True)
def test_a_log_emptied_by_a_superuser_is_reported_not_intact_with_zero_rows(seal_dir) -> None:
    log_reads(3)
    seal_access_log()
    with as_superuser() as conn:
        conn.execute("SET wijkteam.allow_log_truncate = on")
        conn.execute("TRUNCATE privacy_accesslogentry RESTART IDENTITY")
    report = verify_command()
    assert "intact" not in report.replace("NOT intact", "")
    assert "seq 3: sealed at" in report and "rows were removed" in report


@pytest.mark.django_db(transaction=True)
def test_an_emptied_log_shows_by_its_id_sequence_even_before_the_first_seal() -> None:
    log_reads(2)
    with as_superuser() as conn:
        conn.execute("SET wijkteam.allow_log_truncate = on")
        conn.execute("TRUNCATE privacy_accesslogentry")
    report = verify_command()
    assert report.startswith("FAILED") and "the log is empty, yet" in report


@pytest.mark.django_db
def test_seals_are_appended_with_a_mac_and_a_forged_line_is_reported(seal_dir) -> None:
    log_reads(2)
    seal_access_log()
    log_reads(1)
    seal_access_log()
    path = seal_dir / "access-log-seals.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["head_seq"] for line in lines] == [2, 3]
    assert all(len(line["mac"]) == 64 for line in lines)
    forged = dict(lines[-1], head_seq=1)
    with path.open("a") as handle:
        handle.write(json.dumps(forged) + "\n")
    assert "not a seal made with this key" in verify_command()


def test_beat_seals_the_log_periodically() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["privacy.seal_access_log"]
    assert entry["task"] == "privacy.tasks.seal_access_log_task"
    assert entry["schedule"] == settings.WIJKTEAM_LOG_SEAL_MINUTES * 60
