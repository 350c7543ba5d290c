"""The differencing attacker on the demo seed (issue 13 item 7): no combination of the bureau's views gives back
a withheld figure. The attacker itself is ``monitoring/differencing.py`` (what it reads, the routes it tries,
when a value counts as recovered); ``manage.py attack_differencing`` (``make attack``) runs it on a larger seed.

The data: the demo seed by default; ``WIJKTEAM_ATTACK_SEED=municipality:0.02`` (a scale and a fraction) runs the
same attack on a proportional miniature of a larger scale.
"""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from monitoring.dashboard import Filters, dashboard
from monitoring.differencing import run_audit_attack, run_dashboard_attack
from monitoring.services import summaries_refresh
from organisations.models import Area, Role, User

pytestmark = pytest.mark.django_db

ATTACK_SEED = os.environ.get("WIJKTEAM_ATTACK_SEED", "demo")


def _seed() -> None:
    scale, _sep, fraction = ATTACK_SEED.partition(":")
    args = ["--scale", scale, "--seed", "2026"] + (["--fraction", fraction] if fraction else [])
    with connection.cursor() as cursor:
        # The seed drops and rebuilds indexes, which only the owner may (as `make seed` does); the
        # attack itself runs as the application role again.
        cursor.execute("SET LOCAL ROLE NONE")
        call_command("seed_demo", *args, stdout=io.StringIO())
        cursor.execute("SELECT set_config('role', %s, true)", [settings.WIJKTEAM_DATABASE_APP_ROLE])
    summaries_refresh(full=True)


def _api_publishes_the_dashboards_figures(client: Any) -> None:
    """The attacker reads the figures from ``dashboard``; the API (and the screen) publish the same ones."""
    wijk = Area.objects.filter(kind=Area.Kind.DISTRICT).order_by("code").first()
    assert wijk is not None
    api = client.get(reverse("api:report-programme-list"), {"municipality": wijk.municipality.code, "area": wijk.code})
    assert api.status_code == 200
    board = dashboard(scope=None, filters=Filters(municipality_id=wijk.municipality_id, area_id=wijk.pk))
    body = api.json()
    assert [row["inflow"]["display"] for row in body["neighbourhoods"]] == [
        str(entry["inflow"]) for entry in board.neighbourhoods
    ]
    assert [row["inflow"]["display"] for row in body["trend"]] == [str(row["inflow"]) for row in board.trend]


def test_no_combination_of_the_dashboards_views_recovers_a_withheld_figure(log_in):
    """Counts, money, minutes and blockages: every view of the dashboard and its API, read once."""
    _seed()
    bureau = User.objects.get(username="demo-bureau")
    lead = User.objects.get(username="demo-lead")
    assert bureau.role == Role.PROGRAMME_BUREAU and lead.role == Role.TEAM_LEAD
    _api_publishes_the_dashboards_figures(log_in(bureau))
    result = run_dashboard_attack(lead=lead)
    print("\n" + result.summary(f"dashboard attack on {ATTACK_SEED}"))  # the figures the issue asks to be shown
    assert result.views > 200 and result.targets > 1000
    assert result.pairs > 0 and result.triples > 0 and result.covers > 0
    assert {"inflow", "households", "goals", "allocated", "spent", "minutes", "euros_stuck"} <= result.attacked
    assert result.inconsistent == 0
    assert result.recovered == []


def test_no_combination_of_the_bureaus_funding_audit_views_recovers_a_withheld_figure():
    """Households, blocked, money and the Iv3 taakvelden: every view of the audit, read once."""
    _seed()
    result = run_audit_attack(bureau=User.objects.get(username="demo-bureau"))
    print("\n" + result.summary(f"funding-audit attack on {ATTACK_SEED}"))
    assert result.views > 50 and result.targets > 1000 and result.pairs > 0
    assert {"households", "blocked", "allocated", "iv3_households", "iv3_spent"} <= result.attacked
    assert result.inconsistent == 0
    assert result.recovered == []
