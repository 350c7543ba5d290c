"""Verify the access log's hash chain in Python, and check it against the seals.

Every hash is recomputed here from the row's stored values, never by a
database function: whoever can replace a function in the database (its owner,
a superuser) could otherwise make an altered row verify. :func:`row_digest`
must give exactly what the trigger ``privacy_access_log_chain`` stores (its
``privacy_access_log_digest``, migrations 0002 and 0007); ``tests/security/`` pins that.

Rows are appended unchained (their ``content_hash`` covers their own content,
id included) and chained moments later by the sequencer (``sequencer.py``):
``entry_hash = sha256('v3', seq, previous_hash, content_hash)``. Rows chained
before migration 0009 have no content hash and keep their old digest. The
tail of rows still waiting is checked too: each must be whole (its content
hash holds) and carry no chain values; how many wait is reported.

After the owner's retention step (``expiry.py``) removed the oldest rows,
the chain starts after its anchor: the last removed row's place and hash,
kept in ``privacy_accessloganchor`` and sealed (``seal.py``).

A consistent chain proves only that nobody changed a row without rewriting
every later one. A database superuser can do that; the seals
(:mod:`privacy.seal`) are what such a rewrite cannot follow: each one records
the head of the chain at its time, with a key the database does not hold, in a
file the database cannot write. A row at or before a sealed head that no
longer hashes to the sealed value, or a log shorter than its last seal, is
reported here.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

ZERO_HASH = "0" * 64
SEPARATOR = "\x1f"
# The fields of the digest, in its order (migration 0002's privacy_access_log_digest).
DIGEST_FIELDS = (
    "seq",
    "previous_hash",
    "occurred_at",
    "user_id",
    "username",
    "role",
    "organisation_id",
    "organisation_name",
    "on_behalf_of",
    "action",
    "outcome",
    "channel",
    "household_id",
    "person_id",
    "case_id",
    "object_type",
    "object_uuid",
    "detail",
    "path",
    "client_address",
    "request_id",
)
# Covered since migration 0007, appended after the fields above; a row with all of them empty (every
# row written before it) hashes without them, as it did then.
EXTENDED_FIELDS = ("activity", "legal_basis", "reason", "trace_id", "span_id", "parent_span_id", "delete_after")
# A row's own content, hashed as it is appended (migration 0009's privacy_access_log_content_digest).
CONTENT_FIELDS = (
    "id",
    *[name for name in DIGEST_FIELDS if name not in ("seq", "previous_hash")],
    *EXTENDED_FIELDS,
)
V3 = "v3"
MAX_BREAKS = 1000


@dataclass(frozen=True)
class Break:
    seq: int
    problem: str


@dataclass(frozen=True)
class SealedHead:
    """What verification needs of a seal: the head it recorded and when."""

    head_seq: int
    head_hash: str
    sealed_at: str


@dataclass
class Verification:
    rows: int
    head_seq: int | None
    head_hash: str
    breaks: list[Break] = field(default_factory=list)
    # The newest seal the log was checked against, if any.
    last_seal: SealedHead | None = None
    # Rows appended but not yet chained by the sequencer, each checked whole.
    pending: int = 0
    # Where the chain starts after the retention step removed its oldest rows.
    anchor: SealedHead | None = None

    @property
    def ok(self) -> bool:
        return not self.breaks


def _timestamp(value: datetime.datetime) -> str:
    """As ``to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')``."""
    utc = value.astimezone(datetime.UTC)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}"
    )


def _ipv6(address: ipaddress.IPv6Address) -> str:
    """PostgreSQL's text for an IPv6 address: BIND's inet_ntop, with embedded IPv4 written as a dotted quad."""
    words = [int.from_bytes(address.packed[i : i + 2], "big") for i in range(0, 16, 2)]
    best_base, best_len, base, length = -1, 0, -1, 0
    for index, word in enumerate([*words, 1]):  # a sentinel closes a run at the end
        if word == 0:
            base, length = (index, 1) if base == -1 else (base, length + 1)
        elif base != -1:
            if length > best_len:
                best_base, best_len = base, length
            base = -1
    if best_len < 2:
        best_base = -1
    text = ""
    for index, word in enumerate(words):
        if best_base != -1 and best_base <= index < best_base + best_len:
            if index == best_base:
                text += ":"
            continue
        if index:
            text += ":"
        embedded_ipv4 = (
            index == 6
            and best_base == 0
            and (best_len == 6 or (best_len == 7 and words[7] != 1) or (best_len == 5 and words[5] == 0xFFFF))
        )
        if embedded_ipv4:
            text += str(ipaddress.IPv4Address(address.packed[12:]))
            break
        text += f"{word:x}"
    if best_base != -1 and best_base + best_len == 8:
        text += ":"
    return text


