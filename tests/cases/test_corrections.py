"""Corrections of contact notes and actions (issue 15, item 5): the old text in the history, a visible mark."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cases import services
from cases.models import Action, Contact
from tests.cases.conftest import Scene
from tests.cases.factories import ContactFactory
from tests.cases.screens import field_error, input_value
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

OLD = "Moeder vertelt over de schulden bij de woningcorporatie."
NEW = "Moeder vertelt over de schulden bij de energieleverancier."


@pytest.fixture
def contact(scene: Scene, personas: Personas) -> Contact:
    return ContactFactory(case=scene.case, author=personas.professional, note=OLD)


def correct_url(contact: Contact) -> str:
    return reverse("cases:contact-correct", args=[contact.case.uuid, contact.uuid])


def test_the_author_corrects_a_note_and_the_old_text_stays_in_the_history(
    contact: Contact, personas: Personas, log_in
) -> None:
    client = log_in(personas.professional)
    household = reverse("cases:household", args=[contact.case.household.uuid])
    assert correct_url(contact) in client.get(household).content.decode()
    assert input_value(client.get(correct_url(contact)).content.decode(), "id_note") == OLD

    response = client.post(correct_url(contact), {"version": "1", "note": NEW, "reason": "Verkeerde schuldeiser"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.note, contact.version, contact.correction_reason) == (NEW, 2, "Verkeerde schuldeiser")
    assert contact.corrected_at is not None

    page = client.get(household).content.decode()
    assert 'class="corrected-mark' in page and "Verkeerde schuldeiser" in page
    history = client.get(reverse("cases:household-history", args=[contact.case.household.uuid])).content.decode()
    assert OLD in history and NEW in history


def test_a_correction_based_on_an_older_version_saves_nothing_and_keeps_the_typed_text(
    contact: Contact, personas: Personas, log_in
) -> None:
    services.contact_correct(contact=contact, note=NEW, based_on_version=1, by=personas.professional)
    client = log_in(personas.professional)
    typed = "Mijn eigen verbetering, getypt in een ander tabblad."
    page = client.post(correct_url(contact), {"version": "1", "note": typed, "reason": ""})
    html = page.content.decode()
    assert page.status_code == 200
    assert "ergens anders gewijzigd" in field_error(html, "id_note")
    assert input_value(html, "id_note") == typed
    assert input_value(html, "id_version") == "2"  # the next save builds on the version now shown
    contact.refresh_from_db()
    assert (contact.note, contact.version) == (NEW, 2)


def test_only_the_author_corrects_a_note(contact: Contact, scene: Scene, personas: Personas, log_in) -> None:
    # The colleague is involved and reads the note, but did not write it.
    assert log_in(scene.colleague).get(correct_url(contact)).status_code == 404
    with pytest.raises(PermissionDenied):
        services.contact_correct(contact=contact, note=NEW, based_on_version=1, by=scene.colleague)
    contact.refresh_from_db()
    assert contact.note == OLD


def test_an_action_correction_marks_it_and_keeps_the_old_description(scene: Scene, personas: Personas, log_in) -> None:
    action = scene.action
    old = action.description
    client = log_in(personas.professional)
    url = reverse("cases:action-correct", args=[scene.case.uuid, action.uuid])
    form = client.get(url).content.decode()
    fields = ("version", "delivering_organisation", "beneficiary", "planned_cost", "start_date", "end_date")
    data = {name: input_value(form, f"id_{name}") for name in fields}
    # Nothing half-saved: an empty description is refused next to its field, the rest as typed.
    page = client.post(url, {**data, "description": "", "reason": "Typfout"})
    assert field_error(page.content.decode(), "id_description")
    assert input_value(page.content.decode(), "id_reason") == "Typfout"
    assert Action.objects.get(pk=action.pk).version == action.version

    assert (
        client.post(url, {**data, "description": "Budgetcoaching bij de Kredietbank", "reason": "Typfout"}).status_code
        == 302
    )
    action.refresh_from_db()
    assert action.description == "Budgetcoaching bij de Kredietbank" and action.corrected_at is not None
    household = client.get(reverse("cases:household", args=[scene.case.household.uuid])).content.decode()
    assert 'class="corrected-mark' in household and "Typfout" in household
    history = client.get(reverse("cases:household-history", args=[scene.case.household.uuid])).content.decode()
    assert old in history and "Budgetcoaching bij de Kredietbank" in history
