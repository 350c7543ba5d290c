"""Reads that may come from a streaming replica, and when they must not.

With ``DATABASE_REPLICA_URL`` set, the settings add a ``replica`` database and
this router sends it the reads of data nobody edits in a request and everybody
may read a moment late: the programme bureau's summary tables and roll-ups
(monitoring), the funding-flow cells (the audit, its exports and endpoint), and
reference data (themes, instruments, areas, organisation kinds, silos, streams,
product categories, as the API lists them). Casework is never routed: a
professional always reads from the primary what they just saved, and so does
any read inside a transaction on the primary (a refresh reads what it wrote).

The replica is used only while it answers and lags at most
``WIJKTEAM_REPLICA_MAX_LAG_SECONDS`` behind the primary; each process asks at
most every ``WIJKTEAM_REPLICA_CHECK_SECONDS`` and otherwise reads the primary.
Lag is zero when the replica has replayed the primary's current WAL position,
else the age of the last transaction it replayed.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

logger = logging.getLogger(__name__)

REPLICA = "replica"

# app label, or "app_label.model_name": what the replica may serve.
ROUTED = frozenset(
    {
        "themes",
        "organisations.municipality",
        "organisations.area",
        "organisations.organisationkind",
        "funding.silo",
        "funding.fundingstream",
        "funding.productcategory",
        "funding.flowcell",
        "funding.flowtaakveldcell",
        "monitoring",
    }
)
# Monitoring's own records of work, read back right after they are written.
NOT_ROUTED = frozenset({"monitoring.precisionreview", "monitoring.summaryrun"})


def routed(model: type[Model]) -> bool:
    label = model._meta.label_lower
    return label not in NOT_ROUTED and (label in ROUTED or model._meta.app_label in ROUTED)


class ReplicaHealth:
    """Per process: is the replica up and close enough behind? Asked at most every few seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._usable = False
        self.lag: float | None = None

    def reset(self) -> None:
        with self._lock:
            self._checked_at = float("-inf")

    def usable(self) -> bool:
        interval = float(getattr(settings, "WIJKTEAM_REPLICA_CHECK_SECONDS", 5))
        now = time.monotonic()
        with self._lock:
            if now - self._checked_at < interval:
                return self._usable
            self._checked_at = now
        usable, lag = self._check()
        with self._lock:
            self._usable, self.lag = usable, lag
        return usable

    def _check(self) -> tuple[bool, float | None]:
        max_lag = float(getattr(settings, "WIJKTEAM_REPLICA_MAX_LAG_SECONDS", 10))
        try:
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
                primary_lsn = cursor.fetchone()[0]
            with connections[REPLICA].cursor() as cursor:
                cursor.execute(
                    "SELECT pg_is_in_recovery(), "
                    "coalesce(pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()) <= 0, false), "
                    "extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())",
                    [primary_lsn],
                )
                in_recovery, caught_up, age = cursor.fetchone()
        except Exception:  # a replica that is down or unreachable: read the primary
            logger.warning("replica unreachable; reading from the primary", exc_info=True)
            connections[REPLICA].close()
            return False, None
        if not in_recovery:
            logger.warning("the replica is not in recovery (promoted?); reading from the primary")
            return False, None
        lag = 0.0 if caught_up else (float(age) if age is not None else float("inf"))
        if lag > max_lag:
            logger.warning("replica lags %.1f s (more than %.0f s); reading from the primary", lag, max_lag)
        return lag <= max_lag, lag


health = ReplicaHealth()


class ReplicaRouter:
    """Send routed reads to the replica while it is healthy; everything else to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if REPLICA not in connections.settings or not routed(model):
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return REPLICA if health.usable() else None

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        return True  # the replica holds the primary's rows: a relation across them is the same relation

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return db != REPLICA  # a standby is read-only; it receives the schema by replication
