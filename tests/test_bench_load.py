"""#17 item 4: the load test runs against a real gunicorn, stops by itself and checks what it did."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from cases.models import Case, Contact
from organisations.models import Role, Team, TeamMembership
from privacy.models import AccessLogEntry
from tests.jobs.conftest import database_url_for_worker
from wijkteam.management.commands.bench_load import Command

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.database_owner]


def test_the_load_test_runs_the_mix_stops_at_its_budget_and_finds_every_write_and_read(monkeypatch) -> None:
    call_command("seed_demo", "--scale", "demo", stdout=io.StringIO())
    monkeypatch.setenv("DATABASE_URL", database_url_for_worker())
    before = AccessLogEntry.objects.count()
    out = io.StringIO()
    call_command("bench_load", "--clients", "8", "--requests", "48", "--seconds", "120", "--workers", "2", stdout=out)
    report = out.getvalue()
    assert "8 concurrent client(s): 48 requests" in report  # the budget, exactly
    for label in ("caseload", "team caseload", "household", "contact post", "api cases", "dashboard"):
        assert f"  {label} " in report, report
    assert ", 0 errors" in report
    posted = Contact.objects.filter(note__startswith="[bench_load]").count()
    assert posted > 0 and f"{posted} contacts posted, {posted} stored, 0 missing or doubled" in report
    assert AccessLogEntry.objects.count() > before


def test_a_busiest_team_without_a_lead_takes_the_lead_of_another_team() -> None:
    """The scale seeds give only the demo team a lead; the load test still runs a team lead's caseload."""
    call_command("seed_demo", "--scale", "demo", stdout=io.StringIO())
    busiest = Case.objects.values("team_id").annotate(n=Count("pk")).order_by("-n", "team_id").first()
    other = Team.objects.exclude(pk=busiest["team_id"]).order_by("pk").first()
    moved = TeamMembership.objects.filter(team_id=busiest["team_id"], user__role=Role.TEAM_LEAD).update(team=other)
    assert moved and not TeamMembership.objects.filter(team_id=busiest["team_id"], user__role=Role.TEAM_LEAD).exists()
    personas = Command()._personas(8)
    assert {persona.kind for persona in personas} == {"professional", "api", "team lead", "bureau"}
    [lead] = [persona.user for persona in personas if persona.kind == "team lead"]
    assert lead.role == Role.TEAM_LEAD
