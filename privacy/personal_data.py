"""Which models hold personal data, and the retention rule that applies to each: a reviewed classification.

This is the one list of models with personal data: the retention walk reads it, and so does the
processing register (``register.PERSONAL_DATA_MODELS`` is :func:`models_with_personal_data`).

Every installed model is in exactly one of ``PERSONAL_DATA`` (model → rule) or
``NO_PERSONAL_DATA`` (model → why not). ``tests/privacy/test_personal_data.py``
fails for a model in neither, so a new model cannot arrive without someone
deciding whether it holds personal data and how long it is kept;
``tests/privacy/test_register.py`` fails when one is covered by no processing activity.

A rule is applied by named steps that a scheduled task runs (``task``, as in
``CELERY_BEAT_SCHEDULE``; ``tests/privacy/test_retention_walk.py`` checks that the
task reaches each step), or it is left to someone who applies it by hand; the
access log is handled by the privacy log's own retention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DAILY_RETENTION = "privacy.apply_retention"  # the task's name, queued daily through the outbox
DAILY_RETENTION_FUNCTION = "privacy.tasks.apply_retention_task"


@dataclass(frozen=True)
class Rule:
    code: str
    # Shown to the privacy officer (the retention screen): through gettext, Dutch in locale/nl.
    description: Promise
    # The functions (dotted paths) that apply it, and the scheduled task that runs them.
    steps: tuple[str, ...] = ()
    task: str = ""
    # The task's function (dotted path), and functions between the task and the steps.
    task_function: str = ""
    via: tuple[str, ...] = ()
    # Who applies it when no task does, and how.
    left_to: Promise | str = ""


def _daily(*steps: str, via: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"steps": steps, "task": DAILY_RETENTION, "task_function": DAILY_RETENTION_FUNCTION, "via": via}


RULES = {
    rule.code: rule
    for rule in [
        Rule(
            "case",
            _(
                "Case data: anonymised by the daily run when the longest silo rule of the case's legal bases has run "
                "out after closing (privacy_retentionrule), write history included; a blockage's typed rule, what it "
                "cost the household and the notes of its steps go with it, and the case's documents are deleted."
            ),
            **_daily("privacy.retention.cases_anonymise", via=("privacy.retention.retention_apply",)),
        ),
        Rule(
            "person",
            _(
                "Persons and households: names, dates of birth, BSNs and addresses scrubbed with the last case that "
                "needs them, or on an erasure request without a retention duty."
            ),
            **_daily("privacy.retention.cases_anonymise", via=("privacy.retention.retention_apply",)),
        ),
        Rule(
            "export",
            _(
                "Export files: removed after WIJKTEAM_EXPORT_KEEP_HOURS by the quarter-hourly expiry; a file with a "
                "person's name at once when that person is anonymised (cases_anonymise), never a day later."
            ),
            steps=("exports.services.exports_expire",),
            task="exports.expire",
            task_function="exports.tasks.expire_exports",
        ),
        Rule(
            "request",
            _(
                "Data-subject requests: the register row (ids, dates, outcome) is kept for accountability; the "
                "released letter and the reasons of decisions are cleared after WIJKTEAM_DISCLOSURE_KEEP_DAYS, or when "
                "the person is anonymised."
            ),
            **_daily("privacy.retention.housekeeping_apply"),
        ),
        Rule(
            "draft",
            _(
                "Drafts (text typed in a long field and not saved yet): deleted when the form is saved or thrown "
                "away, otherwise by the daily run after WIJKTEAM_DRAFT_KEEP_HOURS; with their case when it is "
                "anonymised."
            ),
            **_daily("privacy.retention.housekeeping_apply"),
        ),
        Rule(
            "session",
            _("Sessions: deleted by the daily run once expired."),
            **_daily("privacy.retention.housekeeping_apply"),
        ),
        Rule(
            "login_record",
            _(
                "Login records of django-axes (IP address, user agent, user name): deleted after "
                "WIJKTEAM_LOGIN_RECORDS_KEEP_DAYS."
            ),
            **_daily("privacy.retention.housekeeping_apply"),
        ),
        Rule(
            "admin_log",
            _("The admin site's change list: deleted after WIJKTEAM_ADMIN_LOG_KEEP_DAYS."),
            **_daily("privacy.retention.housekeeping_apply"),
        ),
        Rule(
            "account",
            _(
                "Staff accounts and what hangs on them (memberships, authenticator apps, API tokens, start-page "
                "visits): kept while the account exists; an account that ends is deactivated at once and deleted by "
                "the functional administrator once no write history names it; its dependants go with it (CASCADE)."
            ),
            left_to=_("functional administrator (deactivate, then delete the account)"),
        ),
        Rule(
            "key_figure",
            _(
                "Key figures (people and places a team works with, by name and role; never residents): kept while "
                "the team works with them; the team ends one with an end date (Ons gebied), and an ended one stays "
                "listed as ended for the team."
            ),
            left_to=_("the team (end the key figure on Ons gebied)"),
        ),
        Rule(
            "access_log",
            _(
                "The access log: kept WIJKTEAM_ACCESS_LOG_KEEP_YEARS years (NEN 7513), each row until its delete-after "
                "day, then removed, oldest first, by the privacy log's own retention: the database owner role's "
                "maintenance step (manage.py expire_access_log, which re-anchors and seals the chain); the application "
                "role cannot delete from it."
            ),
            left_to=_(
                "privacy log retention: database owner role (WIJKTEAM_DATABASE_ROLE=owner manage.py expire_access_log)"
            ),
        ),
    ]
}

# Historical* models are simple-history's write history: the same rule as their model.
PERSONAL_DATA: dict[str, str] = {
    "admin.logentry": "admin_log",
    "sessions.session": "session",
    "drafts.draft": "draft",
    "otp_totp.totpdevice": "account",
    "axes.accessfailurelog": "login_record",
    "axes.accessattempt": "login_record",
    "axes.accessattemptexpiration": "login_record",
    "axes.accesslog": "login_record",
    "organisations.user": "account",
    "organisations.teammembership": "account",
    "organisations.historicalteammembership": "account",
    # A team's settings are configuration, but each history row names the user who changed them.
    "organisations.historicalteam": "account",
    # Names no resident (a case reference at most) but is addressed to a user: kept with their account.
    "notifications.notification": "account",
    # The e-mail digest choice, the calendar feed's secret, the households one opened lately: the user's own.
    "notifications.notificationsettings": "account",
    "agenda.calendarfeed": "account",
    "agenda.recenthousehold": "account",
    # Tasks and appointments are case data: their titles and places can name the household.
    "agenda.task": "case",
    "agenda.historicaltask": "case",
    "agenda.appointment": "case",
    "agenda.historicalappointment": "case",
    "funding.historicalallocation": "case",
    "funding.allocation": "case",
    "funding.spendimport": "case",
    "funding.spend": "case",
    "funding.historicalblockage": "case",
    "funding.blockage": "case",
    "funding.blockageevent": "case",
    "cases.historicalhousehold": "person",
    "cases.household": "person",
    "cases.historicalperson": "person",
    "cases.person": "person",
    "cases.historicalhouseholdmembership": "person",
    "cases.householdmembership": "person",
    "cases.historicalcase": "case",
    "cases.case": "case",
    "cases.casestatuschange": "case",
    # The handover note of a forward or transfer: free text about the household.
    "cases.casetransfer": "case",
    # The network around the household (ecogram): names of non-members, scrubbed with the household.
    "cases.historicalnetworkperson": "person",
    "cases.networkperson": "person",
    "cases.historicalinvolvement": "case",
    "cases.involvement": "case",
    "cases.plan": "case",
    "cases.planversion": "case",
    "cases.historicalgoal": "case",
    "cases.goal": "case",
    "cases.historicalcaseconference": "case",
    "cases.historicalcaseconference_participants": "case",
    "cases.caseconference": "case",
    "cases.historicalaction": "case",
    "cases.action": "case",
    "cases.historicalcontact": "case",
    "cases.contact": "case",
    # Documents go whole with the case's anonymisation (a letter or report cannot be redacted in place).
    "cases.document": "case",
    "cases.documentcontent": "case",
    "cases.historicalmeasurement": "case",
    "cases.measurement": "case",
    "cases.historicalmeasurementscore": "case",
    "cases.measurementscore": "case",
    "cases.historicalconsent": "case",
    "cases.historicalconsent_organisations": "case",
    "cases.consent": "case",
    # The meldcode huiselijk geweld en kindermishandeling: case data, anonymised with the case (its outcomes
    # are free text); in an access request every step waits for the privacy officer's decision.
    "cases.historicalmeldcodestep": "case",
    "cases.meldcodestep": "case",
    "cases.keyfigure": "key_figure",
    # The duplicate review: which persons were compared and why one is new; a merge's moved ids and set-aside rows.
    "cases.duplicatedecision": "person",
    "cases.merge": "person",
    "cases.reminder": "case",
    "privacy.accesslogentry": "access_log",
    "privacy.datasubjectrequest": "request",
    "privacy.disclosuredecision": "request",
    "privacy.officervisit": "account",
    "accounts.identityproviderdevice": "account",
    "accounts.historicalapitoken": "account",
    "accounts.apitoken": "account",
    "monitoring.casetiming": "case",
    "monitoring.blockagefact": "case",
    "exports.exportjob": "export",
}

NO_PERSONAL_DATA: dict[str, str] = {
    "privacy.accessloganchor": "the place and hash of the last access-log row retention removed, nothing else",
    "auth.permission": "reference data",
    "auth.group": "configuration",
    "contenttypes.contenttype": "reference data",
    "organisations.municipality": "reference data",
    "organisations.area": "reference data",
    "organisations.organisationkind": "reference data",
    "organisations.organisation": "configuration: organisations, not people",
    "organisations.team": "configuration",
    "themes.theme": "reference data",
    "themes.subtheme": "reference data",
    "themes.instrument": "reference data",
    "themes.instrumentdomain": "reference data",
    "funding.silo": "reference data",
    "funding.fundingstream": "configuration",
    "funding.flowcell": "aggregate per buurt, silo and period, suppressed below the threshold",
    "funding.flowtaakveldcell": "aggregate per municipality, Iv3 taakveld and period, suppressed below the threshold",
    "funding.productcategory": "reference data (iStandaarden product categories)",
    "privacy.retentionrule": "configuration",
    "jobs.outboxmessage": "task arguments are ids only",
    "jobs.taskexecution": "idempotency keys only",
    "jobs.probe": "a test job",
    "monitoring.summaryrun": "run bookkeeping",
    "monitoring.casemonthsummary": "aggregate",
    "monitoring.goalmonthsummary": "aggregate",
    "monitoring.instrumentmonthsummary": "aggregate",
    "monitoring.coordinationmonthsummary": "aggregate",
    "monitoring.fundingmonthsummary": "aggregate",
    "monitoring.casemonthrollup": "aggregate",
    "monitoring.goalmonthrollup": "aggregate",
    "monitoring.instrumentmonthrollup": "aggregate",
    "monitoring.coordinationmonthrollup": "aggregate",
    "monitoring.coordinationrollup": "aggregate",
    "monitoring.goalrollup": "aggregate",
    "monitoring.instrumentrollup": "aggregate",
    "monitoring.fundingrollup": "aggregate",
    "monitoring.fundingmonthrollup": "aggregate",
    "monitoring.timinghistogram": "aggregate",
    "monitoring.nationaltiminghistogram": "aggregate",
    "monitoring.blockagepanelrollup": "aggregate",
    "monitoring.blockagecell": "aggregate (perturbed counts per buurt, month, theme and silo; no row ids)",
    "monitoring.dirtycell": "a buurt and a month to recompute, nothing of who or what changed",
    "monitoring.precisionreview": "programme review texts about areas, no residents",
}


def models_with_personal_data() -> tuple[str, ...]:
    """The models with personal data, without their write history (``historical*``: its model's rule and activity)."""
    return tuple(sorted(label for label in PERSONAL_DATA if not label.partition(".")[2].startswith("historical")))
