"""Rows of a related table read in the query of the row they hang under, as JSON, and turned back into objects.

A page that needs a handful of related rows of one object saves a query (a round trip and its
compilation) by aggregating them into a JSON column of the object's own query
(``JSONBAgg(json_object(Model))`` in a subquery) instead of prefetching them. :func:`from_json` makes
each row a model object as if the ORM had read it; generated fields are left deferred.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models.functions import Cast, JSONObject

M = TypeVar("M", bound=models.Model)


def concrete_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The stored fields of ``model`` a JSON row carries: generated ones are computed by the database."""
    return [field for field in model._meta.concrete_fields if not field.generated]


def json_object(model: type[models.Model], path: str = "") -> JSONObject:
    """The concrete fields of ``model`` (reached by ``path``, e.g. ``"person__"``) as one JSON object.

    Amounts travel as text: a JSON number would come back as a float and lose the cents' exactness.
    """
    values: dict[str, Any] = {}
    for field in concrete_fields(model):
        column = f"{path}{field.attname}"
        values[field.attname] = Cast(column, models.TextField()) if isinstance(field, models.DecimalField) else column
    return JSONObject(**values)


def from_json(model: type[M], row: dict[str, Any], db: str) -> M:
    """A model object from a JSON row of :func:`json_object`, as if read by the ORM."""
    fields = concrete_fields(model)
    return model.from_db(
        db, [field.attname for field in fields], [field.to_python(row[field.attname]) for field in fields]
    )
