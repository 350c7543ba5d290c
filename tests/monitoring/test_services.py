import datetime
import threading

import pytest
from django.db import connection, connections
from django.db.models import Q
from django.utils import timezone

from cases.models import Case, CaseStatus, Contact, Involvement, LegalBasis, PlanVersion
from funding.models import Allocation, Silo
from monitoring.models import (
    CaseMonthSummary,
    CaseTiming,
    CoordinationMonthSummary,
    GoalMonthSummary,
    InstrumentMonthSummary,
    SummaryRun,
)
from monitoring.services import REFRESH_LOCK_KEY, ROLLUPS, SUMMARY_TABLES, summaries_refresh
from privacy import suppression
from tests.cases.factories import (
    ActionFactory,
    CaseFactory,
    ContactFactory,
    HouseholdFactory,
    InvolvementFactory,
    PlanVersionFactory,
)
from tests.funding.factories import AllocationFactory, StreamFactory
from tests.organisations.factories import NeighbourhoodFactory, OrganisationFactory, UserFactory

from .factories import generate_casework, generate_funding

pytestmark = pytest.mark.django_db


@pytest.fixture
def casework(db):
    cases = generate_casework(cases=40)
    generate_funding(cases)
    return cases


def months(start: datetime.date, end: datetime.date):
    month = start.replace(day=1)
    while month <= end:
        yield month
        month = (month + datetime.timedelta(days=32)).replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def table_contents() -> dict[str, list[tuple]]:
    """Every summary and roll-up table's rows, without their ids."""
    contents = {}
    with connection.cursor() as cursor:
        for table in SUMMARY_TABLES + tuple(rollup.table for rollup in ROLLUPS):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            columns = [c.name for c in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            # By repr: roll-up rows may hold None (the whole country), which does not compare with numbers.
            contents[table] = sorted((tuple(sorted((k, v) for k, v in r.items() if k != "id")) for r in rows), key=repr)
    return contents


def record_keys(household_ids: set[int], *, kind: str | None = None) -> dict[int, int]:
    """Each household's record key (salted for a kind of amount), read from PostgreSQL's hash."""
    salt = suppression.AMOUNT_SALTS[kind] if kind else 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT h, {suppression.record_key_sql('h', salt=salt)} FROM unnest(%(ids)s::bigint[]) AS t(h)",  # noqa: S608
            {"ids": sorted(household_ids), **suppression.cell_key_params()},
        )
        return dict(cursor.fetchall())


def test_casework_figures_match_an_independent_computation(casework):
    summaries_refresh(full=True)
    assert assert_casework_matches_reference() > 0


