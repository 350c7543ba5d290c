"""Coordination time per named organisation (not only per organisation kind), suppressed like every aggregate."""

from collections import defaultdict

import pytest

from cases.models import Contact
from monitoring.dashboard import Filters, dashboard
from monitoring.models import CoordinationMonthSummary
from monitoring.services import summaries_refresh
from privacy.suppression import HIDDEN, threshold
from tests.organisations.factories import DistrictFactory, NeighbourhoodFactory

from .factories import generate_casework

pytestmark = pytest.mark.django_db


@pytest.fixture
def casework(db):
    buurten = [NeighbourhoodFactory(parent=DistrictFactory()) for _ in range(3)]
    generate_casework(cases=70, buurten=buurten, seed=5)
    summaries_refresh(full=True)
    return buurten


def test_coordination_minutes_per_named_organisation_match_the_contacts_and_are_suppressed(casework) -> None:
    minutes: dict[str, int] = defaultdict(int)
    household_months: dict[str, set[tuple[int, object, int]]] = defaultdict(set)
    for contact in Contact.objects.filter(kind__in=["coordination", "case_conference"]).select_related(
        "author_organisation", "case__household"
    ):
        name = contact.author_organisation.name
        minutes[name] += contact.minutes
        household_months[name].add(
            (contact.case.household.neighbourhood_id, contact.occurred_on.replace(day=1), contact.case.household_id)
        )
    # What may be published: each summary row's households plus its cell-key deviation (docs/suppression.md).
    published: dict[str, int] = defaultdict(int)
    minutes_noise: dict[str, int] = defaultdict(int)
    for row in CoordinationMonthSummary.objects.values(
        "organisation__name", "households", "noise_households", "noise_minutes"
    ):
        published[row["organisation__name"]] += row["households"] + row["noise_households"]
        minutes_noise[row["organisation__name"]] += row["noise_minutes"]
    board = dashboard(scope=None, filters=Filters(municipality_id=casework[0].municipality_id))
    shown = {row["name"]: row for row in board.coordination_by_organisation}
    assert set(shown) == set(minutes)
    hidden = 0
    for name, row in shown.items():
        exact = sum(1 for _ in household_months[name])
        assert exact == sum(
            CoordinationMonthSummary.objects.filter(organisation__name=name).values_list("households", flat=True)
        )
        if published[name] < threshold():
            assert str(row["minutes"]) == HIDDEN and row["minutes"].value is None
            hidden += 1
        else:
            assert row["households"].value == published[name]
            # Minutes are published with each household's deviation (privacy.suppression.magnitude_noise).
            assert row["minutes"].value == minutes[name] + minutes_noise[name]
    assert len(shown) > 1
    assert any(minutes_noise.values())


def test_the_roll_up_gives_the_same_figures_per_organisation(casework) -> None:
    filters = Filters(municipality_id=casework[0].municipality_id)
    rolled = dashboard(scope=None, filters=filters).coordination_by_organisation
    assert rolled == dashboard(scope=None, filters=filters, rollups=False).coordination_by_organisation


def test_organisations_of_one_name_in_several_municipalities_are_one_line_summed_by_ids_first(db) -> None:
    """The national table is read summed by organisation id and then by name (``summed``): organisations of the
    same kind and name in two municipalities stay one line, as when the rows were grouped by name at once."""
    import datetime

    from django.db.models import F, Sum

    from monitoring.models import CoordinationMonthRollup
    from monitoring.querysets import ORGANISATION, ORGANISATION_KIND
    from tests.organisations.factories import MunicipalityFactory, OrganisationFactory

    month = datetime.date(2026, 1, 1)
    elsewhere = MunicipalityFactory(code="GM0997", name="Gemeente Verderop")
    same = [
        OrganisationFactory(name="Buurtteam Zorg"),
        OrganisationFactory(name="Buurtteam Zorg", municipality=elsewhere),
    ]
    other = OrganisationFactory(name="Anders")
    for organisation, households in ((same[0], 4), (same[1], 3), (other, 9)):
        for offset in range(2):
            CoordinationMonthRollup.objects.create(
                municipality_id=organisation.municipality_id,
                month=month.replace(month=1 + offset),
                organisation_kind_id=organisation.kind_id,
                organisation=organisation,
                minutes=60,
                contacts=2,
                households=households,
                noise_households=1,
                noise_minutes=-5,
            )
    rows = CoordinationMonthRollup.objects.all().summed(
        [ORGANISATION_KIND, ORGANISATION],
        ["organisation_kind__order", "organisation__name"],
        minutes_n=Sum(F("minutes") + F("noise_minutes")),
        households=Sum(F("households") + F("noise_households")),
    )
    assert [(row["organisation__name"], row["households"], row["minutes_n"]) for row in rows] == [
        ("Anders", 20, 110),
        ("Buurtteam Zorg", 18, 220),
    ]
    assert all(type(row["households"]) is int for row in rows)  # not the Decimal a sum of sums is
