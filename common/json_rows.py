"""Rows of a related table read in the query of the row they hang under, as JSON, and turned back into objects.

A page that needs a handful of related rows of one object saves a query (a round trip and its
compilation) by aggregating them into a JSON column of the object's own query instead of prefetching
them: ``RawSQL(sql, params, output_field=JSONField())`` with a correlated subquery that aggregates
:func:`json_object_sql` of each row. :func:`from_json` makes each row a model object as if the ORM had
read it; generated fields are left deferred.

The SQL is written once per model, not built from ORM expressions: compiling a JSON object of every
field as expressions cost more Python than the query it saved (issue 17).
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def concrete_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The stored fields of ``model`` a JSON row carries: generated ones are computed by the database."""
    return [field for field in model._meta.concrete_fields if not field.generated]


@functools.cache
def json_object_sql(model: type[models.Model], alias: str, exclude: tuple[str, ...] = ()) -> str:
    """``jsonb_build_object`` of the concrete fields of ``model``'s row under the table alias ``alias``,
    keyed by attribute name, but for those named in ``exclude`` (a user's password hash has no business on a
    page). Amounts travel as text: a JSON number would come back as a float."""
    quote = connection.ops.quote_name
    pairs = []
    for field in concrete_fields(model):
        if field.attname in exclude:
            continue
        assert field.column is not None  # a concrete field has its column
        cast = "::text" if isinstance(field, models.DecimalField) else ""
        pairs.append(f"'{field.attname}', {alias}.{quote(field.column)}{cast}")
    return f"jsonb_build_object({', '.join(pairs)})"


def from_json(model: type[M], row: dict[str, Any], db: str, exclude: tuple[str, ...] = ()) -> M:
    """A model object from a JSON row of :func:`json_object_sql`, as if read by the ORM; the fields in
    ``exclude`` (those the row was written without) are left deferred, as ``only()`` leaves them."""
    fields = concrete_fields(model)
    if exclude:
        fields = [field for field in fields if field.attname not in exclude]
    return model.from_db(
        db, [field.attname for field in fields], [field.to_python(row[field.attname]) for field in fields]
    )