def assert_casework_matches_reference() -> int:
    """Check every casework row, and every cell without one, against a month-by-month count in Python;
    returns the number of households counted as stapeling."""
    total_stapeling = 0
    cases = Case.objects.select_related("household")
    keys = record_keys(set(cases.values_list("household_id", flat=True)))
    buurt_ids = set(cases.values_list("household__neighbourhood_id", flat=True))
    for buurt_id in buurt_ids:
        flows_to_date = [0, 0]  # the buurt's published inflow and outflow up to the month
        for month in months(datetime.date(2024, 1, 1), timezone.localdate()):
            end = month_end(month)
            active = cases.filter(household__neighbourhood_id=buurt_id, referred_on__lte=end).filter(
                Q(closed_on__isnull=True) | Q(closed_on__gte=month)
            )
            row = CaseMonthSummary.objects.filter(buurt_id=buurt_id, month=month).first()
            if not active.exists():
                assert row is None
                continue
            households = set(active.values_list("household_id", flat=True))
            assert row.active_cases == active.count()
            assert row.active_households == len(households)
            inflow = active.filter(referred_on__gte=month)
            outflow = active.filter(closed_on__lte=end)
            assert (row.inflow, row.outflow) == (inflow.count(), outflow.count())
            flows_to_date[0] += row.inflow + row.noise_inflow
            flows_to_date[1] += row.outflow + row.noise_outflow
            assert [row.inflow_to_date, row.outflow_to_date] == flows_to_date
            counted = {"stapeling": set(), "coordinated": set()}
            organisations = professionals = silos = 0
            for household_id in households:
                household_cases = active.filter(household_id=household_id)
                # An end date is the first day without the involvement.
                involvements = Involvement.objects.filter(case__in=household_cases, start_date__lte=end).filter(
                    Q(end_date__isnull=True) | Q(end_date__gt=month)
                )
                # Stapeling: silos of the household's allocations running in the month.
                allocated_silos = set(
                    Allocation.objects.filter(
                        household_id=household_id,
                        period_start__lte=end,
                        period_end__gte=month,
                        stream__silo__code__in=["wmo", "jeugdwet", "participatiewet"],
                    ).values_list("stream__silo__code", flat=True)
                )
                if len(allocated_silos) >= 2:
                    counted["stapeling"].add(household_id)
                involved = set(involvements.values_list("organisation_id", flat=True))
                organisations += len(involved)
                professionals += len(set(involvements.values_list("professional_id", flat=True)))
                silos += len(set(Silo.objects.filter(organisations__in=involved).values_list("pk", flat=True)))
                coordinators = set(
                    Involvement.objects.filter(case__in=household_cases, is_coordinator=True).values_list(
                        "professional_id", flat=True
                    )
                )
                recent_plan = PlanVersion.objects.filter(plan__case__in=household_cases, agreed_on__lte=end).filter(
                    agreed_on__gt=_six_months_before(end)
                )
                if len(coordinators) == 1 and recent_plan.exists():
                    counted["coordinated"].add(household_id)
            total_stapeling += len(counted["stapeling"])
            assert row.stapeling_households == len(counted["stapeling"])
            assert row.coordinated_households == len(counted["coordinated"])
            assert (row.sum_organisations, row.sum_professionals, row.sum_silos) == (
                organisations,
                professionals,
                silos,
            )
            # Each count's deviation comes from the record keys of what it counts (a case by its household's).
            for value, noise, contributors in (
                (row.active_cases, row.noise_active_cases, [c.household_id for c in active]),
                (row.inflow, row.noise_inflow, [c.household_id for c in inflow]),
                (row.outflow, row.noise_outflow, [c.household_id for c in outflow]),
                (row.active_households, row.noise_active_households, households),
                (row.coordinated_households, row.noise_coordinated_households, counted["coordinated"]),
                (row.stapeling_households, row.noise_stapeling_households, counted["stapeling"]),
            ):
                assert noise == suppression.cell_noise(value, sum(keys[h] for h in contributors))
    return total_stapeling


