"""Issue #12, finding 5: eight parallel POSTs of the same involvement made five active ones.

The requests run at once on threads, each with its own database connection
(a transactional test, nothing wrapped in one outer transaction), released
together by a barrier. Exactly one involvement is created; the others get a
clear 400 JSON on the professional field. The database itself refuses a
second open involvement of the same professional in the same case.
"""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.services import api_token_create
from cases.models import Involvement
from organisations.models import Role
from tests.cases.factories import CaseFactory, InvolvementFactory
from tests.organisations.factories import TeamFactory, TeamMembershipFactory

PARALLEL = 8


@pytest.mark.django_db(transaction=True)
def test_eight_parallel_posts_make_one_involvement_and_seven_clear_refusals() -> None:
    team = TeamFactory()
    coordinator = TeamMembershipFactory(team=team).user
    colleague = TeamMembershipFactory(team=team, user__role=Role.PROFESSIONAL).user
    with transaction.atomic():
        case = CaseFactory(team=team, coordinator=coordinator)
    token = api_token_create(by=coordinator, name="race", expires_on=timezone.localdate() + datetime.timedelta(days=5))
    body = {
        "case": str(case.uuid),
        "professional": str(colleague.uuid),
        "role": Involvement.Role.SPECIALIST,
        "legal_basis": "consent",
    }
    barrier = threading.Barrier(PARALLEL)

    def post(_: int) -> tuple[int, Any]:
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {token.secret}")
            barrier.wait(timeout=30)
            response = client.post("/api/v1/involvements/", body, content_type="application/json")
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(post, range(PARALLEL)))

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [400] * (PARALLEL - 1), results
    assert Involvement.objects.filter(case=case, professional=colleague, end_date__isnull=True).count() == 1
    for status, payload in results:
        if status == 400:
            assert "professional" in payload, payload


@pytest.mark.django_db
def test_the_database_refuses_a_second_open_involvement_of_the_same_professional() -> None:
    team = TeamFactory()
    coordinator = TeamMembershipFactory(team=team).user
    case = CaseFactory(team=team, coordinator=coordinator)
    colleague = TeamMembershipFactory(team=team).user
    InvolvementFactory(case=case, professional=colleague)
    with pytest.raises(IntegrityError), transaction.atomic():
        InvolvementFactory(case=case, professional=colleague)


@pytest.mark.django_db
def test_an_ended_involvement_leaves_room_for_a_new_one() -> None:
    team = TeamFactory()
    coordinator = TeamMembershipFactory(team=team).user
    case = CaseFactory(team=team, coordinator=coordinator)
    colleague = TeamMembershipFactory(team=team).user
    InvolvementFactory(case=case, professional=colleague, end_date=datetime.date(2025, 3, 1))
    InvolvementFactory(case=case, professional=colleague)
    assert Involvement.objects.filter(case=case, professional=colleague).count() == 2


@pytest.mark.django_db
def test_the_screen_form_shows_a_clear_message_next_to_the_professional(
    client: Client, log_in, personas, django_capture_on_commit_callbacks
) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    colleague = TeamMembershipFactory(team=personas.team_a).user
    url = reverse("cases:involvement-create", kwargs={"case": case.uuid})
    client = log_in(personas.professional)
    # Loaded before the colleague was involved by someone else, as in the race.
    option = client.get(url).context["form"].fields["professional"].prepare_value(colleague)
    InvolvementFactory(case=case, professional=colleague)
    response = client.post(
        url,
        {
            "professional": option,
            "role": Involvement.Role.SPECIALIST,
            "legal_basis": "consent",
            "start_date": timezone.localdate().strftime("%d-%m-%Y"),
        },
    )
    assert response.status_code == 200  # the form again, with what was typed
    assert Involvement.objects.filter(case=case, professional=colleague).count() == 1
    assert response.context["form"].errors == {"professional": ["Deze professional is al betrokken."]}