def _host(value: Any) -> str:
    """As ``host(client_address)``: the address without its netmask."""
    if value is None:
        return ""
    address = ipaddress.ip_interface(str(value)).ip
    return _ipv6(address) if isinstance(address, ipaddress.IPv6Address) else str(address)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _field(name: str, value: Any) -> str:
    if name == "occurred_at":
        return _timestamp(value)
    if name == "client_address":
        return _host(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _text(value)


def content_digest(row: dict[str, Any]) -> str:
    """The SHA-256 of a row's own content that the INSERT trigger stores as ``content_hash``."""
    parts = [V3, *(_field(name, row[name]) for name in CONTENT_FIELDS)]
    return hashlib.sha256(SEPARATOR.join(parts).encode("utf-8")).hexdigest()


def link_digest(seq: int, previous_hash: str, content_hash: str) -> str:
    """The chain hash the sequencer gives a row: its place, the previous row's hash and its content hash."""
    return hashlib.sha256(SEPARATOR.join([V3, str(seq), previous_hash, content_hash]).encode("utf-8")).hexdigest()


def row_digest(row: dict[str, Any]) -> str:
    """The chain hash a row with these values must have (seq and previous hash included).

    For a row appended since migration 0009 (it has a content hash) from its
    content recomputed, not from the stored content hash.
    """
    if row.get("content_hash"):
        return link_digest(row["seq"], row["previous_hash"], content_digest(row))
    parts = []
    for name in DIGEST_FIELDS:
        value = row[name]
        if name == "occurred_at":
            parts.append(_timestamp(value))
        elif name == "client_address":
            parts.append(_host(value))
        else:
            parts.append(_text(value))
    extended = [row.get(name) for name in EXTENDED_FIELDS]
    if any(value not in (None, "") for value in extended):
        parts.extend(value.isoformat() if isinstance(value, datetime.date) else _text(value) for value in extended)
    return hashlib.sha256(SEPARATOR.join(parts).encode("utf-8")).hexdigest()


_NAMES = ["id", *DIGEST_FIELDS, *EXTENDED_FIELDS, "content_hash", "entry_hash"]
_COLUMNS = ", ".join(_NAMES)
_CHAINED = f"SELECT {_COLUMNS} FROM privacy_accesslogentry WHERE seq >= %s ORDER BY seq"  # noqa: S608
_TAIL = f"SELECT {_COLUMNS} FROM privacy_accesslogentry WHERE seq IS NULL ORDER BY id"  # noqa: S608


def _rows(sql: str, params: Sequence[Any]) -> Iterable[dict[str, Any]]:
    # A named cursor streams the log in batches instead of loading it whole.
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(2000):
            for values in batch:
                yield dict(zip(_NAMES, values, strict=True))


def newest_anchor() -> SealedHead | None:
    """The chain's start after retention: the last row removed, from the anchor table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, entry_hash, made_at FROM privacy_accessloganchor ORDER BY seq DESC LIMIT 1")
        found = cursor.fetchone()
    if found is None:
        return None
    return SealedHead(head_seq=int(found[0]), head_hash=found[1], sealed_at=found[2].isoformat())


def _rows_ever_written() -> int:
    """How many ids the log's sequence has handed out (a TRUNCATE without RESTART IDENTITY leaves it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('privacy_accesslogentry', 'id')")
        (sequence,) = cursor.fetchone()
        if sequence is None:
            return 0
        cursor.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence}")  # noqa: S608
        return int(cursor.fetchone()[0])