def test_casework_runs_merge_overlaps_gaps_and_households_of_several_cases(db):
    """The casework statement counts runs of months, not household-months: each way runs can meet."""
    buurt = NeighbourhoodFactory()
    organisation, other = OrganisationFactory(), OrganisationFactory()
    organisation.silos.set(Silo.objects.all()[:2])
    other.silos.set(Silo.objects.all()[1:3])
    anna, bert, carla = (UserFactory(organisation=o) for o in (organisation, organisation, other))

    def case(household, referred, closed=None, coordinator=anna):
        made = CaseFactory(
            household=household,
            referred_on=referred,
            status=CaseStatus.CLOSED if closed else CaseStatus.EXECUTION,
            closed_on=closed,
            coordinator=coordinator,
        )
        Involvement.objects.filter(case=made).update(start_date=referred)
        return made

    # Two overlapping cases with different coordinators, then a gap, then a third case.
    split = HouseholdFactory(neighbourhood=buurt)
    first = case(split, datetime.date(2025, 1, 20), datetime.date(2025, 5, 3))
    second = case(split, datetime.date(2025, 3, 2), datetime.date(2025, 4, 30), coordinator=carla)
    case(split, datetime.date(2025, 8, 1), coordinator=bert)
    PlanVersionFactory(plan=first.plan, agreed_on=datetime.date(2025, 2, 28))
    # The same organisation and professional twice in one month, overlapping and adjacent spells.
    InvolvementFactory(case=second, professional=anna, start_date=datetime.date(2025, 3, 5))
    for start, end in ((datetime.date(2025, 2, 1), datetime.date(2025, 3, 1)), (datetime.date(2025, 3, 1), None)):
        InvolvementFactory(case=first, professional=bert, start_date=start, end_date=end)
    # Two cases that share their coordinator; a plan agreed on a month's last day (the seventh month's edge).
    shared = HouseholdFactory(neighbourhood=buurt)
    case(shared, datetime.date(2024, 8, 5))
    later = case(shared, datetime.date(2024, 9, 15), datetime.date(2025, 3, 1))
    PlanVersionFactory(plan=later.plan, agreed_on=datetime.date(2024, 8, 31))
    # One case, a plan agreed on 31 January, an involvement that ends on the first of a month.
    single = HouseholdFactory(neighbourhood=buurt)
    alone = case(single, datetime.date(2024, 12, 12), datetime.date(2025, 9, 30))
    PlanVersionFactory(plan=alone.plan, agreed_on=datetime.date(2025, 1, 31))
    ended = datetime.date(2025, 6, 1)
    InvolvementFactory(case=alone, professional=bert, start_date=datetime.date(2025, 2, 14), end_date=ended)

    summaries_refresh(full=True)

    assert CaseMonthSummary.objects.filter(buurt=buurt).count() > 12
    assert CaseMonthSummary.objects.filter(buurt=buurt, coordinated_households__gt=0).exists()
    assert_casework_matches_reference()


def _six_months_before(day: datetime.date) -> datetime.date:
    """PostgreSQL's date - interval '6 months': same day number, clamped to the month's end."""
    month = day.month - 6
    year = day.year - 1 if month <= 0 else day.year
    month = month + 12 if month <= 0 else month
    last = month_end(datetime.date(year, month, 1)).day
    return datetime.date(year, month, min(day.day, last))


def test_goal_instrument_coordination_and_timing_figures_match_an_independent_computation(casework):
    summaries_refresh(full=True)
    # Coordination minutes: contacts of kind coordination or case conference, by the author's organisation kind.
    expected_minutes = {}
    for contact in Contact.objects.filter(kind__in=["coordination", "case_conference"]).select_related(
        "author_organisation", "case__household"
    ):
        key = (
            contact.case.household.neighbourhood_id,
            contact.occurred_on.replace(day=1),
            contact.author_organisation.kind_id,
        )
        expected_minutes[key] = expected_minutes.get(key, 0) + contact.minutes
    actual_minutes: dict[tuple[int, object, int], int] = {}
    for r in CoordinationMonthSummary.objects.all():  # one row per organisation: summed per kind
        key = (r.buurt_id, r.month, r.organisation_kind_id)
        actual_minutes[key] = actual_minutes.get(key, 0) + r.minutes
    assert actual_minutes == expected_minutes

    # Goals of the current (highest-numbered) plan version only.
    expected_goals = {}
    for case in Case.objects.select_related("household", "plan"):
        version = PlanVersion.objects.filter(plan__case=case).order_by("-number").first()
        if version is None:
            continue
        month = timezone.localtime(version.created_at).date().replace(day=1)
        for goal in version.goals.all():
            key = (case.household.neighbourhood_id, month, goal.theme_id)
            goals, achieved = expected_goals.get(key, (0, 0))
            expected_goals[key] = (goals + 1, achieved + (goal.status == "achieved"))
    actual_goals = {(r.buurt_id, r.month, r.theme_id): (r.goals, r.achieved) for r in GoalMonthSummary.objects.all()}
    assert actual_goals == expected_goals

    # Instruments: first against latest score of each person and domain measured twice or more.
    from cases.models import MeasurementScore

    expected_trend = {}
    pairs = set(MeasurementScore.objects.values_list("measurement__case_id", "measurement__person_id", "domain_id"))
    for case_id, person_id, domain_id in pairs:
        scores = list(
            MeasurementScore.objects.filter(
                measurement__case_id=case_id, measurement__person_id=person_id, domain_id=domain_id
            ).order_by("measurement__measured_on", "measurement_id")
        )
        if len(scores) < 2:
            continue
        latest = scores[-1].measurement
        key = (latest.case.household.neighbourhood_id, latest.measured_on.replace(day=1), domain_id)
        persons, first, last = expected_trend.get(key, (0, 0, 0))
        expected_trend[key] = (persons + 1, first + scores[0].score, last + scores[-1].score)
    actual_trend = {
        (r.buurt_id, r.month, r.domain_id): (r.persons, r.sum_first, r.sum_latest)
        for r in InstrumentMonthSummary.objects.all()
    }
    assert actual_trend == expected_trend

    # Days from referral to first contact and to the first agreed plan.
    for case in Case.objects.all():
        timing = CaseTiming.objects.get(case_id=case.pk)
        first_contact = Contact.objects.filter(case=case).order_by("occurred_on").first()
        assert timing.days_to_first_contact == (
            (first_contact.occurred_on - case.referred_on).days if first_contact else None
        )
        first_plan = PlanVersion.objects.filter(plan__case=case, agreed_on__isnull=False).order_by("agreed_on").first()
        assert timing.days_to_plan == ((first_plan.agreed_on - case.referred_on).days if first_plan else None)


