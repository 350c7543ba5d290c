"""A page of a list as DRF's serializer writes it, without DRF's generic round per field and row.

DRF's ``Serializer.to_representation`` asks every field of every row for its
value through ``Field.get_attribute`` (a loop over the source's parts, a
mapping check, a callable check, a try around it all) and then for its
representation; a ``ModelSerializer`` also rebuilds its fields from the model
on every request. For a page of 50 rows of ten fields that generic round was a
large share of an API list's Python time (issue 17).

:class:`Rows` reads the same serializer's fields once per process and keeps,
per field, a direct way to the value and the field's own ``to_representation``
(for the few plain types whose representation is one call, that call). Where
the direct way does not apply (a missing attribute, a callable, a mapping) it
asks the field as DRF does, so the answer is DRF's. The names, their order and
every value are the serializer's: ``tests/api/test_list_rows.py`` compares the
two for each list that uses this.

A list may also name *references*: a field whose value the list's query puts
on the row as an annotation (the UUID or code of a related row, read in SQL
for the page's rows only), instead of loading the related row as an object.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, F, Model
from django.db.models.manager import BaseManager
from django.db.models.sql.compiler import SQLCompiler
from rest_framework import ISO_8601, relations, serializers
from rest_framework import fields as drf_fields
from rest_framework.settings import api_settings


class ColumnOf(Expression):
    """A column of the row a key points at, for a list row: ``(SELECT column FROM table WHERE pk = key)``.

    PostgreSQL evaluates such a subquery after the sort and limit, for the page's rows only; a join (or
    ``select_related``) is made for every candidate row before the sort, which on a team's lists was
    thousands of rows of cases, users and organisations for a page of 50 (issue 17). It writes what
    ``Subquery(model.objects.filter(pk=OuterRef(key)).values(column))`` writes, without building and
    compiling a query of its own for each reference on every page. ``key`` is a column of the list's
    model, or another ``ColumnOf`` (the case of an allocation's action).
    """

    def __init__(self, model: type[Model], column: str, key: str | Expression) -> None:
        self.model = model
        self.target = model._meta.get_field(column)
        self.key: Any = F(key) if isinstance(key, str) else key
        super().__init__(output_field=self.target)  # type: ignore[arg-type]

    def get_source_expressions(self) -> list[Any]:
        return [self.key]

    def set_source_expressions(self, exprs: Any) -> None:
        (self.key,) = exprs

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:  # type: ignore[override]
        key_sql, params = compiler.compile(self.key)
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        column = quote(str(self.target.column))  # type: ignore[union-attr]
        pk = quote(str(self.model._meta.pk.column))
        # Names from the model's options, quoted; the key is SQL the compiler made, with its parameters. The
        # table has an alias of its own, so a key on a joined table of the same name still means the outer one.
        return f'(SELECT "ref".{column} FROM {table} "ref" WHERE "ref".{pk} = {key_sql})', list(params)  # noqa: S608


Getter = Callable[[Any], Any]
Writer = Callable[[Any], Any]


def _plain_writer(field: drf_fields.Field) -> Writer:
    """The field's ``to_representation``, or the one call it comes to for the plain types (same result)."""
    kind = type(field)
    if kind is drf_fields.UUIDField and field.uuid_format == "hex_verbose":  # type: ignore[attr-defined]
        return str
    if kind is drf_fields.CharField:
        return str
    if kind is drf_fields.IntegerField:
        return int
    if kind is drf_fields.DateField and getattr(field, "format", api_settings.DATE_FORMAT) == ISO_8601:
        represent = field.to_representation

        def date_writer(value: Any) -> Any:
            return value.isoformat() if type(value) is datetime.date else represent(value)

        return date_writer
    return field.to_representation


def _getter(field: drf_fields.Field, reference: str | None) -> Getter:
    """The value of the field on a row: the annotation a reference names, else the field's source."""
    if reference is not None:
        return lambda row: getattr(row, reference)
    if isinstance(field, relations.RelatedField) and field.use_pk_only_optimization():
        return field.get_attribute  # a PKOnlyObject: DRF's own way
    attrs = field.source_attrs
    ask_field = field.get_attribute
    if not attrs:  # source="*": the row itself, as DRF has it
        return ask_field

    def get(row: Any) -> Any:
        value: Any = row
        try:
            for attr in attrs:
                value = getattr(value, attr)
        except Exception:  # DRF decides what a missing value means: its default, None or no field
            return ask_field(row)
        if callable(value) and not isinstance(value, BaseManager):
            return ask_field(row)  # a method as source: DRF calls it
        return value

    return get


class _Plan:
    """How to write one row of a serializer: per readable field its name, getter and writer."""

    def __init__(self, serializer: serializers.BaseSerializer, references: Mapping[str, str]) -> None:
        self.steps: list[tuple[str, Getter, Writer]] = []
        for field in serializer._readable_fields:  # type: ignore[attr-defined]
            reference = references.get(field.field_name)
            self.steps.append((field.field_name, _getter(field, reference), self._writer(field, reference)))

    @staticmethod
    def _writer(field: drf_fields.Field, reference: str | None) -> Writer:
        if reference is not None and isinstance(field, relations.RelatedField):
            return lambda value: value  # SlugRelatedField writes the related row's slug as it is
        if isinstance(field, serializers.ListSerializer):
            assert isinstance(field.child, serializers.BaseSerializer)  # a ListSerializer's child is a serializer
            child = _Plan(field.child, {})

            def write_many(value: Any) -> list[dict[str, Any]]:
                items = value.all() if isinstance(value, BaseManager) else value
                return [child.write(item) for item in items]

            return write_many
        if isinstance(field, serializers.Serializer):
            return _Plan(field, {}).write
        return _plain_writer(field)

    def write(self, row: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, get, write in self.steps:
            try:
                value = get(row)
            except drf_fields.SkipField:
                continue
            out[name] = None if value is None else write(value)
        return out


class Rows:
    """The rows of a page as ``serializer_class(page, many=True).data`` has them, written faster.

    ``references`` maps a field to the annotation that holds its value on the row.
    The plan is made once per process from a serializer made without a request:
    the fields it writes do not depend on the caller (no hyperlinks, no request in
    any field), which :meth:`write` checks by refusing a serializer that has any.
    """

    def __init__(self, serializer_class: type[serializers.Serializer], *, references: Mapping[str, str] = {}) -> None:
        self.serializer_class = serializer_class
        self.references = dict(references)
        self._plan: _Plan | None = None

    def plan(self) -> _Plan:
        if self._plan is None:
            serializer = self.serializer_class()
            for field in serializer.fields.values():
                if isinstance(field, (relations.HyperlinkedRelatedField, serializers.SerializerMethodField)):
                    raise TypeError(f"{self.serializer_class.__name__}.{field.field_name} depends on the request")
            unknown = set(self.references) - set(serializer.fields)
            if unknown:
                raise ValueError(f"{self.serializer_class.__name__} has no field {sorted(unknown)}")
            self._plan = _Plan(serializer, self.references)
        return self._plan

    def write(self, rows: Iterable[Any]) -> list[dict[str, Any]]:
        plan = self.plan()
        return [plan.write(row) for row in rows]
