"""Issue #12, finding 1: the functional administrator made themself superuser in /beheer/.

The attack, through the admin's own HTTP forms (each POST built from the form
the admin page served, as a browser would send it): the administrator edits
their own user, ticks "superuser", takes the role "professional" and every
permission, adds themself a team membership (on the membership page and as
an inline row of the team), and then reads the team's households. Every step
must now fail. A membership an administrator grants to someone else is kept in
the write history and shown to the team's lead; the administrator's admin
lists of personal data stay empty.
"""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.auth.models import Permission
from django.forms.widgets import DateTimeBaseInput
from django.test import Client
from django.urls import reverse

from cases.models import Case
from organisations.models import Role, TeamMembership, User
from organisations.seed import _grant_administrator_permissions
from tests.cases.factories import CaseFactory
from tests.conftest import Personas
from tests.organisations.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- What a browser sends back: the served form's values ------------------------------------------


def form_data(form: forms.BaseForm, data: dict[str, Any]) -> None:
    for name, bound in form.fields.items():
        if bound.disabled:
            continue
        field = form[name]
        value = field.value()
        widget = bound.widget
        key = form.add_prefix(name)
        if isinstance(widget, forms.MultiWidget):
            parts = value if isinstance(value, list | tuple) else widget.decompress(value)
            for index, (part, sub) in enumerate(zip(parts, widget.widgets, strict=True)):
                data[f"{key}_{index}"] = "" if part is None else str(sub.format_value(part) or "")
        elif isinstance(bound, forms.BooleanField):
            if value:
                data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(getattr(item, "pk", item)) for item in value]
        elif isinstance(widget, DateTimeBaseInput):
            data[key] = "" if value is None else str(widget.format_value(value) or "")
        else:
            data[key] = "" if value is None else str(getattr(value, "pk", value))


def served(client: Client, url: str) -> dict[str, Any]:
    """The POST body of the admin page at ``url`` as served: main form, inline formsets with management forms."""
    response = client.get(url)
    assert response.status_code == 200, url
    data: dict[str, Any] = {}
    form_data(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        form_data(formset.management_form, data)
        for form in formset.forms:
            form_data(form, data)
    data.pop("_popup", None)
    return data


@pytest.fixture
def admin_client(client: Client, log_in, personas: Personas) -> Client:
    _grant_administrator_permissions([personas.administrator])  # demo-admin's permissions
    return log_in(personas.administrator)


@pytest.fixture
def household_case(personas: Personas) -> Case:
    return CaseFactory(team=personas.team_a, coordinator=personas.professional)


def user_url(user: User) -> str:
    return reverse("admin:organisations_user_change", args=[user.pk])


# --- The attack, step by step --------------------------------------------------------------------


def test_the_administrator_cannot_make_themself_superuser_professional_or_grant_permissions(
    admin_client: Client, personas: Personas
) -> None:
    admin = personas.administrator
    permissions_before = set(admin.user_permissions.values_list("pk", flat=True))
    data = served(admin_client, user_url(admin))
    data |= {
        "is_superuser": "on",
        "is_staff": "on",
        "role": Role.PROFESSIONAL,
        "user_permissions": [str(pk) for pk in Permission.objects.values_list("pk", flat=True)],
    }
    admin_client.post(user_url(admin), data)
    admin.refresh_from_db()
    assert not admin.is_superuser
    assert admin.role == Role.ADMINISTRATOR
    assert set(admin.user_permissions.values_list("pk", flat=True)) == permissions_before


def test_the_administrator_cannot_make_another_user_superuser_or_staff(
    admin_client: Client, personas: Personas
) -> None:
    accomplice = personas.professional_b
    data = served(admin_client, user_url(accomplice)) | {"is_superuser": "on", "is_staff": "on"}
    data["user_permissions"] = [str(pk) for pk in Permission.objects.values_list("pk", flat=True)]
    admin_client.post(user_url(accomplice), data)
    accomplice.refresh_from_db()
    assert not accomplice.is_superuser and not accomplice.is_staff
    assert not accomplice.user_permissions.exists()


def test_the_administrator_cannot_change_a_superusers_account(admin_client: Client) -> None:
    root = UserFactory(username="root", is_superuser=True, is_staff=True, role=Role.ADMINISTRATOR)
    admin_client.post(user_url(root), {"username": "root", "is_active": "", "role": Role.PROFESSIONAL})
    root.refresh_from_db()
    assert root.is_active and root.is_superuser and root.role == Role.ADMINISTRATOR
    password = reverse("admin:auth_user_password_change", args=[root.pk])
    admin_client.post(password, {"password1": "overgenomen-1234", "password2": "overgenomen-1234"})
    root.refresh_from_db()
    assert not root.check_password("overgenomen-1234")


def test_the_administrator_cannot_add_themself_to_a_team_on_the_membership_page(
    admin_client: Client, personas: Personas
) -> None:
    url = reverse("admin:organisations_teammembership_add")
    data = served(admin_client, url) | {
        "team": str(personas.team_a.pk),
        "user": str(personas.administrator.pk),
        "start_date": "01-01-2025",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, with the refusal next to the user
    assert not TeamMembership.objects.filter(user=personas.administrator).exists()
    assert "user" in response.context["adminform"].form.errors


def test_the_administrator_cannot_add_themself_to_a_team_as_an_inline_row(
    admin_client: Client, personas: Personas
) -> None:
    url = reverse("admin:organisations_team_change", args=[personas.team_a.pk])
    data = served(admin_client, url)
    prefix = "memberships"
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data |= {
        f"{prefix}-{index}-user": str(personas.administrator.pk),
        f"{prefix}-{index}-start_date": "01-01-2025",
        f"{prefix}-{index}-team": str(personas.team_a.pk),
    }
    admin_client.post(url, data)
    assert not TeamMembership.objects.filter(user=personas.administrator).exists()


def test_nobody_changes_their_own_membership_in_the_admin(client: Client, log_in, personas: Personas) -> None:
    # A team lead with admin rights (staff) still cannot lengthen or end their own membership.
    lead = personas.team_lead
    lead.is_staff = True
    lead.save()
    _grant_administrator_permissions([lead])
    own = TeamMembership.objects.get(user=lead)
    url = reverse("admin:organisations_teammembership_change", args=[own.pk])
    client = log_in(lead)
    data = {"team": str(personas.team_b.pk), "user": str(lead.pk), "start_date": "01-01-2024", "end_date": ""}
    client.post(url, data)
    own.refresh_from_db()
    assert own.team_id == personas.team_a.pk


def test_after_the_attempted_attack_the_administrator_reads_no_household(
    admin_client: Client, personas: Personas, household_case: Case
) -> None:
    admin = personas.administrator
    data = served(admin_client, user_url(admin)) | {"is_superuser": "on", "role": Role.PROFESSIONAL}
    admin_client.post(user_url(admin), data)
    add = reverse("admin:organisations_teammembership_add")
    admin_client.post(add, {"team": str(personas.team_a.pk), "user": str(admin.pk), "start_date": "01-01-2025"})
    household = reverse("cases:household", kwargs={"uuid": household_case.household.uuid})
    assert admin_client.get(household).status_code == 404
    assert admin_client.get("/api/v1/households/").json()["results"] == []
    listing = admin_client.get(reverse("admin:cases_household_changelist"))
    assert household_case.household.street not in listing.content.decode()


def test_the_admin_shows_no_personal_data_to_a_staff_user_who_is_also_a_professional(
    client: Client, log_in, personas: Personas, household_case: Case
) -> None:
    # An account that is both staff and casework professional: the admin is not a door to casework.
    professional = personas.professional
    professional.is_staff = True
    professional.save()
    professional.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["cases", "funding"]))
    client = log_in(professional)
    for name in ("cases_household", "cases_person", "cases_case", "funding_allocation", "funding_blockage"):
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200
        assert response.context["cl"].result_count == 0, name


