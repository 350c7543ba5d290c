"""Every form answers bad input with an error summary at the top that takes focus and links to each field (issue 15)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import Personas

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# Forms without a field a person types into or chooses from: buttons only, or hidden fields filled by the screen.
BUTTONS_ONLY = {
    "base.html",  # the language switch
    "exports/_request_form.html",
    "privacy/access_letter.html",
    "funding/team_blockages.html",  # a GET filter of links and selects that cannot be invalid
}


def _templates_with_fields() -> list[str]:
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if "<form" in text and ("components/field.html" in text or "_fields.html" in text):
            found.append(str(path.relative_to(TEMPLATES)))
    return sorted(found)


@pytest.mark.parametrize("name", _templates_with_fields())
def test_every_form_with_fields_has_the_error_summary(name: str) -> None:
    if name in BUTTONS_ONLY:
        pytest.fail(f"{name} renders fields: take it off the buttons-only list")
    assert "components/form_errors.html" in (TEMPLATES / name).read_text(), name


@pytest.mark.django_db
def test_the_summary_takes_focus_and_links_to_each_field(log_in, personas: Personas) -> None:
    client = log_in(personas.professional)
    response = client.post(reverse("cases:referral-create"), {"street": "", "house_number": "", "postcode": "12"})
    assert response.status_code == 200
    html = response.content.decode()
    summary = re.search(r'<div class="[^"]*form-error-summary[^"]*"(.*?)</div>', html, re.S)
    assert summary is not None, "no error summary"
    assert 'role="alert"' in summary.group(0) and 'tabindex="-1"' in summary.group(0)
    assert "data-focus-next" in summary.group(0)
    assert "Er is een probleem" in summary.group(0)
    links = re.findall(r'<a class="utrecht-link" href="#([^"]+)">', summary.group(0))
    assert links, "the summary links to no field"
    for target in links:
        assert f'id="{target}"' in html, f"the summary links to #{target}, which is not on the page"
    # What was typed stays.
    assert 'value="12"' in html


@pytest.mark.django_db
def test_a_choice_list_error_links_to_its_first_option(log_in, personas: Personas) -> None:
    from django import forms
    from django.template.loader import render_to_string

    class Choice(forms.Form):
        colour = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)

    form = Choice(data={})
    html = render_to_string("components/form_errors.html", {"form": form})
    assert 'href="#id_colour_0"' in html
