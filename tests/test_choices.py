"""``common.choices.ChoiceLabels``: Django's ``get_FOO_display`` answer, translating only the label shown."""

from unittest import mock

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation
from django.utils.functional import Promise

from cases.models import Contact, Involvement
from common.choices import ChoiceLabels

MODELS = sorted(
    (model for model in apps.get_models() if issubclass(model, ChoiceLabels)), key=lambda model: model._meta.label
)
FIELDS = [
    (model, field.name)
    for model in MODELS
    for field in sorted(model._meta.concrete_fields, key=lambda field: field.name)
    if field.choices
]


def test_the_household_pages_models_use_it() -> None:
    shown = {"cases.Case", "cases.Contact", "cases.Involvement", "funding.Blockage", "organisations.Area"}
    assert shown | {"organisations.User", "privacy.AccessLogEntry"} <= {model._meta.label for model in MODELS}


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize(("model", "name"), FIELDS, ids=[f"{model.__name__}.{name}" for model, name in FIELDS])
def test_every_label_is_djangos(model: type[models.Model], name: str, language: str) -> None:
    field = model._meta.get_field(name)
    with translation.override(language):
        for value in [value for value, _label in field.flatchoices] + ["not-a-choice", None]:
            instance = model()
            setattr(instance, field.attname, value)
            shown = getattr(instance, f"get_{name}_display")()
            assert shown == models.Model._get_FIELD_display(instance, field)
            assert not isinstance(shown, Promise)


def test_one_label_is_translated_not_every_label_of_the_field() -> None:
    assert len(Involvement._meta.get_field("legal_basis").flatchoices) > 2
    involvement, contact = Involvement(legal_basis="wmo"), Contact(kind="home_visit")
    involvement.get_legal_basis_display(), contact.get_kind_display()  # the map is built once per field
    trans = translation._trans  # type: ignore[attr-defined]
    with translation.override("nl"), mock.patch.object(trans, "gettext", wraps=trans.gettext) as gt:
        involvement.get_legal_basis_display()
        contact.get_kind_display()
    assert gt.call_count == 2
