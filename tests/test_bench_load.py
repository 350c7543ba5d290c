"""#17 item 4: the load test runs against a real gunicorn, stops by itself and checks what it did."""

import io

import pytest
from django.core.management import call_command

from cases.models import Contact
from privacy.models import AccessLogEntry
from tests.jobs.conftest import database_url_for_worker

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
