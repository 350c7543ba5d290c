"""What a serving process does once the application is loaded, and how it learns it should stop."""

from __future__ import annotations

import gc


def settle() -> None:
    """Take everything loaded at start-up out of the garbage collector's rounds.

    Django, the apps, their models and URL patterns are a few hundred thousand
    long-lived objects. Python's full collection walks all of them, which made
    every fifth or so dashboard request about 100 ms slower. Frozen
    (``gc.freeze``), they are skipped; what requests allocate is collected as
    before. The WSGI entry point calls this after loading, and the ``bench_*``
    commands call it at the same point, so they measure what a worker does.
    """
    gc.collect()
    gc.freeze()


class StopRequest:
    """A signal handler that only records that a stop was asked for (``requested``).

    A second signal can arrive while the handler of the first still runs (a
    closed terminal sends HUP and TERM, make passes its own TERM on), and Python
    then runs the handler again inside itself. So the handler takes no lock:
    ``threading.Event.set`` does, and the second call waited for ever on the lock
    the first one held (``make run`` never stopped, seen in CI).
    """

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, number: int, frame: object) -> None:
        self.requested = True
