"""Verify the access log's hash chain in one pass of SQL."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class Break:
    seq: int
    problem: str


@dataclass(frozen=True)
class Verification:
    rows: int
    head_seq: int | None
    head_hash: str
    breaks: list[Break]

    @property
    def ok(self) -> bool:
        return not self.breaks


VERIFY_SQL = """
WITH chain AS (
    SELECT e.seq, e.entry_hash, e.previous_hash,
           privacy_access_log_digest(e) AS recomputed,
           lag(e.seq) OVER w AS prior_seq,
           lag(e.entry_hash) OVER w AS prior_hash
      FROM privacy_accesslogentry e
    WINDOW w AS (ORDER BY e.seq)
)
SELECT seq,
       CASE
         WHEN recomputed <> entry_hash THEN 'altered'
         WHEN prior_seq IS NULL AND seq <> 1 THEN 'rows removed before this one'
         WHEN prior_seq IS NOT NULL AND seq <> prior_seq + 1 THEN 'rows removed before this one'
         WHEN prior_seq IS NULL AND previous_hash <> repeat('0', 64) THEN 'chain start altered'
         WHEN prior_seq IS NOT NULL AND previous_hash <> prior_hash THEN 'chain broken'
       END AS problem
  FROM chain
 WHERE recomputed <> entry_hash
    OR (prior_seq IS NULL AND (seq <> 1 OR previous_hash <> repeat('0', 64)))
    OR (prior_seq IS NOT NULL AND (seq <> prior_seq + 1 OR previous_hash <> prior_hash))
 ORDER BY seq
 LIMIT 1000
"""


def verify_access_log() -> Verification:
    with connection.cursor() as cursor:
        cursor.execute(VERIFY_SQL)
        breaks = [Break(seq=seq, problem=problem) for seq, problem in cursor.fetchall()]
        cursor.execute("SELECT count(*), max(seq) FROM privacy_accesslogentry")
        rows, head_seq = cursor.fetchone()
        cursor.execute("SELECT entry_hash FROM privacy_accesslogentry ORDER BY seq DESC LIMIT 1")
        head = cursor.fetchone()
    return Verification(rows=rows, head_seq=head_seq, head_hash=head[0] if head else "", breaks=breaks)
