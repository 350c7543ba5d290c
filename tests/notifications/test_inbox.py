"""The inbox: one's own notifications only, mark as read, the header's count."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notifications_deliver
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def _notify(user, text: str, subject_id: int) -> Notification:
    return Notification.objects.create(
        recipient=user, kind=Notification.Kind.BLOCKAGE_ESCALATED, text=text, link="/x/", subject_id=subject_id
    )


def test_the_inbox_shows_only_ones_own_notifications_in_dutch(log_in, personas: Personas) -> None:
    _notify(personas.bureau, "Knelpunt WT-1 ligt nu bij het programmabureau", 1)
    _notify(personas.auditor, "Knelpunt WT-2 voor een ander", 2)
    html = log_in(personas.bureau).get(reverse("notifications:inbox"), headers={"Accept-Language": "nl"})
    text = html.content.decode()
    assert "WT-1" in text and "WT-2" not in text
    assert "Meldingen" in text and "Markeer als gelezen" in text


def test_mark_as_read_and_the_count(log_in, personas: Personas) -> None:
    mine = _notify(personas.bureau, "Knelpunt WT-1", 1)
    _notify(personas.bureau, "Knelpunt WT-3", 3)
    client = log_in(personas.bureau)
    assert ">2<" in client.get(reverse("notifications:count")).content.decode()
    response = client.post(reverse("notifications:mark_read", args=[mine.uuid]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert ">1<" in client.get(reverse("notifications:count")).content.decode()
    client.post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.unread().exists()
    assert ">" + "0" + "<" not in client.get(reverse("notifications:count")).content.decode()


def test_another_users_notification_is_not_found(log_in, personas: Personas) -> None:
    theirs = _notify(personas.auditor, "Knelpunt WT-2", 2)
    response = log_in(personas.bureau).post(reverse("notifications:mark_read", args=[theirs.uuid]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_header_loads_the_count(log_in, personas: Personas) -> None:
    html = log_in(personas.bureau).get(reverse("notifications:inbox")).content.decode()
    assert f'hx-get="{reverse("notifications:count")}"' in html


def test_delivering_twice_notifies_once(personas: Personas, blockage_event) -> None:
    assert notifications_deliver(kind="blockage_escalated", subject_id=blockage_event.pk) == 1
    notifications_deliver(kind="blockage_escalated", subject_id=blockage_event.pk)
    assert Notification.objects.count() == 1


def test_the_inbox_page_reads_in_constant_queries(log_in, personas: Personas, django_assert_max_num_queries) -> None:
    client = log_in(personas.bureau)
    _notify(personas.bureau, "a", 1)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("notifications:inbox"))
    for n in range(2, 30):
        _notify(personas.bureau, "b", n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("notifications:inbox"))


@pytest.fixture
def blockage_event(personas: Personas):
    from funding.models import BlockageEvent
    from funding.services import blockage_escalate
    from tests.cases.factories import ActionFactory, CaseFactory
    from tests.funding.factories import BlockageFactory

    blockage = BlockageFactory(action=ActionFactory(case=CaseFactory(team=personas.team_a)))
    blockage_escalate(blockage=blockage, by=personas.professional, note="")
    return BlockageEvent.objects.get(blockage=blockage, kind="escalated")
