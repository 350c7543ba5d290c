"""The team's referral inbox, forwarding, transfers between teams and a new case for a known household."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse

from cases import inbox, services
from cases.models import Case, CaseStatus, CaseStatusChange, CaseTransfer, Involvement, LegalBasis
from jobs.models import OutboxMessage
from organisations.models import Role, Team, User
from privacy.models import AccessLogEntry
from tests.cases.factories import CaseFactory, InvolvementFactory, MembershipFactory
from tests.cases.screens import field_error
from tests.conftest import Personas
from tests.organisations.factories import NeighbourhoodFactory, TeamMembershipFactory

pytestmark = pytest.mark.django_db


def in_inbox(team: Team) -> Case:
    """A referral waiting in the team's inbox: no coordinator yet."""
    case = CaseFactory(team=team, status=CaseStatus.REFERRAL)
    Involvement.objects.filter(case=case).delete()
    return case


def lead_of(team: Team) -> User:
    return TeamMembershipFactory(team=team, user__role=Role.TEAM_LEAD).user


def coordinator_of(case: Case) -> User | None:
    row = Involvement.objects.filter(case=case, is_coordinator=True, end_date__isnull=True).first()
    return row.professional if row else None


# --- The referral lands in the inbox -----------------------------------------------------------------------------


def test_a_new_referral_waits_in_the_inbox_without_a_coordinator(log_in, personas: Personas) -> None:
    buurt = NeighbourhoodFactory()
    personas.team_a.areas.add(buurt)
    case = services.referral_create(
        by=personas.professional, team=personas.team_a, street="Lindelaan", house_number=12, postcode="1234AB",
        city="Teststad", neighbourhood=buurt, referral_source=Case.ReferralSource.SCHOOL, referral_reason="Verzuim.",
        members=[services.PersonInput(first_name="Fatima", last_name="Bakker", role="parent")],
        legal_basis=LegalBasis.JEUGDWET,
    )  # fmt: skip
    assert case.status == CaseStatus.REFERRAL and not case.involvements.exists()
    assert case.referral_legal_basis == LegalBasis.JEUGDWET
    page = log_in(personas.team_lead).get(reverse("cases:inbox")).content.decode()
    assert case.reference in page and reverse("cases:referral-accept", args=[case.uuid]) in page
    # A professional of the team sees it waiting, without the lead's decisions.
    page = log_in(personas.professional).get(reverse("cases:inbox")).content.decode()
    assert case.reference in page and reverse("cases:referral-accept", args=[case.uuid]) not in page
    # Another team's inbox does not show it.
    assert case.reference not in log_in(personas.professional_b).get(reverse("cases:inbox")).content.decode()


def test_a_referral_cannot_leave_the_inbox_by_the_status_form_without_a_coordinator(personas: Personas) -> None:
    case = in_inbox(personas.team_a)
    with pytest.raises(ValidationError) as error:
        services.case_transition(case=case, to_status=CaseStatus.INTAKE, by=personas.team_lead)
    assert "to_status" in error.value.message_dict


