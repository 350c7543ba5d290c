"""Helpers for tests of form screens: read a field's message and value out of the HTML."""

import html
import re

from django.test import Client
from django.urls import reverse

from cases.models import Case


def field_error(page: str, field_id: str) -> str:
    """The text of the message shown next to the field with this id ('' when there is none)."""
    match = re.search(
        rf'<div class="utrecht-form-field-error-message" id="{re.escape(field_id)}_error">(.*?)</div>', page, re.S
    )
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def input_tag(page: str, field_id: str) -> str:
    match = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{re.escape(field_id)}"[^>]*>', page)
    assert match, f"no input with id {field_id}"
    return match.group(0)


def input_value(page: str, field_id: str) -> str:
    tag = input_tag(page, field_id)
    if tag.startswith("<textarea"):
        match = re.search(rf'id="{re.escape(field_id)}"[^>]*>(.*?)</textarea>', page, re.S)
        return html.unescape(match.group(1)).strip() if match else ""
    if tag.startswith("<select"):
        block = re.search(rf'id="{re.escape(field_id)}"[^>]*>(.*?)</select>', page, re.S)
        assert block
        selected = re.search(r'<option value="([^"]*)"[^>]*\bselected', block.group(1))
        return html.unescape(selected.group(1)) if selected else ""
    value = re.search(r'\bvalue="([^"]*)"', tag)
    return html.unescape(value.group(1)) if value else ""


def is_marked_invalid(page: str, field_id: str) -> bool:
    tag = input_tag(page, field_id)
    return 'aria-invalid="true"' in tag and f"{field_id}_error" in tag


def household_url(case: Case) -> str:
    return reverse("cases:household", args=[case.household.uuid])


def management(prefix: str, total: int, *, min_num: int = 0, max_num: int = 20) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": str(min_num),
        f"{prefix}-MAX_NUM_FORMS": str(max_num),
    }


def get_html(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()
