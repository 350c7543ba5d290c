"""The API against its own OpenAPI schema, on a live server, with a personal token for every role.

Schemathesis generates requests for every operation from ``/api/v1/schema/``;
every answer must not be a 5xx and must match the schema. Examples are few and
derandomised per role, so the run stays within CI's budget and repeats.
"""

import datetime

import hypothesis
import pytest
import schemathesis
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.services import api_token_create
from funding import services as funding_services
from tests.cases.factories import ActionFactory, CaseFactory, MembershipFactory
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory, BlockageFactory, SpendImportFactory, StreamFactory

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db(transaction=True)]

ROLES = ["professional", "team_lead", "bureau", "auditor", "privacy_officer", "administrator"]
EXAMPLES_PER_OPERATION = 3


def seed(personas: Personas) -> None:
    """A little of everything the endpoints show, in team A's municipality."""
    for _ in range(2):
        with transaction.atomic():  # a case and its coordinator commit together (deferred trigger)
            case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
        MembershipFactory(household=case.household)
        action = ActionFactory(case=case)
        blockage = BlockageFactory(action=action, opened_by=personas.professional)
        funding_services.blockage_escalate(blockage=blockage, by=personas.professional)
        AllocationFactory(action=action, stream=StreamFactory(municipality=personas.team_a.municipality))
    SpendImportFactory()


def exercise(operation, *, base_url: str, headers: dict[str, str], answers: dict[int, int]):
    """A Hypothesis test of one operation as one caller: no 5xx, and every answer as the schema says."""

    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy())
    def run(case) -> None:
        response = case.call_and_validate(
            base_url=base_url, headers=headers, checks=[not_a_server_error, response_schema_conformance]
        )
        answers[response.status_code] = answers.get(response.status_code, 0) + 1

    return run


def test_every_role_gets_no_5xx_and_only_answers_that_match_the_schema(live_server, personas: Personas) -> None:
    seed(personas)
    expires = timezone.localdate() + datetime.timedelta(days=1)
    failures: list[str] = []
    answers: dict[int, int] = {}  # status code → how many, to show the run did reach the API
    secrets = {
        role: api_token_create(by=getattr(personas, role), name="schemathesis", expires_on=expires).secret
        for role in ROLES
    }
    # One schema for every role (it does not depend on who asks); generating it takes a while on a busy machine.
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/v1/schema/", headers={"Authorization": f"Bearer {secrets['bureau']}"}, timeout=120
    )
    for role, secret in secrets.items():
        headers = {"Authorization": f"Bearer {secret}"}
        for result in schema.get_all_operations():
            operation = result.ok()

            run = exercise(operation, base_url=live_server.url, headers=headers, answers=answers)
            try:
                run()
            except (
                Exception,
                BaseExceptionGroup,
            ) as error:  # collect every operation's failure, then report them together
                failures.append(f"{role} {operation.method.upper()} {operation.path}: {str(error)[:1500]}")
    assert failures == [], "\n\n".join(failures)
    operations = sum(1 for _ in schema.get_all_operations())
    assert sum(answers.values()) >= len(ROLES) * operations, answers
    assert answers.get(200, 0) > len(ROLES) * 10, answers  # not only refusals: the tokens opened real data
