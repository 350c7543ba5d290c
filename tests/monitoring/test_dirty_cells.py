"""Incremental refresh by (buurt, month) cells: contact writes mark the cells they touch, the refresh
recomputes only those, and the result equals a full refresh (issue 17, item 3)."""

import datetime
import random
import threading

import pytest
from django.db import connection, connections, transaction

from cases.models import Case, Contact
from monitoring.dashboard import Filters, dashboard
from monitoring.models import DirtyCell, SummaryRun
from monitoring.services import summaries_refresh
from tests.cases.factories import ContactFactory

from .factories import generate_casework, generate_funding
from .test_services import _written_two_days_ago, table_contents

pytestmark = pytest.mark.django_db


@pytest.fixture
def casework(db):
    cases = generate_casework(cases=40)
    generate_funding(cases)
    _written_two_days_ago()
    return cases


def cells() -> set[tuple[int, datetime.date, bool]]:
    """The marked cells: (buurt, month, True) for coordination minutes, (buurt, month, False) for timing."""
    return set(DirtyCell.objects.values_list("buurt_id", "month", "coordination"))


def month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def shown(municipality_id: int | None = None) -> dict:
    """Everything the dashboard shows of the whole country or one municipality (not its freshness)."""
    board = dashboard(scope=None, filters=Filters(municipality_id=municipality_id))
    return {
        "figures": board.key_figures(),
        "trend": board.trend,
        "neighbourhoods": board.neighbourhoods,
        "coordination": board.coordination,
        "coordination_by_organisation": board.coordination_by_organisation,
        "timing": board.timing,
    }


def test_a_contact_write_marks_its_cells_in_the_same_transaction_and_a_note_edit_marks_none(casework):
    DirtyCell.objects.all().delete()
    case = casework[3]
    buurt = case.household.neighbourhood_id
    contact = ContactFactory(case=case, kind=Contact.Kind.COORDINATION, occurred_on=datetime.date(2025, 12, 3))
    # Coordination minutes of the contact's month, and the timing of the case's referral month.
    assert cells() == {(buurt, datetime.date(2025, 12, 1), True), (buurt, month(case.referred_on), False)}

    DirtyCell.objects.all().delete()
    contact.note = "Edited note"
    contact.save()
    assert cells() == set()

    phone = ContactFactory(case=case, kind=Contact.Kind.PHONE, occurred_on=datetime.date(2025, 12, 4))
    assert cells() == {(buurt, month(case.referred_on), False)}  # a phone call feeds timing only
    DirtyCell.objects.all().delete()
    phone.delete()
    assert cells() == {(buurt, month(case.referred_on), False)}


def test_after_random_contact_writes_an_incremental_refresh_equals_a_full_one_and_touches_only_cells(casework):
    summaries_refresh(full=True)
    assert cells() == set()  # a full refresh takes every cell
    rollup_ids = set(connection.cursor().execute("SELECT id FROM monitoring_casemonthrollup").fetchall())
    rng = random.Random(17)
    authors = list(Contact.objects.values_list("author_id", "author_organisation_id").distinct().order_by("author_id"))
    cases = list(Case.objects.order_by("pk"))
    kinds = [Contact.Kind.COORDINATION, Contact.Kind.CASE_CONFERENCE, Contact.Kind.PHONE, Contact.Kind.HOME_VISIT]
    for _ in range(40):
        action = rng.random()
        existing = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
        if action < 0.5:
            case = rng.choice(cases)
            author, organisation = rng.choice(authors)
            ContactFactory(
                case=case,
                author_id=author,
                author_organisation_id=organisation,
                kind=rng.choice(kinds),
                minutes=rng.randrange(5, 120),
                occurred_on=case.referred_on + datetime.timedelta(days=rng.randrange(0, 200)),
            )
        elif action < 0.85:
            contact = Contact.objects.get(pk=rng.choice(existing))
            change = rng.randrange(4)
            if change == 0:
                contact.occurred_on -= datetime.timedelta(days=rng.randrange(20, 60))
            elif change == 1:
                contact.case = rng.choice(cases)
            elif change == 2:
                contact.kind = rng.choice(kinds)
            else:
                contact.minutes += rng.randrange(1, 30)
            contact.save()
        else:
            Contact.objects.filter(pk=rng.choice(existing)).delete()
    assert cells()

    result = summaries_refresh()
    assert result.run.mode == SummaryRun.Mode.INCREMENTAL
    assert cells() == set()
    # Only cells were recomputed: the casework roll-up (which no contact feeds) was not rebuilt.
    assert set(connection.cursor().execute("SELECT id FROM monitoring_casemonthrollup").fetchall()) == rollup_ids
    incremental = table_contents()
    municipalities = sorted({c.household.neighbourhood.municipality_id for c in cases})
    incremental_shown = [shown(None)] + [shown(m) for m in municipalities]

    summaries_refresh(full=True)
    assert table_contents() == incremental
    assert [shown(None)] + [shown(m) for m in municipalities] == incremental_shown


@pytest.mark.django_db(transaction=True)
def test_a_refresh_leaves_a_cell_another_transaction_still_holds_for_the_next_run():
    with transaction.atomic():  # the coordinator rule is checked at commit
        cases = generate_casework(cases=6)
    summaries_refresh(full=True)
    ContactFactory(case=cases[0], kind=Contact.Kind.COORDINATION, occurred_on=datetime.date(2025, 11, 5))
    marked = cells()
    held = threading.Event()
    release = threading.Event()

    def hold_cells():
        # A transaction that has the cells' rows locked (as a second refresh claiming them would).
        with connections["default"].cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT id FROM monitoring_dirtycell FOR UPDATE")
            held.set()
            release.wait(10)
            cursor.execute("ROLLBACK")
        connections["default"].close()

    thread = threading.Thread(target=hold_cells)
    thread.start()
    try:
        assert held.wait(10)
        assert summaries_refresh().ran is True  # not blocked: it skips the locked rows
        assert cells() == marked
    finally:
        release.set()
        thread.join()
    summaries_refresh()
    assert cells() == set()
