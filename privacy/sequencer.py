"""The access log's sequencer: it chains the rows the requests appended, moments later, in batches.

A request appends its rows without any lock (the INSERT trigger gives each
row only the hash of its own content, ``content_hash``); the rows wait,
unchained, in the log's tail. The sequencer gives them their place in the
chain (``seq``), the previous row's hash and their chain hash, in id order, under
the one advisory lock, as a verifiable log's sequencer does (Certificate
Transparency). It runs

- every ``WIJKTEAM_ACCESS_LOG_CHAIN_SECONDS`` from beat (``privacy.chain_access_log``),
- from ``manage.py chain_access_log``, and before every seal,
- opportunistically after a request's log rows commit, at most once per
  ``WIJKTEAM_ACCESS_LOG_CHAIN_SECONDS`` per process, in a background thread
  on a connection of its own (the response does not wait for it), and only
  when no other sequencer is at work (it never waits for the lock).

The chaining itself is the database function ``privacy_access_log_sequence``
(migration 0009), owned by the owner role and run with its rights; it takes
no values from its caller but a batch size, and fills only the chain columns
of unchained rows whose content hash still holds. The application role has no
UPDATE on the log, so it cannot chain, or rechain, a row any other way.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

BATCH = 10_000
# Opportunistic runs chain at most this many rows, so that a request that happens to run one stays quick.
OPPORTUNISTIC_BATCH = 2_000

_last_opportunistic_run = float("-inf")
_background: threading.Thread | None = None


def chain_access_log(*, limit: int | None = None, batch: int = BATCH) -> int:
    """Chain the unchained rows, ``batch`` per transaction, up to ``limit`` (all when None); return how many.

    Returns at once (0) when another sequencer holds the lock: it chains the same rows.
    """
    total = 0
    with connection.cursor() as cursor:
        while limit is None or total < limit:
            size = batch if limit is None else min(batch, limit - total)
            cursor.execute("SELECT privacy_access_log_sequence(%s)", [size])
            chained = int(cursor.fetchone()[0])
            total += chained
            if chained < size:
                break
    return total


def pending_rows() -> int:
    """How many rows wait in the tail for the sequencer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM privacy_accesslogentry WHERE seq IS NULL")
        return int(cursor.fetchone()[0])


def _chain_in_background() -> None:
    try:
        chain_access_log(limit=OPPORTUNISTIC_BATCH, batch=OPPORTUNISTIC_BATCH)
    except DatabaseError:
        # Beat's run chains them instead; the rows are logged either way.
        logger.warning("opportunistic access-log sequencing failed", exc_info=True)
    finally:
        connection.close()  # this thread's own connection


def _chain_opportunistically() -> None:
    global _background
    if _background is not None and _background.is_alive():
        return
    _background = threading.Thread(target=_chain_in_background, name="access-log-sequencer", daemon=True)
    _background.start()


def wait_for_background_run(timeout: float = 30.0) -> None:
    """Wait for this process's opportunistic run, if one is under way (tests, and a clean shutdown)."""
    if _background is not None:
        _background.join(timeout)


def chain_soon() -> None:
    """After the current transaction commits, chain the tail if this process has not done so lately."""
    global _last_opportunistic_run
    interval = settings.WIJKTEAM_ACCESS_LOG_CHAIN_SECONDS
    if interval <= 0 or not settings.WIJKTEAM_ACCESS_LOG_CHAIN_OPPORTUNISTIC:
        return
    now = time.monotonic()
    if now - _last_opportunistic_run < interval:
        return
    _last_opportunistic_run = now
    transaction.on_commit(_chain_opportunistically)
