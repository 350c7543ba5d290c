"""Seal the head of the access log with a key the database does not hold.

A seal records the chain's head (its seq and hash) and the time, with an
HMAC-SHA256 over them under ``WIJKTEAM_LOG_SEAL_KEY`` (or the key in
``WIJKTEAM_LOG_SEAL_KEY_FILE``). It is appended, one JSON line, to
``access-log-seals.jsonl`` in ``WIJKTEAM_LOG_SEAL_DIR`` and written as a log
line, both out of the database's reach: the directory belongs to the worker's
host or container, never the database server's (a superuser can write files
there), and the log line goes to the log collector. ``verify_access_log``
then catches what a database superuser does after a seal: rewriting rows
(however consistently the chain is recomputed), cutting rows off the end, or
emptying the table.

Beat seals every ``WIJKTEAM_LOG_SEAL_MINUTES``; ``manage.py seal_access_log``
seals at once. A seal is made only when the rows since the previous seal
verify, so a rewrite is never sealed over.

The retention step (``expiry.py``) seals the chain's new anchor the same way,
as a seal of kind ``anchor`` (its MAC under a purpose of its own): a superuser
who removes the oldest rows and writes an anchor of their own is caught.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from .sequencer import chain_access_log
from .verify import SealedHead, Verification, verify_access_log

logger = logging.getLogger(__name__)

SEAL_FILE_NAME = "access-log-seals.jsonl"
_PURPOSE = "wijkteam access-log seal v1"
_ANCHOR_PURPOSE = "wijkteam access-log anchor v1"
HEAD = "head"
ANCHOR = "anchor"


class SealRefused(Exception):
    """The log does not verify since the previous seal: sealing it now would bless a rewrite."""


@dataclass(frozen=True)
class Seal:
    sealed_at: str
    head_seq: int
    head_hash: str
    mac: str
    # HEAD: the chain's head at the time; ANCHOR: the last row the retention step removed.
    kind: str = HEAD

    def head(self) -> SealedHead:
        return SealedHead(head_seq=self.head_seq, head_hash=self.head_hash, sealed_at=self.sealed_at)


def seal_key() -> bytes | None:
    """The key from the environment, or from the key file (made first, in development and tests, when asked)."""
    if settings.WIJKTEAM_LOG_SEAL_KEY:
        return str(settings.WIJKTEAM_LOG_SEAL_KEY).encode()
    if not settings.WIJKTEAM_LOG_SEAL_KEY_FILE:
        return None
    path = Path(settings.WIJKTEAM_LOG_SEAL_KEY_FILE)
    if not path.exists() and settings.WIJKTEAM_LOG_SEAL_GENERATE_KEY:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip().encode() or None


def seal_path() -> Path | None:
    directory = settings.WIJKTEAM_LOG_SEAL_DIR
    return Path(directory) / SEAL_FILE_NAME if directory else None


def _mac(key: bytes, *, sealed_at: str, head_seq: int, head_hash: str, kind: str = HEAD) -> str:
    purpose = _ANCHOR_PURPOSE if kind == ANCHOR else _PURPOSE
    message = "\x1f".join([purpose, sealed_at, str(head_seq), head_hash]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def read_seals(key: bytes) -> tuple[list[Seal], list[str]]:
    """The seals in the file whose MAC holds, oldest first, and a problem for every line that does not."""
    path = seal_path()
    if path is None or not path.exists():
        return [], []
    seals: list[Seal] = []
    problems: list[str] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            seal = Seal(**json.loads(line))
            expected = _mac(
                key, sealed_at=seal.sealed_at, head_seq=seal.head_seq, head_hash=seal.head_hash, kind=seal.kind
            )
            genuine = seal.kind in (HEAD, ANCHOR) and hmac.compare_digest(expected, seal.mac)
        except (TypeError, ValueError):
            genuine = False
        if genuine:
            seals.append(seal)
        else:
            problems.append(f"{path}, line {number}: not a seal made with this key")
    return seals, problems


def _append(seal: Seal) -> None:
    path = seal_path()
    assert path is not None
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # O_APPEND: a seal is only ever added, never rewritten; fsync so a crash cannot lose one that was logged.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(asdict(seal), sort_keys=True) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def seal_access_log() -> Seal:
    """Verify the rows since the last seal, then seal the current head. Raises :class:`SealRefused` on a break."""
    key = seal_key()
    if key is None or seal_path() is None:
        raise ImproperlyConfigured(
            "Sealing the access log needs WIJKTEAM_LOG_SEAL_KEY (or WIJKTEAM_LOG_SEAL_KEY_FILE) "
            "and WIJKTEAM_LOG_SEAL_DIR."
        )
    # The seal covers every row appended until now: chain the tail first (privacy/sequencer.py).
    chain_access_log()
    seals, problems = read_seals(key)
    heads = [seal for seal in seals if seal.kind == HEAD]
    last = heads[-1].head() if heads and heads[-1].head_seq > 0 else None
    anchors = [seal.head() for seal in seals if seal.kind == ANCHOR]
    result: Verification = verify_access_log(start=last, sealed_anchors=anchors)
    if problems or not result.ok:
        details = problems + [f"seq {item.seq}: {item.problem}" for item in result.breaks[:20]]
        logger.error("access log NOT sealed: it does not verify since the last seal: %s", "; ".join(details))
        raise SealRefused("; ".join(details))
    head_seq = result.head_seq if result.head_seq is not None else (last.head_seq if last else 0)
    head_hash = result.head_hash or (last.head_hash if last else "")
    sealed_at = timezone.now().isoformat()
    seal = Seal(
        sealed_at=sealed_at,
        head_seq=head_seq,
        head_hash=head_hash,
        mac=_mac(key, sealed_at=sealed_at, head_seq=head_seq, head_hash=head_hash),
    )
    _append(seal)
    # The same seal in the log collector, a second place out of the database's reach.
    logger.info(
        "access log sealed: head seq %s, hash %s, at %s, mac %s",
        seal.head_seq,
        seal.head_hash,
        seal.sealed_at,
        seal.mac,
    )
    return seal


def sealing_configured() -> bool:
    return seal_key() is not None and seal_path() is not None


def seal_anchor(*, seq: int, entry_hash: str) -> Seal | None:
    """Seal the chain's new anchor after the retention step; None when sealing is not configured."""
    key = seal_key()
    if key is None or seal_path() is None:
        return None
    sealed_at = timezone.now().isoformat()
    seal = Seal(
        sealed_at=sealed_at,
        head_seq=seq,
        head_hash=entry_hash,
        mac=_mac(key, sealed_at=sealed_at, head_seq=seq, head_hash=entry_hash, kind=ANCHOR),
        kind=ANCHOR,
    )
    _append(seal)
    logger.info("access log anchor sealed: seq %s, hash %s, at %s, mac %s", seq, entry_hash, sealed_at, seal.mac)
    return seal