# --- What an administrator may do is recorded and shown to the team's lead -----------------------


def test_a_membership_granted_by_the_administrator_is_in_the_history_and_shown_to_the_lead(
    admin_client: Client, client: Client, log_in, personas: Personas
) -> None:
    newcomer = UserFactory(username="nieuw", first_name="Noor", last_name="Nieuwkomer")
    add = reverse("admin:organisations_teammembership_add")
    data = served(admin_client, add) | {
        "team": str(personas.team_a.pk),
        "user": str(newcomer.pk),
        "start_date": "01-01-2025",
    }
    assert admin_client.post(add, data).status_code == 302
    membership = TeamMembership.objects.get(user=newcomer)
    record = membership.history.get()
    assert record.history_user == personas.administrator and record.history_type == "+"

    lead_page = log_in(personas.team_lead).get(reverse("organisations:membership-changes"))
    assert lead_page.status_code == 200
    page = lead_page.content.decode()
    assert "Noor Nieuwkomer" in page and str(personas.administrator) in page

    other_lead = UserFactory(username="lead-b", role=Role.TEAM_LEAD)
    TeamMembership.objects.create(team=personas.team_b, user=other_lead)
    other_page = log_in(other_lead).get(reverse("organisations:membership-changes")).content.decode()
    assert "Noor Nieuwkomer" not in other_page


def test_the_leads_page_of_membership_changes_takes_the_same_queries_for_one_change_or_many(
    client: Client, log_in, personas: Personas, django_assert_num_queries
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = log_in(personas.team_lead)
    url = reverse("organisations:membership-changes")
    TeamMembership.objects.create(team=personas.team_a, user=UserFactory())
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(10):
        TeamMembership.objects.create(team=personas.team_a, user=UserFactory())
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(url)
    assert len(page.context["changes"]) == 13  # the persona's two memberships of team A, and eleven more


def test_a_bulk_delete_of_memberships_cannot_take_ones_own(client: Client, log_in, personas: Personas) -> None:
    lead = personas.team_lead
    lead.is_staff = True
    lead.save()
    _grant_administrator_permissions([lead])
    own = TeamMembership.objects.get(user=lead)
    other = TeamMembership.objects.get(user=personas.professional)
    url = reverse("admin:organisations_teammembership_changelist")
    log_in(lead).post(url, {"action": "delete_selected", "_selected_action": [own.pk, other.pk], "post": "yes"})
    assert TeamMembership.objects.filter(pk=own.pk).exists()  # the admin refuses the whole selection
