"""Issue 13 item 6: the access log's own retention, by the owner role, with the chain re-anchored and sealed."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from privacy import access_log
from privacy.expiry import ExpiryRefused, expire_access_log
from privacy.models import AccessLogAnchor, AccessLogEntry
from privacy.seal import seal_access_log, seal_path
from privacy.sequencer import chain_access_log
from privacy.verify import verify_access_log

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.date(2020, 1, 31)


def log_expired(count: int) -> None:
    """Rows written more than five years ago: their delete-after day has passed."""
    with connection.cursor() as cursor:
        for number in range(count):
            cursor.execute(
                "INSERT INTO privacy_accesslogentry (previous_hash, entry_hash, occurred_at, username, role,"
                " organisation_name, on_behalf_of, action, outcome, channel, object_type, detail, path, request_id,"
                " delete_after) VALUES ('', '', '2015-01-31 10:00+00', 'jan', 'professional', 'GGD', '', 'read',"
                " 'allowed', 'screen', 'cases.household', %s, '', '', %s)",
                [f"old {number}", LONG_AGO],
            )


def log_current(count: int) -> None:
    for number in range(count):
        access_log.record(user=None, action=access_log.Action.READ, detail=f"new {number}")


def details() -> list[str]:
    return list(AccessLogEntry.objects.order_by("seq", "id").values_list("detail", flat=True))


@pytest.mark.database_owner
def test_expired_rows_go_and_the_chain_verifies_from_its_new_anchor() -> None:
    log_expired(3)
    log_current(2)
    chain_access_log()
    third_hash = AccessLogEntry.objects.get(seq=3).entry_hash

    expiry = expire_access_log()

    assert expiry.removed == 3 and expiry.anchor is not None
    assert (expiry.anchor.head_seq, expiry.anchor.head_hash) == (3, third_hash)
    assert details() == ["new 0", "new 1"]
    assert list(AccessLogAnchor.objects.values_list("seq", "entry_hash", "removed_rows")) == [(3, third_hash, 3)]
    assert AccessLogEntry.objects.get(seq=4).previous_hash == third_hash
    result = verify_access_log()
    assert result.ok and result.rows == 2 and result.anchor is not None and result.anchor.head_seq == 3
    out = io.StringIO()
    call_command("verify_access_log", stdout=out, stderr=io.StringIO())
    assert "intact: 2 chained rows" in out.getvalue() and "starts after the anchor at seq 3" in out.getvalue()
    # Nothing more is due: a second run removes nothing.
    assert expire_access_log().removed == 0


@pytest.mark.database_owner
def test_only_the_expired_prefix_goes_a_later_expired_row_waits_for_the_rows_before_it() -> None:
    log_expired(1)
    log_current(1)
    log_expired(1)
    chain_access_log()
    assert expire_access_log().removed == 1
    assert details() == ["new 0", "old 0"]
    assert verify_access_log().ok


@pytest.mark.database_owner
def test_when_every_row_went_the_sequencer_goes_on_from_the_anchor() -> None:
    log_expired(2)
    chain_access_log()
    anchor = expire_access_log().anchor
    assert anchor is not None and AccessLogEntry.objects.count() == 0
    log_current(1)
    chain_access_log()
    row = AccessLogEntry.objects.get()
    assert (row.seq, row.previous_hash) == (3, anchor.head_hash)
    result = verify_access_log()
    assert result.ok and result.head_seq == 3


@pytest.mark.database_owner
def test_the_unchained_tail_is_never_removed() -> None:
    log_expired(2)  # not yet chained
    assert expire_access_log().removed == 2  # the step chains first, then removes
    log_expired(1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT removed FROM privacy_access_log_expire(5)"
        )  # the function alone: the tail row has no place in the chain yet
        assert cursor.fetchone() == (0,)
    assert AccessLogEntry.objects.filter(seq__isnull=True).count() == 1


@pytest.mark.database_owner
def test_the_anchor_is_sealed_and_old_seals_before_it_still_verify(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.WIJKTEAM_LOG_SEAL_DIR = str(tmp_path / "seals")
    settings.WIJKTEAM_LOG_SEAL_KEY_FILE = str(tmp_path / "seal.key")
    log_expired(3)
    seal_access_log()  # a head seal at seq 3, which retention will remove
    log_current(2)
    expiry = expire_access_log()
    assert expiry.anchor is not None and expiry.anchor.sealed_at
    path = seal_path()
    assert path is not None
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(line.get("kind", "head"), line["head_seq"]) for line in lines] == [("head", 3), ("anchor", 3)]
    out = io.StringIO()
    call_command("verify_access_log", stdout=out, stderr=io.StringIO())
    assert "intact" in out.getvalue()
    assert seal_access_log().head_seq == 5  # sealing goes on from the anchor


@pytest.mark.database_owner
def test_an_anchor_nobody_sealed_is_reported(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.WIJKTEAM_LOG_SEAL_DIR = str(tmp_path / "seals")
    settings.WIJKTEAM_LOG_SEAL_KEY_FILE = str(tmp_path / "seal.key")
    log_current(3)
    seal_access_log()
    # Someone with the owner's powers removes rows that are not due and writes an anchor of their own.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO privacy_accessloganchor (seq, entry_hash, removed_rows)"
            " SELECT seq, entry_hash, 2 FROM privacy_accesslogentry WHERE seq = 2"
        )
        cursor.execute("GRANT DELETE ON privacy_accesslogentry TO CURRENT_USER")
        cursor.execute("ALTER TABLE privacy_accesslogentry DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM privacy_accesslogentry WHERE seq <= 2")
        cursor.execute("ALTER TABLE privacy_accesslogentry ENABLE TRIGGER USER")
    with pytest.raises(CommandError):
        call_command("verify_access_log", stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert "the log starts after an anchor no seal records: rows were removed" in err.getvalue()


@pytest.mark.database_owner
def test_rows_not_yet_due_cannot_be_removed_even_by_the_owner_with_the_switch() -> None:
    log_current(2)
    chain_access_log()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("GRANT DELETE ON privacy_accesslogentry TO CURRENT_USER")
        cursor.execute("SELECT set_config('wijkteam.access_log_expiry', 'on', true)")
        cursor.execute("SELECT set_config('wijkteam.access_log_keep_years', '0', true)")
        cursor.execute("DELETE FROM privacy_accesslogentry WHERE seq = 1")
    assert AccessLogEntry.objects.count() == 2


@pytest.mark.database_owner
def test_nothing_is_removed_from_a_log_that_does_not_verify() -> None:
    log_expired(2)
    log_current(1)
    chain_access_log()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE privacy_accesslogentry DISABLE TRIGGER USER")
        cursor.execute("GRANT UPDATE ON privacy_accesslogentry TO CURRENT_USER")
        cursor.execute("UPDATE privacy_accesslogentry SET detail = 'x' WHERE seq = 3")
        cursor.execute("ALTER TABLE privacy_accesslogentry ENABLE TRIGGER USER")
    with pytest.raises(ExpiryRefused, match="seq 3: altered"):
        expire_access_log()
    assert AccessLogEntry.objects.count() == 3 and not AccessLogAnchor.objects.exists()


def test_the_application_role_cannot_remove_rows_or_write_anchors() -> None:
    log_expired(2)
    chain_access_log()
    with pytest.raises(CommandError, match="Only the owner role"):
        call_command("expire_access_log", stdout=io.StringIO())
    for statement in (
        "SELECT * FROM privacy_access_log_expire(5)",
        "DELETE FROM privacy_accesslogentry",
        "INSERT INTO privacy_accessloganchor (seq, entry_hash, removed_rows) VALUES (1, '', 1)",
        "DELETE FROM privacy_accessloganchor",
    ):
        with (
            pytest.raises(DatabaseError, match="permission denied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert AccessLogEntry.objects.count() == 2


@pytest.mark.database_owner
def test_the_command_reports_what_it_removed() -> None:
    log_expired(2)
    out = io.StringIO()
    call_command("expire_access_log", stdout=out)
    assert out.getvalue().startswith("Removed 2 access-log rows; the chain now starts after seq 2")
    assert "NOT sealed" in out.getvalue()
