"""The monitoring benchmark command (``manage.py bench_monitoring``, ``make bench``)."""

import re
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.models import Contact
from monitoring.models import SummaryRun
from tests.organisations.factories import DistrictFactory, NeighbourhoodFactory

from .factories import generate_casework

pytestmark = pytest.mark.django_db


@pytest.fixture
def casework(personas):
    wijk = DistrictFactory(municipality=personas.team_a.municipality)
    buurten = [NeighbourhoodFactory(parent=wijk) for _ in range(4)]
    generate_casework(cases=40, buurten=buurten)
    return buurten


def test_it_measures_a_full_and_an_incremental_refresh_and_every_dashboard_variant(personas, casework):
    contacts = Contact.objects.count()
    out = StringIO()
    call_command("bench_monitoring", runs=2, warmup=0, contacts=5, stdout=out)
    report = out.getvalue()
    assert re.search(r"\(a\) full refresh: [\d.]+ s \(4 neighbourhoods, [\d,]+ rows\)", report)
    assert re.search(r"\(b\) incremental refresh after 5 contacts .*: [\d.]+ s, incremental over [1-4] neighb", report)
    for variant in ("no filter", "municipality", "area", "theme", "period", "print"):
        assert re.search(rf"{variant} +median +[\d.]+ ms +p95 +[\d.]+ ms +\(best +[\d.]+ ms\) +\d+ queries", report)
    # The full refresh stays; the contacts, the incremental run and the login are rolled back.
    assert Contact.objects.count() == contacts
    assert list(SummaryRun.objects.values_list("mode", flat=True)) == [SummaryRun.Mode.FULL]
    assert not Session.objects.exists()


def test_it_needs_enough_open_cases_for_the_contacts_it_is_asked_to_write(personas, casework):
    with pytest.raises(CommandError, match="open cases with a coordinator"):
        call_command("bench_monitoring", runs=1, warmup=0, contacts=10_000, stdout=StringIO())


def test_it_refuses_to_measure_with_debug_on(personas, casework, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("bench_monitoring", stdout=StringIO())
