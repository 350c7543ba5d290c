"""My profile (issue 15, item 7): the work phone number the professionals on my cases see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cases.factories import CaseFactory, InvolvementFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def test_a_professional_sets_a_phone_number_and_colleagues_see_it_on_the_household(personas: Personas, log_in) -> None:
    me = personas.professional
    me.email = "prof-a@wijkteam.example"
    me.save()
    client = log_in(me)
    response = client.post(reverse("profile"), {"phone": " 030 123 45 67 ", "email": "someone@else.example"})
    assert response.status_code == 302
    me.refresh_from_db()
    assert (me.phone, me.email) == ("030 123 45 67", "prof-a@wijkteam.example")  # the e-mail is not the form's

    case = CaseFactory(team=personas.team_b, coordinator=personas.professional_b)
    InvolvementFactory(case=case, professional=me)
    page = log_in(personas.professional_b).get(reverse("cases:household", args=[case.household.uuid]))
    contacts = page.content.decode().split('id="contactgegevens"')[1].split("</section>")[0]
    assert 'href="tel:0301234567"' in contacts and "mailto:prof-a@wijkteam.example" in contacts
    assert me.organisation.name in contacts


def test_a_wrong_phone_number_is_refused_next_to_the_field_and_kept(personas: Personas, log_in) -> None:
    from tests.cases.screens import field_error, input_value

    client = log_in(personas.professional)
    page = client.post(reverse("profile"), {"phone": "bel me maar"}).content.decode()
    assert field_error(page, "id_phone")
    assert input_value(page, "id_phone") == "bel me maar"
    personas.professional.refresh_from_db()
    assert personas.professional.phone == ""