def test_an_incremental_refresh_after_changes_equals_a_full_refresh(casework):
    summaries_refresh(full=True)
    # Changes of every kind after the first run: a closure, a new contact, a household moving buurt.
    changed = casework[0]
    Case.objects.filter(pk=changed.pk).update(status=CaseStatus.CLOSED, closed_on=datetime.date(2025, 11, 1))
    changed.refresh_from_db()
    changed.save()  # through the model, so the write history records it
    ContactFactory(case=casework[1], kind=Contact.Kind.COORDINATION, occurred_on=datetime.date(2025, 10, 3))
    mover = casework[2].household
    mover.neighbourhood = next(
        c.household.neighbourhood for c in casework if c.household.neighbourhood != mover.neighbourhood
    )
    mover.save()

    result = summaries_refresh()
    assert result.run.mode == SummaryRun.Mode.INCREMENTAL
    assert result.run.buurten > 0
    incremental = table_contents()
    summaries_refresh(full=True)
    assert table_contents() == incremental


def test_refreshing_twice_changes_nothing(casework):
    summaries_refresh(full=True)
    first = table_contents()
    summaries_refresh()
    assert table_contents() == first
    summaries_refresh(full=True)
    assert table_contents() == first
    assert SummaryRun.objects.finished().count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_refresh_does_nothing_while_another_holds_the_lock():
    holding = threading.Event()
    release = threading.Event()

    def hold_lock():
        with connections["default"].cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK_KEY])
            holding.set()
            release.wait(10)
            cursor.execute("COMMIT")
        connections["default"].close()

    thread = threading.Thread(target=hold_lock)
    thread.start()
    try:
        assert holding.wait(10)
        assert summaries_refresh(full=True).ran is False
        assert not SummaryRun.objects.exists()
    finally:
        release.set()
        thread.join()
    assert summaries_refresh(full=True).ran is True


