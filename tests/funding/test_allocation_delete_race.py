"""An allocation is never deleted from under its spend, not even while an import commits spend to it.

The spend table has no foreign-key triggers (a million rows must load fast, ``Spend``): the import locks the
allocations it books on (FOR KEY SHARE) and Django's PROTECT guards deletes. But PROTECT looks for spend
before it deletes: an allocation deleted in the admin while an import had written, and not yet committed,
spend on it passed that look, waited for the import's lock, and was deleted once the import committed. The
spend it left pointed at no allocation: euros in the audit that no household, action or stream explains.
"""

import threading
import time

import psycopg
import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from funding import spend_import
from funding.models import Allocation, Spend, SpendImport
from tests.funding.factories import AllocationFactory, SpendFactory, StreamFactory
from tests.organisations.factories import TeamMembershipFactory, UserFactory
from wijkteam.database_logins import owner_keywords


def _orphans() -> int:
    return Spend.objects.exclude(allocation_id__in=Allocation.objects.values("id")).count()


def _a_delete_waits_for_a_lock(timeout: float = 20) -> bool:
    # As the owner: the application's role does not see other sessions' statements.
    with psycopg.connect(**owner_keywords(), autocommit=True) as observer:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            waiting = observer.execute(
                """SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE %s""",
                ['DELETE FROM "funding_allocation"%'],
            ).fetchone()
            if waiting and waiting[0]:
                return True
            time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("screen", ["delete page", "bulk action"])
def test_an_allocation_deleted_in_the_admin_while_an_import_books_on_it_stays_with_its_spend(log_in, screen) -> None:
    with transaction.atomic():  # the case's coordinator is checked at commit
        allocation = AllocationFactory(reference="AL-000000001", stream=StreamFactory(code="WMO-BEG-2025"))
    record = spend_import.spend_import_create(
        filename="uitgaven.csv", content=b"allocation_reference,month,amount\nAL-000000001,2025-03,75.00\n", by=None
    )
    # The admin lists only what the policy lets its user see: a superuser in the case's team.
    superuser = UserFactory(is_staff=True, is_superuser=True)
    TeamMembershipFactory(team=allocation.action.case.team, user=superuser)
    admin: Client = log_in(superuser)
    written, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def hold_open(insert) -> None:  # the import's transaction, kept open after its insert
        with transaction.atomic():
            insert()
            written.set()
            release.wait(timeout=30)

    def run_import() -> None:
        try:
            outcome["import"] = spend_import.spend_import_run(record.pk, commit=hold_open)
        finally:
            written.set()
            connection.close()

    def delete_in_admin() -> None:
        try:
            if screen == "delete page":
                url = reverse("admin:funding_allocation_delete", args=[allocation.pk])
                outcome["delete"] = admin.post(url, {"post": "yes"})
            else:
                url = reverse("admin:funding_allocation_changelist")
                body = {"action": "delete_selected", "_selected_action": [allocation.pk], "post": "yes"}
                outcome["delete"] = admin.post(url, body)
        finally:
            connection.close()

    importer = threading.Thread(target=run_import)
    importer.start()
    assert written.wait(timeout=30)
    deleter = threading.Thread(target=delete_in_admin)
    deleter.start()
    try:
        # The admin found no spend (the import has not committed) and now waits for the import's lock.
        assert _a_delete_waits_for_a_lock(), outcome
    finally:
        release.set()
        importer.join(timeout=30)
        deleter.join(timeout=30)

    imported = outcome["import"]
    assert isinstance(imported, SpendImport) and imported.status == SpendImport.Status.IMPORTED
    assert _orphans() == 0
    assert Allocation.objects.filter(pk=allocation.pk).exists()
    response = outcome["delete"]
    # The admin says why, on the allocation's page, rather than failing with a server error.
    assert response.status_code == 302, response
    if screen == "delete page":
        assert response.url == reverse("admin:funding_allocation_change", args=[allocation.pk])
        message = "De toewijzing is niet verwijderd: er is intussen een uitgave op geboekt."
    else:
        assert response.url == reverse("admin:funding_allocation_changelist")
        message = "Er is geen toewijzing verwijderd: er is intussen een uitgave op een ervan geboekt."
    assert message in admin.get(response.url).content.decode()
    # Nor is the deletion in the admin's history: it was rolled back with the delete.
    assert not LogEntry.objects.filter(object_id=str(allocation.pk), action_flag=DELETION).exists()


@pytest.mark.django_db
def test_the_database_refuses_to_delete_an_allocation_with_spend_whatever_deletes_it() -> None:
    spend = SpendFactory()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM funding_allocation WHERE id = %s", [spend.allocation_id])
    assert Allocation.objects.filter(pk=spend.allocation_id).exists()


@pytest.mark.django_db
def test_an_allocation_without_spend_can_still_be_deleted() -> None:
    allocation = AllocationFactory()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM funding_allocation WHERE id = %s", [allocation.pk])
    assert not Allocation.objects.filter(pk=allocation.pk).exists()
