"""A stop signal that arrives while the handler of the previous one still runs.

Python runs a signal's handler between two steps of whatever the main thread is doing, the handler of
another signal included. ``make run`` once hung in CI for good: make passed its TERM on to the
supervisor (``wijkteam.embedded_db serve``) while the supervisor's handler was inside
``threading.Event.set``, whose lock the second call then waited for. The test runs a handler again at
every step of its first call, as a second signal would, in a thread it can give up on.
"""

import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from common.runtime import StopRequest


def returns_when_run_inside_itself(handler: Callable[[int, Any], None]) -> bool:
    """Call ``handler`` and, at every line it (or what it calls) runs, call it once more: True if it returns."""

    def run() -> None:
        nested = False

        def tracer(frame: FrameType, event: str, arg: object) -> Callable[..., Any] | None:
            nonlocal nested
            if event == "line" and not nested:
                nested = True
                handler(signal.SIGTERM, None)  # the second signal, here
                nested = False
            return tracer

        sys.settrace(tracer)
        try:
            handler(signal.SIGHUP, None)
        finally:
            sys.settrace(None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=5)
    return not thread.is_alive()


def test_the_stop_handler_can_run_inside_itself() -> None:
    stop = StopRequest()
    assert returns_when_run_inside_itself(stop)
    assert stop.requested


def test_a_handler_that_sets_an_event_cannot() -> None:
    """What the supervisor did before: the test above would find it (this leaves one thread blocked)."""
    event = threading.Event()
    assert not returns_when_run_inside_itself(lambda number, frame: event.set())
