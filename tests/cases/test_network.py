"""The network around the household (ecogram): non-members related to a member, with the household's access rules."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases import network
from cases.diagram import render_svg
from cases.models import NetworkPerson
from privacy.models import AccessLogEntry
from privacy.retention import REDACTED, cases_anonymise
from privacy.subject_access import person_disclosure
from tests.cases.factories import CaseFactory, MembershipFactory
from tests.cases.screens import field_error, input_value
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def grandmother(case, member, **overrides: object) -> NetworkPerson:  # type: ignore[no-untyped-def]
    data = network.NetworkInput(
        name=str(overrides.get("name", "Oma Jansen")),
        related_to=member.person,
        relation=str(overrides.get("relation", NetworkPerson.Relation.GRANDPARENT)),
        relation_detail="Haalt de kinderen op vrijdag op.",
    )
    return network.network_person_add(household=case.household, data=data, by=case.involvements.first().professional)


def test_add_edit_and_end_on_the_household_page(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    sem = MembershipFactory(household=case.household, person__first_name="Sem")
    client = log_in(personas.professional)
    create = reverse("cases:network-create", args=[case.household.uuid])
    # An error stands next to its field, what was typed stays, nothing is saved.
    page = client.post(create, {"name": "Oma Jansen", "related_to": str(sem.person.uuid), "relation": ""})
    page_text = page.content.decode()
    assert field_error(page_text, "id_relation") == "Dit veld is vereist."
    assert input_value(page_text, "id_name") == "Oma Jansen"
    assert not NetworkPerson.objects.exists()
    response = client.post(
        create,
        {
            "name": "Oma Jansen",
            "related_to": str(sem.person.uuid),
            "relation": "grandparent",
            "relation_detail": "Oppas",
        },
    )
    assert response.status_code == 302
    entry = NetworkPerson.objects.get()
    assert (entry.related_to, entry.relation, entry.created_by) == (sem.person, "grandparent", personas.professional)

    page = client.get(reverse("cases:household", args=[case.household.uuid])).content.decode()
    assert "Netwerk rond het huishouden" in page and "Oma Jansen" in page
    assert "Netwerk (geen leden)" in page  # drawn in the diagram, apart from the members

    edit = reverse("cases:network-edit", args=[case.household.uuid, entry.uuid])
    assert input_value(client.get(edit).content.decode(), "id_name") == "Oma Jansen"
    client.post(edit, {"name": "Oma Jansen-de Vries", "related_to": str(sem.person.uuid), "relation": "grandparent"})
    entry.refresh_from_db()
    assert entry.name == "Oma Jansen-de Vries" and entry.history.count() == 2

    end = reverse("cases:network-end", args=[case.household.uuid, entry.uuid])
    assert client.post(end, {"end_date": "1-1-2020"}).status_code == 200  # before it started: refused
    assert client.post(end, {"end_date": datetime.date.today().strftime("%d-%m-%Y")}).status_code == 302
    entry.refresh_from_db()
    assert entry.end_date == datetime.date.today()
    page = client.get(reverse("cases:household", args=[case.household.uuid])).content.decode()
    assert "Netwerk (geen leden)" not in page  # ended today: no longer drawn


def test_the_network_has_the_households_access_rules_and_reads_are_logged(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    member = MembershipFactory(household=case.household)
    entry = grandmother(case, member)
    assert list(NetworkPerson.objects.visible_to(personas.professional)) == [entry]
    assert not NetworkPerson.objects.visible_to(personas.professional_b).exists()
    assert not NetworkPerson.objects.visible_to(personas.bureau).exists()
    for url in (
        reverse("cases:network-create", args=[case.household.uuid]),
        reverse("cases:network-edit", args=[case.household.uuid, entry.uuid]),
        reverse("cases:network-end", args=[case.household.uuid, entry.uuid]),
    ):
        assert log_in(personas.professional_b).get(url).status_code == 404
        assert log_in(personas.privacy_officer).get(url).status_code == 404
        assert log_in(personas.professional).get(url).status_code == 200
    refused = AccessLogEntry.objects.filter(user_id=personas.professional_b.pk, outcome="refused")
    assert refused.filter(household_id=case.household_id).count() == 3
    assert AccessLogEntry.objects.filter(user_id=personas.professional.pk, object_type="cases.networkperson").exists()
    with pytest.raises(PermissionDenied):
        network.network_person_end(entry=entry, by=personas.professional_b)


def test_only_a_member_of_the_household_can_be_the_relation(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    stranger = MembershipFactory()  # a member of another household
    with pytest.raises(ValidationError) as error:
        grandmother(case, stranger)
    assert "related_to" in error.value.message_dict
    assert not NetworkPerson.objects.exists()


def test_a_closed_households_network_can_no_longer_be_changed(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    entry = grandmother(case, MembershipFactory(household=case.household))
    case.involvements.update(is_coordinator=False)
    case.status, case.closed_on = "afgesloten", datetime.date(2025, 6, 1)
    case.save()
    with pytest.raises(ValidationError):
        network.network_person_end(entry=entry, by=personas.professional)


def test_the_diagram_draws_the_network_apart_from_the_members(personas: Personas) -> None:
    from cases.diagram import Diagram, ThemeGroup, lay_out
    from funding.selectors import Fragmentation

    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    member = MembershipFactory(household=case.household, person__first_name="Sem")
    entry = grandmother(case, member, name="Buurvrouw <Ans>", relation=NetworkPerson.Relation.NEIGHBOUR)
    diagram = Diagram(
        groups=[ThemeGroup(theme=None, nodes=[]) for _ in range(8)],
        legend=[],
        fragmentation=Fragmentation(organisations=0, professionals=0, silos=0),
        address=case.household.address,
        members=[member],
        network=[entry],
    )
    diagram.layout = lay_out(diagram)
    svg = str(render_svg(diagram))
    # Escaped, and shortened like every name in the drawing (the network table on the page has it in full).
    assert "Netwerk (geen leden)" in svg and "Buurvrouw &lt;Ans&gt; — buurman of buur…" in svg
    assert svg.index("Sem") < svg.index("Netwerk (geen leden)")


def test_retention_and_an_access_request_cover_the_network(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    member = MembershipFactory(household=case.household)
    entry = grandmother(case, member)
    disclosure = person_disclosure(member.person)
    network_section = next(section for section in disclosure["sections"] if section["code"] == "network")
    [item] = network_section["items"]  # the grandmother, in the person's file
    assert item["key"] == f"network:{entry.pk}"
    case.involvements.update(is_coordinator=False)
    case.status, case.closed_on = "afgesloten", datetime.date(2025, 6, 1)
    case.save()
    cases_anonymise(case_ids=[case.pk])
    entry.refresh_from_db()
    assert entry.name == REDACTED and entry.relation_detail == ""
    assert not entry.history.exclude(name=REDACTED).exists()


def test_the_network_read_with_the_household_is_what_the_orm_reads(
    personas: Personas, django_assert_num_queries
) -> None:
    from cases.models import Household, Person
    from cases.views.pages import network_of, with_network_rows

    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    sem = MembershipFactory(household=case.household, person__first_name="Sem")
    ended = grandmother(case, sem, name="Opa Jansen")
    ended.end_date = ended.start_date
    ended.save()
    grandmother(case, sem, name="Buurvrouw Ans", relation=NetworkPerson.Relation.NEIGHBOUR)
    grandmother(case, sem)
    household = with_network_rows(Household.objects.filter(pk=case.household.pk)).get()
    with django_assert_num_queries(0):  # the persons come with the rows when the memberships are not at hand
        entries = network_of(household, [])
    expected = (
        NetworkPerson.objects.filter(household=case.household).select_related("related_to").order_by("name", "id")
    )
    assert [entry.name for entry in entries] == ["Buurvrouw Ans", "Oma Jansen", "Opa Jansen"]

    def fields(obj, model):  # type: ignore[no-untyped-def]
        return [getattr(obj, field.attname) for field in model._meta.concrete_fields if not field.generated]

    assert [fields(entry, NetworkPerson) for entry in entries] == [fields(entry, NetworkPerson) for entry in expected]
    assert [fields(entry.related_to, Person) for entry in entries] == [
        fields(entry.related_to, Person) for entry in expected
    ]
    assert [entry.get_relation_display() for entry in entries] == [entry.get_relation_display() for entry in expected]
    # With the memberships at hand, the member's own person object is the relation's.
    assert network_of(household, [sem])[0].related_to is sem.person
    plain = Household.objects.get(pk=case.household.pk)
    with django_assert_num_queries(1):  # a household read without its network reads it on its own
        assert [entry.pk for entry in network_of(plain, [])] == [entry.pk for entry in expected]
