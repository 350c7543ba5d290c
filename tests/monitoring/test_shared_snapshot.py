"""A full refresh computes some statements on a second connection that shares its snapshot."""

import pytest
from django.db import DatabaseError, connection, transaction

from monitoring import services
from monitoring.models import CoordinationMonthSummary, InstrumentMonthSummary, SummaryRun
from monitoring.services import summaries_refresh
from monitoring.shared_snapshot import SharedSnapshot
from monitoring.tasks import refresh_summaries

from .factories import generate_casework, generate_funding
from .test_services import table_contents


def committed_casework(cases: int) -> None:
    """Casework committed, as a second connection needs it (a case and its coordinator in one transaction)."""
    with transaction.atomic():
        generate_funding(generate_casework(cases=cases))


@pytest.fixture
def shared_runs(monkeypatch: pytest.MonkeyPatch) -> list[SharedSnapshot]:
    """The second connections the refreshes started."""
    started: list[SharedSnapshot] = []
    start = SharedSnapshot.start

    def spy(self: SharedSnapshot) -> None:
        started.append(self)
        start(self)

    monkeypatch.setattr(SharedSnapshot, "start", spy)
    return started


@pytest.mark.django_db(transaction=True)
def test_the_statements_shared_with_a_second_connection_give_the_rows_one_connection_gives(shared_runs, settings):
    committed_casework(30)
    summaries_refresh(full=True)
    assert len(shared_runs) == 1
    assert [result.table for result in shared_runs[0].results] == [
        "monitoring_instrumentmonthsummary",
        "monitoring_coordinationmonthsummary",
        "monitoring_casetiming",
        "monitoring_fundingmonthsummary",
    ]
    assert InstrumentMonthSummary.objects.exists() and CoordinationMonthSummary.objects.exists()
    shared = table_contents()

    settings.WIJKTEAM_SUMMARY_CONNECTIONS = 1
    summaries_refresh(full=True)
    assert len(shared_runs) == 1
    assert table_contents() == shared


@pytest.mark.django_db(transaction=True)
def test_the_worker_task_shares_its_transaction_holds_only_the_claim(shared_runs):
    committed_casework(5)
    refresh_summaries.apply(kwargs={"full": True}).get()
    assert len(shared_runs) == 1
    assert SummaryRun.objects.finished().count() == 1


@pytest.mark.django_db
def test_the_task_run_inside_another_transaction_does_not_share(shared_runs):
    generate_casework(cases=5)
    refresh_summaries.apply(kwargs={"full": True}).get()
    assert shared_runs == []
    assert InstrumentMonthSummary.objects.exists()


@pytest.mark.django_db
def test_rows_this_transaction_wrote_are_counted_so_the_work_is_not_shared(shared_runs):
    """A second connection cannot see rows this transaction has not committed (here: every test row)."""
    cases = generate_casework(cases=20)
    summaries_refresh(full=True)
    assert shared_runs == []
    assert CoordinationMonthSummary.objects.exists()
    assert InstrumentMonthSummary.objects.exists()
    assert len({case.household.neighbourhood_id for case in cases}) > 1


@pytest.mark.django_db(transaction=True)
def test_a_failure_on_the_second_connection_undoes_the_whole_refresh(shared_runs, monkeypatch):
    committed_casework(10)
    summaries_refresh(full=True)
    before = table_contents()
    statements = services._summary_statements()
    broken = dict(statements, coordination=statements["coordination"].replace("sum(k.minutes)", "sum(k.no_such)"))
    monkeypatch.setattr(services, "_summary_statements", lambda: broken)

    with pytest.raises(DatabaseError, match="no_such"):
        summaries_refresh(full=True)

    assert table_contents() == before
    assert SummaryRun.objects.finished().count() == 1
    assert len(shared_runs) == 2
    # The second connection is gone: nothing of it is left on the server.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend' AND query ILIKE '%%COPY%%'"
        )
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_a_failure_on_the_refresh_s_own_connection_stops_the_second_one(shared_runs, monkeypatch):
    committed_casework(10)
    summaries_refresh(full=True)
    before = table_contents()
    statements = services._summary_statements()
    broken = dict(statements, casework=statements["casework"].replace("c.referred_on", "c.no_such", 1))
    monkeypatch.setattr(services, "_summary_statements", lambda: broken)

    with pytest.raises(DatabaseError, match="no_such"):
        summaries_refresh(full=True)

    assert not shared_runs[-1]._thread.is_alive()
    assert all(result.rows.closed for result in shared_runs[-1].results)
    assert table_contents() == before
