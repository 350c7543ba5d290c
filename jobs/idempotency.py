"""Tasks whose effect happens exactly once, however often their message is delivered.

Celery with Redis delivers a message at least once: with ``acks_late`` a
message is acknowledged only after its task returns, so a worker killed mid-run
(OOM, deploy, SIGKILL) leaves it to be delivered again. That is what we want,
provided the second run does not repeat the effect. ``idempotent_task`` gives
that guarantee for effects in the database:

- the task body runs in one transaction together with an insert into
  ``jobs.TaskExecution`` keyed by the message's idempotency key; if the key is
  already there (an earlier delivery committed), the body is skipped;
- a run killed before its commit leaves nothing behind, so the next delivery
  does the work;
- transient database errors (lost connection, deadlock, serialization failure,
  lock timeout) roll the transaction back and retry the task with back-off.

How a domain task uses it::

    # cases/tasks.py
    from jobs.idempotency import idempotent_task
    from .services import case_summary_refresh

    @idempotent_task(name="cases.refresh_summary")
    def refresh_summary(*, case_id: int) -> None:
        case_summary_refresh(case_id=case_id)   # a service: loads by id, writes

    # cases/services.py, inside the service's transaction:
    enqueue("cases.refresh_summary", {"case_id": case.pk},
            idempotency_key=f"cases.refresh_summary:case={case.pk}:v={case.version}")

Rules for the body: keyword arguments with ids only; do every write through
the ORM on the default database (so it joins the transaction); return nothing
(Celery would log a return value); send e-mail or call other systems from
``transaction.on_commit`` so they happen only when the effect commits (at most
once; make them idempotent at the other end where that matters); never
catch the transient errors yourself. Apps never call ``.delay()``: they
enqueue by name, and beat's periodic work enters through ``jobs.enqueue_periodic``
(one outbox key per period). A message sent past the outbox (by hand, from
``celery call``) has no outbox key; its Celery task id is used instead, which
still makes a redelivery of that message a no-op.

A task whose work cannot be one transaction (it commits progress as it goes)
uses ``IdempotentTask`` as its base and calls ``self.run_once`` for the one
transaction that takes effect (``funding.import_spend``, ``exports.build``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import psycopg
from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction

from .services import task_execution_claim

logger = logging.getLogger(__name__)

# Django wraps psycopg's errors in its own; psycopg's own are listed for code
# that uses a raw psycopg connection. OperationalError covers lost connections,
# deadlocks and serialization failures (psycopg's TransactionRollback) and lock
# timeouts (LockNotAvailable); InterfaceError a connection closed under us.
TRANSIENT_DB_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError, psycopg.OperationalError)


class IdempotentTask(Task):
    """Base class: late acknowledgement, requeue on a lost worker, retries on transient database errors."""

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = TRANSIENT_DB_ERRORS
    retry_backoff = True  # 1 s, 2 s, 4 s, … with jitter
    retry_backoff_max = 60  # well under the broker's visibility timeout
    retry_jitter = True
    max_retries = 5
    ignore_result = True

    def idempotency_key(self) -> str:
        """The outbox's key when the message came through the outbox, else the Celery task id."""
        headers = self.request.headers or {}
        key = headers.get("idempotency_key") or getattr(self.request, "idempotency_key", None)
        return str(key) if key else f"{self.name}:{self.request.id}"

    def run_once(self, effect: Callable[..., None], kwargs: dict[str, Any]) -> None:
        key = self.idempotency_key()
        with transaction.atomic():
            # A task waits this long at most for a row lock held by a web request,
            # then retries later instead of tying up the worker.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('lock_timeout', %s, true)",
                    [f"{int(settings.WIJKTEAM_TASK_LOCK_TIMEOUT * 1000)}ms"],
                )
            claimed = task_execution_claim(
                idempotency_key=key,
                task_name=self.name,
                task_id=str(self.request.id or ""),
                retries=self.request.retries,
            )
            if not claimed:
                logger.info("Task %s already took effect for key %s; this delivery does nothing", self.name, key)
                return
            effect(**kwargs)


def idempotent_task(*, name: str, **options: Any) -> Callable[[Callable[..., None]], Any]:
    """Register ``effect`` as a Celery task named ``name`` that takes effect at most once per key.

    ``options`` go to Celery (``max_retries``, ``queue``, …). The function
    takes keyword arguments only and runs inside the task's transaction.
    """

    def decorate(effect: Callable[..., None]) -> Any:
        def run(self: IdempotentTask, **kwargs: Any) -> None:
            self.run_once(effect, kwargs)

        run.__name__ = effect.__name__
        run.__qualname__ = effect.__qualname__
        run.__module__ = effect.__module__
        run.__doc__ = effect.__doc__
        return shared_task(base=IdempotentTask, bind=True, name=name, **options)(run)

    return decorate
