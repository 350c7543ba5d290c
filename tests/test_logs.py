"""Log lines: JSON with the request id, and no personal data."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.test import Client

from common.logs import (
    BSN_PLACEHOLDER,
    EMAIL_PLACEHOLDER,
    JsonFormatter,
    PersonalDataFilter,
    RequestContextFilter,
    logging_config,
    redact,
)


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Every record that reaches the root logger, as the production handler writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    handler.addFilter(PersonalDataFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_it_redacts_a_number_that_passes_the_11_proef_and_keeps_other_nine_digit_numbers() -> None:
    # 111222333 passes the 11-proef; 111222334 does not; 1112223330 is ten digits.
    text = "bsn 111222333 order 111222334 iban 1112223330"
    assert redact(text) == f"bsn {BSN_PLACEHOLDER} order 111222334 iban 1112223330"
    assert redact("written 1112.22.333 or 1112 22 333") == f"written {BSN_PLACEHOLDER} or {BSN_PLACEHOLDER}"


def test_it_redacts_email_addresses() -> None:
    assert redact("sent to j.de-vries+wijk@gemeente.example.nl today") == f"sent to {EMAIL_PLACEHOLDER} today"


def test_it_drops_the_query_string_from_a_request_line() -> None:
    assert redact('"GET /zoeken/?q=Jansen&page=2 HTTP/1.1" 200') == '"GET /zoeken/ HTTP/1.1" 200'


def test_personal_data_in_arguments_and_tracebacks_never_reaches_the_log(json_log: io.StringIO) -> None:
    logger = logging.getLogger("wijkteam.test")
    logger.info("person %s with bsn %s", "anna@example.nl", "111222333")
    try:
        raise ValueError("duplicate key (bsn)=(111222333)")
    except ValueError:
        logger.exception("could not save %s", "anna@example.nl")
    output = json_log.getvalue()
    assert "111222333" not in output and "anna@example.nl" not in output
    info, error = lines(json_log)
    assert info["message"] == f"person {EMAIL_PLACEHOLDER} with bsn {BSN_PLACEHOLDER}"
    assert info["level"] == "INFO" and info["logger"] == "wijkteam.test"
    assert "ValueError: duplicate key (bsn)=([bsn])" in error["exc_info"]


@pytest.mark.django_db
def test_a_request_keeps_a_sane_incoming_request_id_and_logs_under_it(client: Client, json_log: io.StringIO) -> None:
    response = client.get("/bestaat-niet/?q=anna@example.nl", headers={"X-Request-ID": "lb-7f3a9c21"})
    assert response.status_code == 404
    assert response["X-Request-ID"] == "lb-7f3a9c21"
    not_found = [line for line in lines(json_log) if line["logger"] == "django.request"]
    assert not_found and all(line["request_id"] == "lb-7f3a9c21" for line in not_found)
    assert "anna" not in json_log.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming",
    [None, "", "short", "x" * 129, "two words here", 'quote"inside', "line\nbreak-injected-id"],
    ids=["missing", "empty", "too-short", "too-long", "spaces", "quote", "newline"],
)
def test_an_absent_or_odd_request_id_is_replaced_by_a_fresh_one(client: Client, incoming: str | None) -> None:
    headers = {"X-Request-ID": incoming} if incoming is not None else {}
    first = client.get("/healthz", headers=headers)["X-Request-ID"]
    second = client.get("/healthz", headers=headers)["X-Request-ID"]
    assert first != incoming and len(first) == 32 and first.isalnum()
    assert first != second


def test_the_log_format_is_json_or_plain_and_nothing_else() -> None:
    assert logging_config(log_format="json", level="INFO")["handlers"]["console"]["formatter"] == "json"
    assert logging_config(log_format="plain", level="INFO")["handlers"]["console"]["formatter"] == "plain"
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config(log_format="xml", level="INFO")


def passes_11_proef(digits: str) -> bool:
    total = sum(int(digit) * weight for digit, weight in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


@pytest.mark.django_db
def test_no_channel_writes_a_bsn_or_a_name_to_the_logs_or_the_access_log(log_in, personas, json_log) -> None:
    """Screen, API and task, allowed and refused: the log lines and the access-log rows hold ids only."""
    import datetime
    import re

    from django.urls import reverse

    from privacy.models import AccessLogEntry
    from privacy.tasks import apply_retention_task
    from tests.cases.factories import CaseFactory, MembershipFactory

    logging.getLogger("django.request").setLevel(logging.INFO)
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    person = MembershipFactory(
        household=case.household, person__first_name="Zwaantje", person__last_name="Oosterhuis", person__bsn="111222333"
    ).person
    household = reverse("cases:household", args=[case.household.uuid])
    client = log_in(personas.professional)
    client.get(household)  # screen, allowed
    client.post(reverse("cases:search"), {"name": "", "postcode": "", "house_number": "", "bsn": "111222333"})
    client.get(f"/api/v1/persons/{person.uuid}/")  # API, allowed
    client.get("/api/v1/persons/", {"bsn": "111222333", "name": "Oosterhuis"})
    other = log_in(personas.professional_b)
    other.get(household)  # screen, refused
    other.get(f"/api/v1/persons/{person.uuid}/")  # API, refused
    # A task: retention anonymises a case closed long ago.
    CaseFactory(team=personas.team_a, closed=True, closed_on=datetime.date(1990, 1, 1))
    apply_retention_task.apply(throw=True)

    rows = list(AccessLogEntry.objects.values())
    assert {row["channel"] for row in rows} == {"screen", "api", "task"}
    assert {row["outcome"] for row in rows} == {"allowed", "refused"}
    written = json_log.getvalue() + "\n".join(str(sorted(row.items())) for row in rows)
    assert [
        number for number in re.findall(r"(?<![0-9A-Za-z])\d{9}(?![0-9A-Za-z])", written) if passes_11_proef(number)
    ] == []
    assert "Zwaantje" not in written and "Oosterhuis" not in written
    assert "Lindelaan" not in written  # the street of the household
