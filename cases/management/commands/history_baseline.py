"""Give rows that predate their write history a first "+" record: ``manage.py history_baseline`` (optional).

Goals, scores, allocations and blockages got a write history after millions of
them existed. The migration only adds the empty tables; this command, run once
after it (any time later is fine too: it is idempotent), inserts for each row
without any history a creation record dated and attributed from the row itself
(a goal: its plan version's creation; a score: its measurement's), in SQL,
batch by batch, so a national database is not locked for long.
simple-history's own ``populate_history`` would date them all "now" and skip a
model as soon as one history row exists.

It also copies the current organisations of a consent and participants of a
conference onto the latest history row of those that never had their links
recorded (rows written before ``m2m_fields`` was on), so the first later change
shows only what changed.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, models, transaction

from cases.models import CaseConference, Consent, Goal, MeasurementScore
from funding.models import Allocation, Blockage

# model → (joins, creation time, creator), as SQL on the row ``t``
SOURCES: dict[type[models.Model], tuple[str, str, str]] = {
    Goal: ("JOIN cases_planversion v ON v.id = t.plan_version_id", "v.created_at", "v.created_by_id"),
    MeasurementScore: ("JOIN cases_measurement m ON m.id = t.measurement_id", "m.created_at", "m.measured_by_id"),
    Allocation: ("", "t.created_at", "t.created_by_id"),
    Blockage: ("", "t.opened_at", "t.opened_by_id"),
}
LINKED: tuple[tuple[type[models.Model], str], ...] = ((Consent, "organisations"), (CaseConference, "participants"))


def _history_table(model: type[models.Model]) -> str:
    return str(model.history.model._meta.db_table)  # type: ignore[attr-defined]


def baseline_sql(model: type[models.Model]) -> str:
    joins, created_at, created_by = SOURCES[model]
    columns = [connection.ops.quote_name(str(model_field.column)) for model_field in model._meta.concrete_fields]
    return f"""
        INSERT INTO {_history_table(model)}
               ({", ".join(columns)}, history_date, history_change_reason, history_type, history_user_id)
        SELECT {", ".join(f"t.{column}" for column in columns)}, {created_at}, NULL, '+', {created_by}
        FROM {model._meta.db_table} t {joins}
        WHERE t.id > %(low)s AND t.id <= %(high)s
          AND NOT EXISTS (SELECT 1 FROM {_history_table(model)} h WHERE h.id = t.id)
    """  # noqa: S608 — table and column names from the models


def links_sql(model: type[models.Model], name: str) -> str:
    m2m_field = model._meta.get_field(name)
    through = m2m_field.remote_field.through  # type: ignore[union-attr]
    source, target = m2m_field.m2m_column_name(), m2m_field.m2m_reverse_name()  # type: ignore[union-attr]
    links = getattr(model.history.model, name).model  # type: ignore[attr-defined]
    history = _history_table(model)
    return f"""
        INSERT INTO {links._meta.db_table} (id, {source}, {target}, history_id)
        SELECT l.id, l.{source}, l.{target}, latest.history_id
        FROM (
            SELECT DISTINCT ON (h.id) h.id, h.history_id FROM {history} h
            WHERE h.id > %(low)s AND h.id <= %(high)s
            ORDER BY h.id, h.history_date DESC, h.history_id DESC
        ) latest
        JOIN {through._meta.db_table} l ON l.{source} = latest.id
        WHERE NOT EXISTS (
            SELECT 1 FROM {links._meta.db_table} k JOIN {history} o ON o.history_id = k.history_id
            WHERE o.id = latest.id
        )
    """  # noqa: S608 — table and column names from the models


class Command(BaseCommand):
    help = "Insert a first history record for rows that predate their write history (idempotent, in batches)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--batch-size", type=int, default=50_000, help="rows per transaction (default 50000)")

    def handle(self, *args: Any, **options: Any) -> None:
        size = options["batch_size"]
        for model in SOURCES:
            self.stdout.write(f"{model._meta.label}: {self._run(model, baseline_sql(model), size)} records added")
        for model, name in LINKED:
            added = self._run(model, links_sql(model, name), size)
            self.stdout.write(f"{model._meta.label}.{name}: {added} links added")

    def _run(self, model: type[models.Model], sql: str, size: int) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # noqa: S608
            (highest,) = cursor.fetchone()
        added = 0
        for low in range(0, highest, size):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, {"low": low, "high": low + size})
                added += cursor.rowcount
        return added