def test_stapeling_counts_households_paid_from_two_of_the_three_silos_not_legal_bases(db):
    day = datetime.date(2025, 3, 10)
    paid = CaseFactory(referred_on=day)
    jeugd = StreamFactory(silo=Silo.objects.get(code="jeugdwet"))
    for stream, start in ((StreamFactory(), datetime.date(2025, 3, 1)), (jeugd, datetime.date(2025, 4, 1))):
        AllocationFactory(
            action=ActionFactory(case=paid), stream=stream, period_start=start, period_end=datetime.date(2025, 5, 31)
        )
    # Involvements under two laws, but nothing paid: no stapeling.
    grounds_only = CaseFactory(referred_on=day)
    for basis in (LegalBasis.WMO, LegalBasis.JEUGDWET):
        InvolvementFactory(case=grounds_only, legal_basis=basis, start_date=day)
    assert grounds_only.household.neighbourhood_id != paid.household.neighbourhood_id
    summaries_refresh(full=True)

    def stapeling(case, month):
        row = CaseMonthSummary.objects.get(buurt_id=case.household.neighbourhood_id, month=month)
        return row.stapeling_households

    assert stapeling(paid, datetime.date(2025, 3, 1)) == 0  # only Wmo running yet
    assert stapeling(paid, datetime.date(2025, 4, 1)) == 1
    assert stapeling(paid, datetime.date(2025, 6, 1)) == 0  # both ended
    assert stapeling(grounds_only, datetime.date(2025, 4, 1)) == 0


def _written_two_days_ago():
    """The generated casework was written well before the first run (a test is one transaction, so
    its history would otherwise look newer than that run's watermark)."""
    with connection.cursor() as cursor:
        for table in ("case", "involvement", "contact", "measurement", "caseconference", "action", "household"):
            cursor.execute(f"UPDATE cases_historical{table} SET history_date = history_date - interval '2 days'")  # noqa: S608
        cursor.execute("UPDATE cases_planversion SET created_at = created_at - interval '2 days'")
        cursor.execute("UPDATE funding_allocation SET created_at = created_at - interval '2 days'")
        cursor.execute("UPDATE funding_blockage SET opened_at = opened_at - interval '2 days'")
        cursor.execute("UPDATE funding_blockageevent SET at = at - interval '2 days'")


def test_new_contacts_alone_recompute_only_the_tables_that_read_contacts_and_still_equal_a_full_refresh(casework):
    _written_two_days_ago()
    summaries_refresh(full=True)
    ids_before = {}
    with connection.cursor() as cursor:
        for table in SUMMARY_TABLES:
            cursor.execute(f"SELECT array_agg(id ORDER BY id) FROM {table}")  # noqa: S608
            ids_before[table] = cursor.fetchone()[0]
    ContactFactory(case=casework[1], kind=Contact.Kind.COORDINATION, occurred_on=datetime.date(2025, 10, 3))
    ContactFactory(case=casework[5], kind=Contact.Kind.CASE_CONFERENCE, occurred_on=datetime.date(2025, 9, 1))

    result = summaries_refresh()
    assert result.run.mode == SummaryRun.Mode.INCREMENTAL
    assert result.run.buurten > 0
    rewritten = set()
    with connection.cursor() as cursor:
        for table in SUMMARY_TABLES:
            cursor.execute(f"SELECT array_agg(id ORDER BY id) FROM {table}")  # noqa: S608
            if cursor.fetchone()[0] != ids_before[table]:
                rewritten.add(table)
    assert rewritten == {"monitoring_coordinationmonthsummary", "monitoring_casetiming"}
    incremental = table_contents()
    summaries_refresh(full=True)
    assert table_contents() == incremental


def test_a_contact_moved_to_another_month_or_case_or_deleted_refreshes_both_old_and_new_keys(casework):
    _written_two_days_ago()
    summaries_refresh(full=True)
    coordination = list(Contact.objects.filter(kind__in=["coordination", "case_conference"]).order_by("pk")[:3])
    assert len(coordination) == 3
    moved_month, moved_case, deleted = coordination
    moved_month.occurred_on = moved_month.occurred_on.replace(day=1) - datetime.timedelta(days=40)
    moved_month.save()
    other = next(c for c in casework if c.household.neighbourhood_id != moved_case.case.household.neighbourhood_id)
    moved_case.case = other
    moved_case.save()
    deleted.delete()

    result = summaries_refresh()
    assert result.run.mode == SummaryRun.Mode.INCREMENTAL
    incremental = table_contents()
    summaries_refresh(full=True)
    assert table_contents() == incremental
