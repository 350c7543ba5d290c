"""Reminders: the signals that ask a case's professionals for attention, kept current in SQL.

The daily task (``cases.tasks.refresh_reminders``) computes, in one statement,
every cause that holds today and brings the table in line with it: a cause
without an open reminder gets one, an open reminder whose cause is gone is
resolved. Running it twice changes nothing the second time.

The causes (issue 7, "reminders"):

- no contact for ``CONTACT_OVERDUE_DAYS`` days on an open case (counted from
  the last contact, or from the referral when there is none);
- the plan not evaluated for ``PLAN_EVALUATION_MONTHS`` months: its newest
  version is older than that;
- consent that expires within ``CONSENT_NOTICE_DAYS`` days, or has expired,
  while no later consent of the same person for the same purpose exists and
  it was not revoked;
- an 18-/18+ transition within ``AGE_TRANSITION_NOTICE_DAYS`` days: a running
  action's beneficiary passes the age limit of the stream that pays it (or of
  the stream an open "age limit" blockage names) before the action ends, so
  the coordinator can arrange what takes over (issue 14). ``since`` is the day.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from notifications.services import notify

from .querysets import CONTACT_OVERDUE_DAYS

PLAN_EVALUATION_MONTHS = 6
CONSENT_NOTICE_DAYS = 30
AGE_TRANSITION_NOTICE_DAYS = 90
# One refresh at a time: two would both insert the same new causes.
_LOCK_KEY = 0x57_52_45_4D  # "WREM"

DUE_SQL = """
    SELECT c.id AS case_id, 'no_contact' AS kind, NULL::bigint AS consent_id,
           coalesce(last.occurred_on, c.referred_on) AS since
      FROM cases_case c
      LEFT JOIN LATERAL (
            SELECT max(k.occurred_on) AS occurred_on FROM cases_contact k WHERE k.case_id = c.id
      ) last ON true
     WHERE c.status <> 'afgesloten' AND c.anonymised_at IS NULL
       AND coalesce(last.occurred_on, c.referred_on) < %(today)s::date - %(contact_days)s
    UNION ALL
    SELECT c.id, 'plan_evaluation', NULL, newest.created_on
      FROM cases_case c
      JOIN cases_plan p ON p.case_id = c.id
      JOIN LATERAL (
            SELECT max(v.created_at)::date AS created_on FROM cases_planversion v WHERE v.plan_id = p.id
      ) newest ON newest.created_on IS NOT NULL
     WHERE c.status <> 'afgesloten' AND c.anonymised_at IS NULL
       AND newest.created_on <= (%(today)s::date - make_interval(months => %(plan_months)s))::date
    UNION ALL
    SELECT c.id, 'consent_expiring', s.id, s.expires_on
      FROM cases_consent s
      JOIN cases_case c ON c.id = s.case_id
     WHERE c.status <> 'afgesloten' AND c.anonymised_at IS NULL
       AND s.revoked_on IS NULL
       AND s.expires_on <= %(today)s::date + %(consent_days)s
       AND NOT EXISTS (
            SELECT 1 FROM cases_consent later
             WHERE later.case_id = s.case_id AND later.person_id = s.person_id AND later.purpose = s.purpose
               AND later.revoked_on IS NULL AND later.given_on > s.given_on
               AND (later.expires_on IS NULL OR later.expires_on > s.expires_on)
       )
    UNION ALL
    SELECT t.case_id, 'age_transition', NULL, min(t.crossing)
      FROM (
            SELECT a.case_id, a.end_date,
                   (p.date_of_birth + make_interval(years => s.max_age + 1))::date AS crossing
              FROM funding_allocation al
              JOIN funding_fundingstream s ON s.id = al.stream_id AND s.max_age IS NOT NULL
              JOIN cases_action a ON a.id = al.action_id AND a.status IN ('approved', 'in_progress')
              JOIN cases_person p ON p.id = a.beneficiary_id
            UNION ALL
            SELECT a.case_id, a.end_date, b.gap_from
              FROM funding_blockage b
              JOIN cases_action a ON a.id = b.action_id AND a.status IN ('proposed', 'approved', 'in_progress')
             WHERE b.reason = 'age_limit' AND b.status IN ('open', 'escalated')
      ) t
      JOIN cases_case c ON c.id = t.case_id
     WHERE c.status <> 'afgesloten' AND c.anonymised_at IS NULL
       AND t.crossing BETWEEN %(today)s::date AND %(today)s::date + %(age_days)s
       AND (t.end_date IS NULL OR t.end_date >= t.crossing)
     GROUP BY t.case_id
"""

REFRESH_SQL = f"""
    WITH due AS ({DUE_SQL}),
    resolved AS (
        UPDATE cases_reminder r SET resolved_at = %(now)s
         WHERE r.resolved_at IS NULL
           AND NOT EXISTS (
                SELECT 1 FROM due d
                 WHERE d.case_id = r.case_id AND d.kind = r.kind AND d.consent_id IS NOT DISTINCT FROM r.consent_id
           )
        RETURNING 1
    ),
    created AS (
        INSERT INTO cases_reminder (case_id, kind, consent_id, since, created_at)
        SELECT d.case_id, d.kind, d.consent_id, d.since, %(now)s FROM due d
         WHERE NOT EXISTS (
                SELECT 1 FROM cases_reminder r
                 WHERE r.resolved_at IS NULL AND r.case_id = d.case_id AND r.kind = d.kind
                   AND r.consent_id IS NOT DISTINCT FROM d.consent_id
         )
        RETURNING id
    )
    SELECT (SELECT count(*) FROM created), (SELECT count(*) FROM resolved), (SELECT max(id) FROM created)
"""  # noqa: S608 (composed of constants only; the values are parameters)


@dataclass(frozen=True)
class RefreshResult:
    created: int
    resolved: int


@transaction.atomic
def reminders_refresh(*, today: datetime.date | None = None) -> RefreshResult:
    """Bring the open reminders in line with the causes that hold on ``today``; idempotent."""
    params: dict[str, datetime.date | datetime.datetime | int] = {
        "today": today or timezone.localdate(),
        "now": timezone.now(),
        "contact_days": CONTACT_OVERDUE_DAYS,
        "plan_months": PLAN_EVALUATION_MONTHS,
        "consent_days": CONSENT_NOTICE_DAYS,
        "age_days": AGE_TRANSITION_NOTICE_DAYS,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        cursor.execute(REFRESH_SQL, params)
        created, resolved, one_created = cursor.fetchone()
    if one_created is not None:
        # The professionals on those cases hear of it once per run, after it commits.
        notify(kind="reminders_created", subject_id=one_created)
    return RefreshResult(created=created, resolved=resolved)
