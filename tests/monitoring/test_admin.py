"""The monitoring models in the admin: summaries read-only and for superusers; no row ids of cases or blockages."""

import pytest
from django.urls import reverse

from monitoring.models import BlockageFact, CaseTiming
from monitoring.services import summaries_refresh
from tests.organisations.factories import UserFactory

from .factories import generate_casework, generate_funding

pytestmark = pytest.mark.django_db

SUMMARIES = [
    "casemonthsummary",
    "goalmonthsummary",
    "instrumentmonthsummary",
    "coordinationmonthsummary",
    "casetiming",
    "fundingmonthsummary",
    "blockagefact",
]


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("model", [*SUMMARIES, "summaryrun", "precisionreview"])
def test_a_superuser_reads_the_monitoring_models_but_cannot_add_or_change_them(log_in, superuser, model):
    generate_funding(generate_casework(cases=12))
    summaries_refresh(full=True)
    client = log_in(superuser)
    assert client.get(reverse(f"admin:monitoring_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:monitoring_{model}_add")).status_code == 403


def test_fact_rows_in_the_admin_show_no_case_blockage_or_household_id(log_in, superuser):
    generate_funding(generate_casework(cases=12))
    summaries_refresh(full=True)
    client = log_in(superuser)
    timing = CaseTiming.objects.first()
    page = client.get(reverse("admin:monitoring_casetiming_change", args=[timing.pk])).content.decode()
    assert 'name="case_id"' not in page and "Case id" not in page
    fact = BlockageFact.objects.first()
    page = client.get(reverse("admin:monitoring_blockagefact_change", args=[fact.pk])).content.decode()
    assert "Blockage id" not in page and "Household id" not in page


@pytest.mark.parametrize("model", SUMMARIES)
def test_the_functional_administrator_does_not_see_the_unsuppressed_summaries(personas, log_in, model):
    response = log_in(personas.administrator).get(reverse(f"admin:monitoring_{model}_changelist"))
    assert response.status_code == 403
