"""The access log's own retention: the owner role removes rows past their delete-after date, and re-anchors the chain.

NEN 7513 asks for five years (``WIJKTEAM_ACCESS_LOG_KEEP_YEARS``); every row
says from which day it may go (``delete_after``). Rows go oldest first, as the
chain's prefix: ``privacy_access_log_expire`` (migration 0009) removes every
chained row up to the first one still to be kept, and records the last one it
removed, its place and hash, as the chain's anchor, in the same transaction.
The anchor is sealed like a head (``seal.py``) before that transaction
commits, so ``verify_access_log`` checks the remaining chain from a start
nobody inside the database can move. The log is verified first: rows are
never removed from, nor an anchor sealed over, a log that does not verify.

Only the owner role may run this (``WIJKTEAM_DATABASE_ROLE=owner manage.py
expire_access_log``): the application role may not execute the function, and
holds no DELETE on the log; the owner holds DELETE only inside the function's
transaction, and the triggers let only expired chained rows go.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from .seal import ANCHOR, HEAD, read_seals, seal_anchor, seal_key, sealing_configured
from .sequencer import chain_access_log
from .verify import SealedHead, verify_access_log


class ExpiryRefused(Exception):
    """The log does not verify: removing rows now would hide what went wrong."""


@dataclass(frozen=True)
class Expiry:
    removed: int
    anchor: SealedHead | None


def _verify_before() -> None:
    key = seal_key()
    if sealing_configured() and key is not None:
        seals, problems = read_seals(key)
        heads = [seal for seal in seals if seal.kind == HEAD]
        last = heads[-1].head() if heads and heads[-1].head_seq > 0 else None
        anchors = [seal.head() for seal in seals if seal.kind == ANCHOR]
        result = verify_access_log(start=last, sealed_anchors=anchors)
    else:
        problems, result = [], verify_access_log()
    if problems or not result.ok:
        details = problems + [f"seq {item.seq}: {item.problem}" for item in result.breaks[:20]]
        raise ExpiryRefused("; ".join(details))


def expire_access_log() -> Expiry:
    """Remove the rows past their delete-after date (as the owner role); return how many and the new anchor."""
    chain_access_log()
    _verify_before()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT removed, anchor_seq, anchor_hash FROM privacy_access_log_expire(%s)",
            [settings.WIJKTEAM_ACCESS_LOG_KEEP_YEARS],
        )
        removed, seq, entry_hash = cursor.fetchone()
        if not removed:
            return Expiry(removed=0, anchor=None)
        # Sealed before the removal commits: should the commit fail, the rows are still there and verify.
        sealed = seal_anchor(seq=seq, entry_hash=entry_hash)
    return Expiry(
        removed=int(removed),
        anchor=SealedHead(head_seq=seq, head_hash=entry_hash, sealed_at=sealed.sealed_at if sealed else ""),
    )
