"""The shared form building blocks (common/forms.py) and the field component."""

from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from common.forms import (
    LocalisedDecimalField,
    ObjectChoiceField,
    RowFormSet,
    WrittenSelect,
    apply_errors,
    parse_localised_decimal,
)


@pytest.mark.parametrize(
    "typed, amount",
    [
        ("1.250,50", "1250.50"),
        ("1250,50", "1250.50"),
        ("1250", "1250"),
        ("1.250", "1250"),  # a Dutch thousands separator, not 1,25
        ("1.250.000,5", "1250000.5"),
        ("€ 1.250,50", "1250.50"),
        ("1 250,50", "1250.50"),
        ("0,5", "0.5"),
        ("1250.50", "1250.50"),  # a dot with two decimals can only be a decimal point
        ("-12,00", "-12.00"),
    ],
)
def test_dutch_amounts_are_read_as_people_type_them(typed: str, amount: str) -> None:
    assert parse_localised_decimal(typed, ",", ".") == amount


@pytest.mark.parametrize("typed", ["12,34,5", "1.25.0", "abc", "1,2,3", "", ",5"])
def test_what_is_not_an_amount_is_refused(typed: str) -> None:
    assert parse_localised_decimal(typed, ",", ".") is None


def test_english_amounts_use_the_english_separators() -> None:
    assert parse_localised_decimal("1,250.50", ".", ",") == "1250.50"
    assert parse_localised_decimal("1,250", ".", ",") == "1250"


def test_the_decimal_field_follows_the_active_language_and_shows_amounts_the_same_way() -> None:
    field = LocalisedDecimalField(max_digits=10, decimal_places=2)
    with translation.override("nl"):
        assert field.clean("1.250,50") == Decimal("1250.50")
        assert field.prepare_value(Decimal("1250.5")) == "1.250,50"
        with pytest.raises(ValidationError) as error:
            field.clean("12,34,5")
        assert error.value.messages == ["Vul een bedrag in, zoals 1.250,50."]
    with translation.override("en"):
        assert field.clean("1,250.50") == Decimal("1250.50")
        assert field.prepare_value(Decimal("1250.5")) == "1,250.50"


def test_the_decimal_field_keeps_the_digit_limits() -> None:
    with translation.override("nl"), pytest.raises(ValidationError):
        LocalisedDecimalField(max_digits=10, decimal_places=2).clean("1,255")


class Thing:
    def __init__(self, pk: int, name: str) -> None:
        self.pk, self.name = pk, name
        self.uuid = f"00000000-0000-0000-0000-{pk:012d}"

    def __str__(self) -> str:
        return self.name


class RowForm(forms.Form):
    name = forms.CharField()
    note = forms.CharField(required=False)


RowSet = forms.formset_factory(RowForm, formset=RowFormSet, extra=0, min_num=1, max_num=5, absolute_max=5)


def rows_data(*names: str, **extra: str) -> QueryDict:
    data = QueryDict(mutable=True)
    data.update({"rows-TOTAL_FORMS": str(len(names)), "rows-INITIAL_FORMS": "0", **extra})
    for index, name in enumerate(names):
        data[f"rows-{index}-name"] = name
    return data


def test_a_row_button_adds_a_row_and_keeps_what_was_typed() -> None:
    data = rows_data("Fatima", "Sem", **{"rows-row": "add"})
    assert RowSet.row_action(data, "rows") == ("add", -1)
    rebuilt = RowSet.rebuilt(data, add=True, prefix="rows")
    assert not rebuilt.is_bound
    assert [form["name"].value() for form in rebuilt.forms] == ["Fatima", "Sem", None]
    assert rebuilt.management_form["TOTAL_FORMS"].value() == 3


def test_a_row_button_removes_only_its_row() -> None:
    data = rows_data("Fatima", "Sem", "Noor", **{"rows-row": "remove-1"})
    assert RowSet.row_action(data, "rows") == ("remove", 1)
    rebuilt = RowSet.rebuilt(data, remove=1, prefix="rows")
    assert [form["name"].value() for form in rebuilt.forms] == ["Fatima", "Noor"]


def test_untouched_rows_beyond_the_minimum_are_skipped_and_the_first_must_be_filled() -> None:
    assert RowSet(rows_data("Fatima", ""), prefix="rows").is_valid()
    assert not RowSet(rows_data("", "Sem"), prefix="rows").is_valid()


