"""One definition of a blocked action and its euros stuck, for every figure that counts them.

An action's money can be held up by more than one open blockage (two rules, or a rule and a budget running
out). It is blocked once, for the largest amount any of them holds up, and under the silo of that blockage
(the first of equal ones). The funding audit's cells (``summary.REFRESH_SQL``), the auditor's drill-down
beneath a cell (``report.CELL_SQL``) and the dashboard's blockage facts (``monitoring.services``) all select
the counted blockage with ``counted_blockage_sql``, so the euros stuck of a cell are the sum of the euros
stuck of the cases listed beneath it (issue 18, step 5; ``tests/funding/test_euros_stuck.py``).
"""

from __future__ import annotations

OPEN = "('open', 'escalated')"


def counted_blockage_sql(alias: str) -> str:
    """SQL condition: the blockage ``alias`` (a row of funding_blockage) is the one its action is counted by."""
    return f"""({alias}.status IN {OPEN} AND NOT EXISTS (
        SELECT 1 FROM funding_blockage other
         WHERE other.action_id = {alias}.action_id AND other.status IN {OPEN}
           AND (other.euros_stuck > {alias}.euros_stuck
                OR (other.euros_stuck = {alias}.euros_stuck AND other.id < {alias}.id))
    ))"""  # noqa: S608 — an alias of the caller's SQL
