"""Notifications of casework (new involvements, a new coordinator, new reminders, a finished export), created
only after the cause commits, and the daily e-mail digest a user may choose."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from cases import reminders
from cases.models import Reminder
from cases.services import coordinator_assign, involvement_add
from jobs.models import OutboxMessage
from notifications.models import Notification, NotificationSettings
from notifications.services import notifications_deliver, notifications_digest_send
from tests.cases.factories import CaseFactory
from tests.conftest import Personas
from tests.organisations.factories import TeamMembershipFactory

pytestmark = pytest.mark.django_db
KIND = "coordinator_changed"
BASIS = "jeugdwet"


def deliver_queued() -> None:
    """What the worker does with the outbox rows of ``notifications.deliver``."""
    for message in OutboxMessage.objects.filter(task_name="notifications.deliver").order_by("id"):
        notifications_deliver(**message.kwargs)


def texts_of(user) -> list[str]:  # type: ignore[no-untyped-def]
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("text", flat=True))


def test_a_new_involvement_is_told_to_the_case_and_to_the_newcomer_without_names(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    newcomer = TeamMembershipFactory(team=personas.team_a).user
    involvement_add(case=case, professional=newcomer, by=personas.professional, role="practitioner", legal_basis=BASIS)
    deliver_queued()
    assert texts_of(personas.professional) == [
        f"Nieuwe betrokkene bij casus {case.reference}: {newcomer.organisation.name}."
    ]
    assert texts_of(newcomer) == [f"U bent nu betrokken bij casus {case.reference}."]
    assert newcomer.last_name not in " ".join(texts_of(personas.professional))


def test_nothing_is_queued_when_the_cause_rolls_back(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    newcomer = TeamMembershipFactory(team=personas.team_a).user
    with pytest.raises(RuntimeError), transaction.atomic():
        involvement_add(
            case=case, professional=newcomer, by=personas.professional, role="practitioner", legal_basis=BASIS
        )
        raise RuntimeError
    assert not OutboxMessage.objects.filter(task_name="notifications.deliver").exists()


def test_a_new_coordinator_is_told_to_everyone_on_the_case(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    successor = TeamMembershipFactory(team=personas.team_a).user
    coordinator_assign(case=case, professional=successor, by=personas.team_lead, legal_basis=BASIS)
    deliver_queued()
    assert texts_of(personas.professional) == [f"Casus {case.reference} heeft een nieuwe regisseur."]
    assert texts_of(successor) == [f"U bent nu regisseur van casus {case.reference}."]


def test_new_reminders_are_told_once_per_run_to_the_professionals_on_those_cases(personas: Personas) -> None:
    for _ in range(2):
        CaseFactory(team=personas.team_a, coordinator=personas.professional, referred_on=datetime.date(2025, 1, 1))
    reminders.reminders_refresh(today=datetime.date(2025, 6, 2))
    reminders.reminders_refresh(today=datetime.date(2025, 6, 2))  # nothing new: nothing queued
    assert Reminder.objects.count() == 2
    assert OutboxMessage.objects.filter(task_name="notifications.deliver").count() == 1
    deliver_queued()
    assert texts_of(personas.professional) == ["2 van uw casussen hebben een nieuw signaal."]


def test_a_finished_export_is_told_to_whoever_asked_for_it(personas: Personas) -> None:
    from notifications.builders import export_finished
    from tests.exports.factories import ExportJobFactory

    job = ExportJobFactory(requested_by=personas.bureau, done=True)
    (draft,) = export_finished(job.pk)
    assert (draft.recipient_id, draft.text, draft.link) == (
        personas.bureau.pk,
        "Uw export staat klaar om te downloaden.",
        reverse("exports:list"),
    )


def test_the_daily_digest_mails_what_is_unread_once(personas: Personas, django_capture_on_commit_callbacks) -> None:
    personas.professional.email = "prof@example.org"
    personas.professional.save()
    NotificationSettings.objects.create(user=personas.professional, digest=NotificationSettings.Digest.DAILY)
    for n, text in enumerate(["Casus WT-1 heeft een nieuwe regisseur.", "U bent nu betrokken bij casus WT-2."]):
        Notification.objects.create(recipient=personas.professional, kind=KIND, text=text, subject_id=n)
    Notification.objects.create(recipient=personas.team_lead, kind=KIND, text="niet voor u", subject_id=9)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_digest_send() == 1
    (message,) = mail.outbox
    assert message.to == ["prof@example.org"] and "2 ongelezen meldingen" in message.subject
    assert "WT-1" in message.body and "WT-2" in message.body and "niet voor u" not in message.body
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_digest_send() == 0
    assert len(mail.outbox) == 1


def test_the_digest_choice_is_the_users_own_and_an_unknown_one_is_refused(log_in, personas: Personas) -> None:
    client = log_in(personas.professional)
    assert "E-mail over ongelezen meldingen" in client.get(reverse("notifications:inbox")).content.decode()
    assert client.post(reverse("notifications:settings"), {"digest": "daily"}).status_code == 302
    assert NotificationSettings.objects.get(user=personas.professional).digest == "daily"
    response = client.post(reverse("notifications:settings"), {"digest": "hourly"})
    assert response.status_code == 400 and 'aria-invalid="true"' in response.content.decode()
    assert NotificationSettings.objects.get(user=personas.professional).digest == "daily"
