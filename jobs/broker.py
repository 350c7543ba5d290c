"""Talking to the broker from the request path, within a bounded time.

The worker's own broker connection uses Celery's settings
(``CELERY_BROKER_TRANSPORT_OPTIONS``). Publishing from a web request and the
readiness probe use a separate connection with short socket timeouts and no
retries: when the broker is down the outbox row simply stays pending, so a
dead or hanging broker costs a request at most about
``WIJKTEAM_BROKER_TIMEOUT`` seconds, never a worker thread for minutes.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any

from celery import current_app as celery_app
from django.conf import settings
from kombu import Connection
from kombu.exceptions import OperationalError

# ``current_app`` is the project's Celery app (the project package creates it at start-up); jobs sits below
# the project and does not import it.


def is_eager() -> bool:
    """Without a broker (development, most tests) tasks run in the calling process."""
    return bool(celery_app.conf.task_always_eager)


def bounded_connection() -> Connection:
    timeout = settings.WIJKTEAM_BROKER_TIMEOUT
    return celery_app.connection_for_write(
        connect_timeout=timeout,
        transport_options={"socket_connect_timeout": timeout, "socket_timeout": timeout, "max_retries": 0},
    )


def broker_errors(connection: Connection) -> tuple[type[BaseException], ...]:
    """What an unreachable or hanging broker raises, for this transport."""
    return (OperationalError, OSError, *connection.connection_errors, *connection.channel_errors)


def ping() -> bool:
    """Whether the broker accepts a connection and answers, within the bounded time."""
    with bounded_connection() as connection:
        try:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=settings.WIJKTEAM_BROKER_TIMEOUT)
            # Redis answers PING on a connection it accepted; a hung server times out here. The demo's
            # filesystem transport has no server to ask: a connection to its folder is the answer.
            client = getattr(connection.default_channel, "client", None)
            if client is not None:
                client.ping()
        except broker_errors(connection):
            return False
        return True


class Publisher:
    """Sends tasks over one bounded connection (or runs them in-process when eager)."""

    def __init__(self) -> None:
        self.connection: Connection | None = None if is_eager() else bounded_connection()

    def __enter__(self) -> Publisher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.connection is not None:
            self.connection.release()

    @property
    def errors(self) -> tuple[type[BaseException], ...]:
        return broker_errors(self.connection) if self.connection is not None else ()

    def send(self, *, task_name: str, kwargs: dict[str, Any], task_id: str, headers: dict[str, str]) -> None:
        if self.connection is None:
            # Eager: the task runs here and now; its exceptions propagate (CELERY_TASK_EAGER_PROPAGATES).
            celery_app.tasks[task_name].apply(kwargs=kwargs, task_id=task_id, headers=headers)
            return
        celery_app.send_task(
            task_name, kwargs=kwargs, task_id=task_id, headers=headers, connection=self.connection, retry=False
        )


class BrokerCircuit:
    """Remembers, per process, that the broker just failed, so later requests do not each wait for it.

    After a failure, after-commit publishing is skipped for ``cool_down``
    seconds and the rows wait for the relay. The relay itself ignores the
    circuit: it is how the system finds out the broker is back.
    """

    cool_down = 5.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open_until = 0.0

    def trip(self) -> None:
        with self._lock:
            self._open_until = time.monotonic() + self.cool_down

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self._open_until


circuit = BrokerCircuit()
