"""What a serving process does once the application is loaded."""

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
