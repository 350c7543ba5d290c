"""``get_FOO_display`` without translating every label of the field on each call.

Django's ``Model._get_FIELD_display`` builds ``dict(make_hashable(field.flatchoices))`` on every
call: it hashes each (value, label) pair, and hashing a lazy label translates it. A household page
asks for a few hundred labels, each time translating all labels of its field (half the page's
gettext calls, issue 17). :class:`ChoiceLabels` looks the value up in a map built once per field,
from value to its lazy label, and translates the one label shown.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import models
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str


@cache
def _labels(field: models.Field[Any, Any]) -> dict[Any, Any]:
    return dict(field.flatchoices)


class ChoiceLabels:
    """A model mixin (before ``models.Model`` in the bases): ``get_FOO_display`` from a map built once per
    field. The same answer as Django's; fields whose choices are computed on each use (a callable) and
    unhashable values go Django's way."""

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> str:
        value = getattr(self, field.attname)
        if not isinstance(field.choices, CallableChoiceIterator):
            try:
                return force_str(_labels(field).get(value, value), strings_only=True)
            except TypeError:  # an unhashable value (a list, a dict)
                pass
        return super()._get_FIELD_display(field)  # type: ignore[misc]
