import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.http import Http404
from django.test import RequestFactory

from cases.models import Case, Household
from privacy import access_log
from privacy.access import get_visible_or_404
from privacy.models import AccessLogEntry
from privacy.sequencer import chain_access_log
from privacy.verify import verify_access_log
from tests.cases.factories import CaseFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def log_rows(count: int, personas: Personas) -> None:
    """Log ``count`` reads, then let the sequencer chain them (as beat does moments later)."""
    for number in range(count):
        access_log.record(
            user=personas.professional,
            action=access_log.Action.READ,
            subject=access_log.Subject(household_id=number + 1),
        )
    chain_access_log()


def as_owner_attacker(sql: str) -> None:
    """Tamper the way someone with the table owner's powers could: grant back, switch off triggers.

    The tests calling this are marked ``database_owner``: the application role has no such powers
    (tests/security/test_access_log_roles.py).
    """
    with connection.cursor() as cursor:
        cursor.execute("GRANT UPDATE, DELETE ON privacy_accesslogentry TO CURRENT_USER")
        cursor.execute("ALTER TABLE privacy_accesslogentry DISABLE TRIGGER USER")
        cursor.execute(sql)
        cursor.execute("ALTER TABLE privacy_accesslogentry ENABLE TRIGGER USER")


def test_rows_are_appended_unchained_and_the_sequencer_gives_each_its_place_and_hash(personas: Personas) -> None:
    for number in range(3):
        access_log.record(user=personas.professional, action="read", subject=access_log.Subject(household_id=number))
    waiting = list(AccessLogEntry.objects.order_by("id"))
    assert [(row.seq, row.previous_hash, row.entry_hash) for row in waiting] == [(None, "", "")] * 3
    assert all(len(row.content_hash) == 64 for row in waiting)
    assert chain_access_log() == 3
    rows = list(AccessLogEntry.objects.order_by("seq", "id"))
    assert [row.pk for row in rows] == [row.pk for row in waiting]
    assert [row.seq for row in rows] == [1, 2, 3]
    assert rows[0].previous_hash == "0" * 64
    assert rows[1].previous_hash == rows[0].entry_hash and rows[2].previous_hash == rows[1].entry_hash
    assert all(len(row.entry_hash) == 64 for row in rows)
    assert rows[0].username == "prof-a" and rows[0].role == "professional" and rows[0].channel == "task"


def test_many_subjects_are_one_insert_in_order_with_the_shared_fields_on_every_row(
    personas: Personas, django_assert_num_queries
) -> None:
    request = RequestFactory().get("/huishoudens/x/", REMOTE_ADDR="10.1.2.3", HTTP_X_REQUEST_ID="req-1")
    subjects = [
        access_log.Subject(household_id=7, object_type="cases.household"),
        access_log.Subject(household_id=7, case_id=70, object_type="cases.case"),
        access_log.Subject(household_id=7, object_type="privacy.accesslogentry", detail="who viewed this household"),
    ]
    with django_assert_num_queries(1):
        access_log.record_many(
            user=personas.professional, action=access_log.Action.READ, subjects=subjects, request=request, detail="page"
        )
    rows = list(AccessLogEntry.objects.order_by("seq", "id"))
    assert [(row.object_type, row.case_id, row.detail) for row in rows] == [
        ("cases.household", None, "page"),
        ("cases.case", 70, "page"),
        ("privacy.accesslogentry", None, "who viewed this household"),
    ]
    assert {(row.username, row.channel, row.path, row.client_address, row.request_id) for row in rows} == {
        ("prof-a", "screen", "/huishoudens/x/", "10.1.2.3", "req-1")
    }
    assert verify_access_log().ok


def test_the_insert_reads_the_readers_organisation_itself_rather_than_a_query_of_its_own(
    personas: Personas, django_assert_num_queries
) -> None:
    # As a request's user arrives: without its organisation loaded (reading it was one query more per request).
    from organisations.models import User

    reader = User.objects.get(pk=personas.professional.pk)
    subject = access_log.Subject(household_id=7, object_type="cases.household")
    with django_assert_num_queries(1):
        access_log.record_many(user=reader, action=access_log.Action.READ, subjects=[subject])
    access_log.record_many(user=reader, action=access_log.Action.READ, subjects=[subject], on_behalf_of="Gemeente X")
    name = personas.professional.organisation.name
    rows = list(AccessLogEntry.objects.order_by("seq", "id").values_list("organisation_name", "on_behalf_of"))
    assert rows == [(name, name), (name, "Gemeente X")]
    assert verify_access_log().ok