def test_the_lead_accepts_a_referral_assigning_the_coordinator(log_in, personas: Personas) -> None:
    case = in_inbox(personas.team_a)
    case.referral_legal_basis = LegalBasis.WMO
    case.save()
    client = log_in(personas.team_lead)
    response = client.post(
        reverse("cases:referral-accept", args=[case.uuid]), {"professional": str(personas.professional.uuid)}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.INTAKE and coordinator_of(case) == personas.professional
    assert case.involvements.get().legal_basis == LegalBasis.WMO  # the referral's basis, as none was chosen
    assert list(CaseStatusChange.objects.filter(case=case).values_list("to_status", flat=True)) == ["intake"]
    # The lead was not asked for a reason: triage is the reason, written on the log row.
    row = AccessLogEntry.objects.filter(case_id=case.pk, action="update").latest("id")
    assert row.reason == "triage" and row.outcome == "allowed"


def test_rejecting_a_referral_needs_a_reason_and_keeps_it_in_the_history(log_in, personas: Personas) -> None:
    case = in_inbox(personas.team_a)
    client = log_in(personas.team_lead)
    url = reverse("cases:referral-reject", args=[case.uuid])
    page = client.post(url, {"reason": "  "}).content.decode()
    assert field_error(page, "id_reason") == "Dit veld is vereist."
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REFERRAL
    assert client.post(url, {"reason": "Past beter bij de huisarts."}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_on is not None
    change = CaseStatusChange.objects.get(case=case, to_status=CaseStatus.CLOSED)
    assert change.reason == "Aanmelding niet aangenomen: Past beter bij de huisarts."


def test_forwarding_moves_the_referral_to_the_other_teams_inbox_with_the_note(log_in, personas: Personas) -> None:
    case = in_inbox(personas.team_a)
    lead_b = lead_of(personas.team_b)
    client = log_in(personas.team_lead)
    url = reverse("cases:referral-forward", args=[case.uuid])
    page = client.post(url, {"to_team": str(personas.team_b.uuid), "note": ""}).content.decode()
    assert field_error(page, "id_note") == "Dit veld is vereist."
    response = client.post(url, {"to_team": str(personas.team_b.uuid), "note": "Gezin verhuist naar Zuid."})
    assert response.status_code == 302 and response["Location"] == reverse("cases:inbox")
    case.refresh_from_db()
    assert case.team == personas.team_b and case.status == CaseStatus.REFERRAL
    transfer = CaseTransfer.objects.get(case=case)
    assert (transfer.kind, transfer.status, transfer.from_team) == ("forward", "completed", personas.team_a)
    # The old team no longer sees it; the new team's inbox shows it with the handover note.
    assert client.get(reverse("cases:household", args=[case.household.uuid])).status_code == 404
    page = log_in(lead_b).get(reverse("cases:inbox")).content.decode()
    assert case.reference in page and "Gezin verhuist naar Zuid." in page
    # The receiving lead is notified through the outbox (created after the commit).
    assert OutboxMessage.objects.filter(task_name="notifications.deliver", kwargs__kind="case_arriving").exists()


def test_wrong_roles_cannot_decide_on_a_referral(log_in, personas: Personas) -> None:
    case = in_inbox(personas.team_a)
    for name in ("referral-accept", "referral-reject", "referral-forward"):
        url = reverse(f"cases:{name}", args=[case.uuid])
        assert log_in(personas.professional).get(url).status_code == 403  # sees it, does not lead the team
        assert log_in(personas.professional_b).get(url).status_code == 404  # does not see it
        assert log_in(lead_of(personas.team_b)).post(url, {}).status_code == 404
        assert log_in(personas.bureau).get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        inbox.referral_accept(case=case, professional=personas.professional, by=personas.professional)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REFERRAL


def test_the_second_lead_to_act_on_a_referral_is_told_what_the_first_did(log_in, personas: Personas) -> None:
    case = in_inbox(personas.team_a)
    second_lead = lead_of(personas.team_a)
    inbox.referral_accept(
        case=case, professional=personas.professional, by=personas.team_lead, legal_basis=LegalBasis.WMO
    )
    response = log_in(second_lead).post(reverse("cases:referral-reject", args=[case.uuid]), {"reason": "Niet voor ons"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Een andere teamleider heeft deze aanmelding al behandeld" in page
    assert Case.objects.get(pk=case.pk).status == CaseStatus.INTAKE


@pytest.mark.django_db(transaction=True)
def test_two_leads_accepting_the_same_referral_at_once_leave_one_coordinator_and_one_clear_refusal() -> None:
    from tests.organisations.factories import TeamFactory

    team = TeamFactory()
    leads = [lead_of(team) for _ in range(2)]
    candidates = [TeamMembershipFactory(team=team).user for _ in range(2)]
    with transaction.atomic():
        case = in_inbox(team)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def accept(lead: User, candidate: User) -> None:
        try:
            barrier.wait()
            inbox.referral_accept(case=case, professional=candidate, by=lead, legal_basis=LegalBasis.WMO)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=pair) for pair in zip(leads, candidates, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert errors[0].code == "handled"
    assert Involvement.objects.filter(case=case, is_coordinator=True, end_date__isnull=True).count() == 1
    assert CaseStatusChange.objects.filter(case=case, to_status=CaseStatus.INTAKE).count() == 1


# --- Transfers of an open case --------------------------------------------------------------------------------------


def test_a_transfer_moves_the_case_and_its_access_only_when_the_receiving_lead_accepts(
    log_in, personas: Personas
) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    colleague = TeamMembershipFactory(team=personas.team_a).user
    InvolvementFactory(case=case, professional=colleague)  # involved: keeps access after the move
    lead_b = lead_of(personas.team_b)
    household = reverse("cases:household", args=[case.household.uuid])

    client = log_in(personas.professional)
    response = client.post(
        reverse("cases:transfer-request", args=[case.uuid]),
        {"to_team": str(personas.team_b.uuid), "note": "Verhuisd naar Zuid; moeder wil graag dezelfde aanpak."},
    )
    assert response.status_code == 302
    transfer = CaseTransfer.objects.get(case=case, status="pending")
    # Pending: the case stays with team A; the receiving lead reads the note, not the household.
    assert Case.objects.get(pk=case.pk).team == personas.team_a
    assert client.get(household).status_code == 200
    receiving = log_in(lead_b)
    assert receiving.get(household).status_code == 404
    page = receiving.get(reverse("cases:inbox")).content.decode()
    assert "dezelfde aanpak" in page and case.reference in page
    # Only a lead of the receiving team decides.
    assert log_in(personas.team_lead).get(reverse("cases:transfer-accept", args=[transfer.uuid])).status_code == 403
    assert (
        log_in(personas.professional_b).get(reverse("cases:transfer-accept", args=[transfer.uuid])).status_code == 404
    )

    response = log_in(lead_b).post(
        reverse("cases:transfer-accept", args=[transfer.uuid]),
        {"professional": str(personas.professional_b.uuid), "legal_basis": LegalBasis.WMO},
    )
    assert response.status_code == 302 and response["Location"] == household
    case.refresh_from_db()
    transfer.refresh_from_db()
    assert case.team == personas.team_b and transfer.status == "completed" and transfer.decided_by == lead_b
    assert coordinator_of(case) == personas.professional_b
    assert log_in(personas.professional).get(household).status_code == 404  # the former coordinator: gone
    assert log_in(personas.team_lead).get(household).status_code == 404  # the old team: gone
    assert log_in(colleague).get(household).status_code == 200  # involved: stays
    assert log_in(personas.professional_b).get(household).status_code == 200  # the new team
    assert AccessLogEntry.objects.filter(
        case_id=case.pk, user_id=lead_b.pk, action="update", outcome="allowed"
    ).exists()
    # Accepting twice is refused: the transfer is no longer pending.
    assert log_in(lead_b).get(reverse("cases:transfer-accept", args=[transfer.uuid])).status_code == 403


def test_a_declined_transfer_leaves_the_case_where_it_was(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    lead_b = lead_of(personas.team_b)
    transfer = inbox.transfer_request(case=case, to_team=personas.team_b, note="Overname?", by=personas.team_lead)
    with pytest.raises(ValidationError):
        inbox.transfer_request(case=case, to_team=personas.team_b, note="Nog een", by=personas.team_lead)
    with pytest.raises(ValidationError):
        inbox.transfer_decline(transfer=transfer, reason=" ", by=lead_b)
    inbox.transfer_decline(transfer=transfer, reason="Geen capaciteit.", by=lead_b)
    case.refresh_from_db()
    assert case.team == personas.team_a and coordinator_of(case) == personas.professional
    assert CaseTransfer.objects.get().decision_note == "Geen capaciteit."


def test_a_professional_who_does_not_coordinate_cannot_ask_for_a_transfer(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    response = log_in(personas.professional).get(reverse("cases:transfer-request", args=[case.uuid]))
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        inbox.transfer_request(case=case, to_team=personas.team_b, note="x", by=personas.professional)


def test_the_household_page_offers_the_transfer_only_to_who_may_ask_for_it(log_in, personas: Personas) -> None:
    """The case toolbar linked every professional on the case to the transfer form, which answered 403."""
    with transaction.atomic():
        case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    colleague = TeamMembershipFactory(team=personas.team_a).user
    InvolvementFactory(case=case, professional=colleague)
    household = reverse("cases:household", args=[case.household.uuid])
    transfer = reverse("cases:transfer-request", args=[case.uuid])

    assert transfer in log_in(personas.professional).get(household).content.decode()  # the coordinator
    page = log_in(colleague).get(household)
    assert page.status_code == 200 and transfer not in page.content.decode()
    assert log_in(colleague).get(transfer).status_code == 403
    InvolvementFactory(case=case, professional=personas.team_lead)  # the lead reads it for work, not by exception
    assert transfer in log_in(personas.team_lead).get(household).content.decode()


# --- A new case for a household known from a closed case ------------------------------------------------------------


def test_a_known_household_gets_a_new_case_with_its_people_reused(log_in, personas: Personas) -> None:
    buurt = NeighbourhoodFactory()
    personas.team_a.areas.add(buurt)
    closed = CaseFactory(team=personas.team_a, closed=True, household__neighbourhood=buurt)
    member = MembershipFactory(household=closed.household)
    client = log_in(personas.professional)
    household = reverse("cases:household", args=[closed.household.uuid])
    page = client.get(household).content.decode()
    url = reverse("cases:household-new-case", args=[closed.household.uuid])
    assert url in page
    data = {
        "team": str(personas.team_a.uuid),
        "referral_source": "gp",
        "referral_reason": "Opnieuw zorgen.",
        "referred_on": "",
        "legal_basis": "wmo",
    }
    page = client.post(url, data).content.decode()
    assert field_error(page, "id_referred_on") == "Dit veld is vereist."
    response = client.post(url, {**data, "referred_on": "1-6-2025"})
    assert response.status_code == 302
    new = Case.objects.exclude(pk=closed.pk).get()
    assert new.household == closed.household and new.status == CaseStatus.REFERRAL
    assert new.household.memberships.get().person == member.person
    # Now the household has an open case: no second one from this screen.
    assert url not in client.get(household).content.decode()
    page = client.post(url, data | {"referred_on": "1-6-2025"}).content.decode()
    assert "Dit huishouden heeft al een open casus" in page
    assert Case.objects.count() == 2


def test_a_new_case_for_a_household_the_user_cannot_see_is_not_found(log_in, personas: Personas) -> None:
    closed = CaseFactory(team=personas.team_b, closed=True)
    url = reverse("cases:household-new-case", args=[closed.household.uuid])
    assert log_in(personas.professional).get(url).status_code == 404
    assert log_in(personas.bureau).get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        inbox.case_open_for_household(
            household=closed.household, team=personas.team_a, by=personas.professional, referral_source="gp",
            referral_reason="x", legal_basis="wmo",
        )  # fmt: skip


def test_the_referral_form_offers_the_known_household_at_the_same_address(log_in, personas: Personas) -> None:
    buurt = NeighbourhoodFactory()
    personas.team_a.areas.add(buurt)
    closed = CaseFactory(
        team=personas.team_a, closed=True, household__neighbourhood=buurt, household__postcode="1234AB",
        household__house_number=12, household__house_number_suffix="",
    )  # fmt: skip
    hidden = CaseFactory(team=personas.team_b, closed=True, household__postcode="1234AB", household__house_number=14)
    data = {
        "team": str(personas.team_a.uuid), "street": "Lindelaan", "house_number": "12", "house_number_suffix": "",
        "postcode": "1234 ab", "city": "Teststad", "neighbourhood": buurt.code, "referral_source": "school",
        "referral_reason": "Verzuim.", "referred_on": "1-6-2025", "legal_basis": "jeugdwet",
        "members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "20", "members-0-first_name": "Fatima", "members-0-surname_prefix": "",
        "members-0-last_name": "Bakker", "members-0-date_of_birth": "", "members-0-bsn": "", "members-0-role": "parent",
    }  # fmt: skip
    client = log_in(personas.professional)
    page = client.post(reverse("cases:referral-create"), data).content.decode()
    assert reverse("cases:household-new-case", args=[closed.household.uuid]) in page
    assert Case.objects.count() == 2  # nothing saved yet
    # Registering a new household anyway is still possible; another team's household is never offered.
    # "Register anyway": the duplicate review (cases/duplicates.py) then asks to confirm the address once more,
    # since it also knows households at this address with open cases; confirmed, the referral is registered.
    anyway = client.post(reverse("cases:referral-create"), {**data, "new_household": "1"})
    assert anyway.status_code == 200 and "address-confirmed" in anyway.content.decode()
    confirmed = {**data, "new_household": "1", "address-seen": "1", "address-confirmed": "on"}
    assert client.post(reverse("cases:referral-create"), confirmed).status_code == 302
    response = client.post(reverse("cases:referral-create"), {**data, "house_number": "14"})
    assert response.status_code == 302  # registered at once: no offer of a household the user cannot see
    assert Case.objects.exclude(household=hidden.household).filter(household__house_number=14).exists()