def verify_access_log(
    *,
    seals: Sequence[SealedHead] = (),
    start: SealedHead | None = None,
    sealed_anchors: Sequence[SealedHead] | None = None,
) -> Verification:
    """Check every chained row from the chain's start (or from the sealed head ``start``) to its head, then the tail.

    ``seals`` are heads recorded earlier; each must still be in the log with
    the hash it had then, unless the retention step removed it (it lies at or
    before the anchor). ``sealed_anchors``, when given (seals are kept), are
    the anchors the retention step sealed: the anchor the log starts after
    must be one of them.
    """
    if start is not None and start.head_seq < 1:
        start = None  # a seal of the empty log
    breaks: list[Break] = []

    def report(seq: int, problem: str) -> None:
        if len(breaks) < MAX_BREAKS:
            breaks.append(Break(seq=seq, problem=problem))

    anchor = newest_anchor()
    prior_seq: int | None = None
    prior_hash = ""
    if anchor is not None and (start is None or start.head_seq <= anchor.head_seq):
        # The oldest rows were removed by retention: the chain goes on from the last one removed.
        first_seq = anchor.head_seq + 1
        prior_seq, prior_hash = anchor.head_seq, anchor.head_hash
        start = None
        if sealed_anchors is not None and not any(
            item.head_seq == anchor.head_seq and item.head_hash == anchor.head_hash for item in sealed_anchors
        ):
            report(anchor.head_seq, "the log starts after an anchor no seal records: rows were removed")
        for head in seals:
            if head.head_seq == anchor.head_seq and head.head_hash != anchor.head_hash:
                report(anchor.head_seq, f"the anchor differs from the head sealed at {head.sealed_at}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM privacy_accesslogentry WHERE seq <= %s", [anchor.head_seq])
            if left := cursor.fetchone()[0]:
                report(anchor.head_seq, f"{left} rows at or before the anchor are still in the log")
    else:
        first_seq = start.head_seq if start else 1
    sealed = {seal.head_seq: seal for seal in seals if seal.head_seq >= first_seq}
    if start is not None:
        sealed.setdefault(start.head_seq, start)
    rows = 0
    head_seq: int | None = prior_seq
    head_hash = prior_hash

    for row in _rows(_CHAINED, [first_seq]):
        rows += 1
        seq = row["seq"]
        expected_seq = first_seq if prior_seq is None else prior_seq + 1
        if row["content_hash"]:  # appended since 0009: its content, then its link (the content hashed once)
            content = content_digest(row)
            altered = content != row["content_hash"] or (
                link_digest(seq, row["previous_hash"], content) != row["entry_hash"]
            )
        else:
            altered = row_digest(row) != row["entry_hash"]
        if altered:
            report(seq, "altered")
        elif seq != expected_seq:
            report(seq, "rows removed before this one")
        elif prior_seq is None and start is None and row["previous_hash"] != ZERO_HASH:
            report(seq, "chain start altered")
        elif prior_seq is not None and row["previous_hash"] != prior_hash:
            report(seq, "chain broken")
        seal = sealed.pop(seq, None)
        if seal is not None and row["entry_hash"] != seal.head_hash:
            report(seq, f"differs from the head sealed at {seal.sealed_at}: the log was rewritten after that seal")
        prior_seq, prior_hash = seq, row["entry_hash"]
        head_seq, head_hash = seq, row["entry_hash"]
    for seal in sorted(sealed.values(), key=lambda item: item.head_seq):
        report(
            seal.head_seq,
            f"sealed at {seal.sealed_at} but no longer in the log (it ends at seq {head_seq or 0}): rows were removed",
        )
    pending = 0
    for row in _rows(_TAIL, []):
        pending += 1
        if not row["content_hash"]:
            report(0, f"row id {row['id']} has no place in the chain and no content hash")
        elif row["previous_hash"] or row["entry_hash"]:
            report(0, f"row id {row['id']} is not chained, yet carries chain values")
        elif content_digest(row) != row["content_hash"]:
            report(0, f"row id {row['id']} (not yet chained): altered")
    if anchor is None and start is None and rows + pending == 0 and _rows_ever_written():
        report(0, f"the log is empty, yet {_rows_ever_written()} rows were written to it: rows were removed")
    newest = max(seals, key=lambda item: item.head_seq, default=start)
    return Verification(
        rows=rows,
        head_seq=head_seq,
        head_hash=head_hash,
        breaks=breaks,
        last_seal=newest,
        pending=pending,
        anchor=anchor,
    )