def test_no_subjects_write_nothing(personas: Personas, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        access_log.record_many(user=personas.professional, action=access_log.Action.READ, subjects=[])


def test_the_application_role_cannot_update_log_rows(personas: Personas) -> None:
    log_rows(1, personas)
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        AccessLogEntry.objects.update(username="someone else")


def test_the_application_role_cannot_delete_log_rows(personas: Personas) -> None:
    log_rows(1, personas)
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        AccessLogEntry.objects.all().delete()


@pytest.mark.database_owner
def test_even_with_privileges_granted_back_the_trigger_refuses_changes(personas: Personas) -> None:
    log_rows(1, personas)
    with connection.cursor() as cursor:
        cursor.execute("GRANT UPDATE, DELETE ON privacy_accesslogentry TO CURRENT_USER")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLogEntry.objects.update(detail="x")


@pytest.mark.database_owner
def test_truncate_is_refused_to_the_owner_without_the_switch(personas: Personas) -> None:
    log_rows(1, personas)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL wijkteam.allow_log_truncate = off")
        cursor.execute("TRUNCATE privacy_accesslogentry")


def test_verification_passes_on_an_intact_log(personas: Personas) -> None:
    log_rows(5, personas)
    out = io.StringIO()
    call_command("verify_access_log", stdout=out)
    assert "intact: 5 chained rows" in out.getvalue()


@pytest.mark.database_owner
def test_verification_detects_an_altered_row(personas: Personas) -> None:
    log_rows(5, personas)
    as_owner_attacker("UPDATE privacy_accesslogentry SET household_id = 999 WHERE seq = 3")
    result = verify_access_log()
    assert [(b.seq, b.problem) for b in result.breaks] == [(3, "altered")]
    with pytest.raises(CommandError):
        call_command("verify_access_log", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.database_owner
def test_verification_detects_a_removed_row(personas: Personas) -> None:
    log_rows(5, personas)
    as_owner_attacker("DELETE FROM privacy_accesslogentry WHERE seq = 2")
    assert [(b.seq, b.problem) for b in verify_access_log().breaks] == [(3, "rows removed before this one")]


@pytest.mark.database_owner
def test_verification_detects_a_rehashed_row_by_its_successor(personas: Personas) -> None:
    log_rows(4, personas)
    # A careful forger recomputes the altered row's own hashes; the next row still points at the old one.
    as_owner_attacker(
        "UPDATE privacy_accesslogentry e SET detail = 'x' WHERE seq = 2;"
        "UPDATE privacy_accesslogentry e SET content_hash = privacy_access_log_content_digest(e) WHERE seq = 2;"
        "UPDATE privacy_accesslogentry e SET entry_hash = privacy_access_log_digest(e) WHERE seq = 2"
    )
    assert [(b.seq, b.problem) for b in verify_access_log().breaks] == [(3, "chain broken")]


def test_the_door_logs_an_allowed_read_with_household_and_case(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    request = RequestFactory().get(f"/huishoudens/{case.household.uuid}/?q=secret", REMOTE_ADDR="10.1.2.3")
    request.user = personas.professional
    assert get_visible_or_404(Case.objects.select_related("household"), request, uuid=case.uuid) == case
    row = AccessLogEntry.objects.get()
    assert (row.action, row.outcome, row.channel) == ("read", "allowed", "screen")
    assert (row.case_id, row.household_id, row.object_uuid) == (case.pk, case.household_id, case.uuid)
    assert row.path == f"/huishoudens/{case.household.uuid}/" and row.client_address == "10.1.2.3"


def test_the_door_logs_a_refused_attempt_and_answers_404(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    request = RequestFactory().get("/x/")
    request.user = personas.professional_b
    with pytest.raises(Http404):
        get_visible_or_404(Household.objects.all(), request, uuid=case.household.uuid)
    row = AccessLogEntry.objects.get()
    assert (row.outcome, row.household_id, row.username) == ("refused", case.household_id, "prof-b")


def test_a_refused_attempt_on_a_missing_object_is_logged_too(personas: Personas) -> None:
    import uuid

    request = RequestFactory().get("/x/")
    request.user = personas.professional
    with pytest.raises(Http404):
        get_visible_or_404(Household.objects.all(), request, uuid=uuid.uuid4())
    assert AccessLogEntry.objects.get().outcome == "refused"


def test_deleting_a_case_keeps_its_log_rows(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    access_log.record(user=personas.professional, action="read", subject=access_log.subject_for(case))
    case_id = case.pk
    Case.objects.filter(pk=case_id).delete()
    assert AccessLogEntry.objects.filter(case_id=case_id).count() == 1