def test_object_choices_clean_to_the_object_without_a_query() -> None:
    field = ObjectChoiceField()
    field.set_objects([Thing(1, "een"), Thing(2, "twee")])
    assert field.clean(Thing(2, "").uuid).name == "twee"
    with pytest.raises(ValidationError):
        field.clean(Thing(3, "").uuid)
    with pytest.raises(ValidationError):
        field.clean("2")  # a row id is no option


def test_object_choices_can_be_grouped() -> None:
    field = ObjectChoiceField()
    shared = Thing(1, "gedeeld")
    field.set_objects([], groups=[("Noord", [shared]), ("Zuid", [shared, Thing(2, "zuid")])])
    assert field.clean(Thing(2, "").uuid).name == "zuid"
    assert field.choices[1][0] == "Noord"


class Address(forms.Form):
    postcode = forms.CharField()


def test_a_service_error_lands_on_its_field_a_row_or_the_top() -> None:
    form = Address({"postcode": "1234AB"})
    rows = RowSet(rows_data("Fatima", "Sem"), prefix="rows")
    assert form.is_valid() and rows.is_valid()
    error = ValidationError(
        {"postcode": ["Verkeerd."], "rows-1-name": ["Onbekend."], "rows": ["Te weinig."], "x": ["?"]}
    )
    apply_errors(error, form, formsets=[rows])
    assert form.errors["postcode"] == ["Verkeerd."]
    assert rows.forms[1].errors["name"] == ["Onbekend."]
    assert rows.non_form_errors() == ["Te weinig."]
    assert form.non_field_errors() == ["?"]
    plain = Address({"postcode": "1234AB"})
    plain.is_valid()
    apply_errors(ValidationError("Gesloten."), plain)
    assert plain.non_field_errors() == ["Gesloten."]


class Choices(forms.Form):
    themes = forms.MultipleChoiceField(
        choices=[("werk", "Werk"), ("wonen", "Wonen")], widget=forms.CheckboxSelectMultiple, help_text="Kies."
    )
    agreed = forms.BooleanField(label="Akkoord")


def test_a_choice_list_is_a_fieldset_whose_legend_and_messages_belong_to_it() -> None:
    form = Choices({"agreed": "on"})
    form.is_valid()
    html = render_to_string("components/field.html", {"field": form["themes"]})
    assert "<fieldset" in html and "<legend" in html
    assert 'aria-describedby="id_themes_helptext id_themes_error"' in html
    assert 'id="id_themes_error"' in html and "utrecht-checkbox--invalid" in html
    html = render_to_string("components/field.html", {"field": form["agreed"]})
    assert (
        "checked" in html and '<label class="utrecht-form-label utrecht-form-label--checkbox" for="id_agreed">' in html
    )


SELECT_CHOICES: list[Any] = [
    ("", "— all —"),
    ("a&b", 'Tom & "Jerry" <script>'),
    (3, 1234567),
    ("Groep <1>", [("x", "Ex 'one'"), ("y", mark_safe("<em>safe</em>"))]),
]


@pytest.mark.parametrize("value", [None, "", "a&b", "3", 3, "x", "y", "absent"])
@pytest.mark.parametrize(
    "attrs",
    [
        {},
        {"class": "utrecht-select", "id": "filter_status"},
        {"required": True, "disabled": False, "aria-describedby": 'help "one"', "data-n": 5},
    ],
)
def test_written_select_is_djangos_select(value: Any, attrs: dict[str, Any]) -> None:
    for language in ("nl", "en"):
        with translation.override(language):
            expected = forms.Select(attrs={"class": "x"}, choices=SELECT_CHOICES).render("naam<", value, attrs=attrs)
            written = WrittenSelect(attrs={"class": "x"}, choices=SELECT_CHOICES).render("naam<", value, attrs=attrs)
            assert written == expected
            assert isinstance(written, SafeString)


def test_a_form_renders_a_written_select_as_a_select() -> None:
    class Filters(forms.Form):
        status = forms.ChoiceField(required=False, choices=SELECT_CHOICES[:3], widget=forms.Select)
        written = forms.ChoiceField(required=False, choices=SELECT_CHOICES[:3], widget=WrittenSelect)

    form = Filters({"status": "a&b", "written": "a&b"})
    assert form.is_valid()
    assert str(form["written"]) == str(form["status"]).replace("status", "written")
