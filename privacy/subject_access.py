"""What an access request (AVG art. 15) discloses about one person, and its review and release.

Only data about the person:

- the cases of their households whose period overlaps a membership period, and
  of those cases only what happened while they were a member (involvements,
  plan versions, household-level actions, contacts, case conferences);
- actions for them (beneficiary), whenever they happened in an included case;
- their own measurements and consents, and the reads of their file.

Other people's data stays out (art. 15(4)): cases and records from before they
joined or after they left, and actions for another member, are never read.
Contact notes an organisation marked "own organisation only", and every step of
a meldcode, are flagged: the privacy officer decides on each; none is released
without a decision.

The disclosure is one structure for the review page, the letter and the JSON:
each field carries a machine value (ISO dates, codes) and a text in the
reader's language (Dutch dates in Europe/Amsterdam time).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Min, Q
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import models as cm
from organisations.models import Role, User
from themes.models import Theme

from .actor import service
from .models import AccessLogEntry, DataSubjectRequest, DisclosureDecision
from .retention import retention_end_of, retention_years_of

Period = tuple[int, datetime.date, datetime.date | None]
Field = dict[str, Any]
Item = dict[str, Any]


# --- Formatting: machine values and Dutch text --------------------------------------------------------


def _day(value: datetime.date | None) -> str:
    return formats.date_format(value, "j F Y") if value else "—"


def _moment(value: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "j F Y, H:i")


def _iso_moment(value: datetime.datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _field(code: str, label: str, value: Any, text: str | None = None) -> Field:
    if isinstance(value, datetime.date):
        text = _day(value) if text is None else text
        value = value.isoformat()
    if value is None:
        return {"code": code, "label": label, "value": None, "text": text or "—"}
    return {"code": code, "label": label, "value": value, "text": str(value) if text is None else text}


def _item(key: str, fields: list[Field], *, confidential: bool = False, organisation: str = "") -> Item:
    return {"key": key, "fields": fields, "confidential": confidential, "organisation": organisation}


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


# --- Which periods and records are about the person ---------------------------------------------------


def membership_periods(memberships: Iterable[cm.HouseholdMembership]) -> list[Period]:
    return [(m.household_id, m.start_date, m.end_date) for m in memberships]


def _within(periods: list[Period], household: str, day: str) -> Q:
    """Rows of a household dated inside one of the person's membership periods there."""
    condition = Q(pk__in=[])
    for household_id, start, end in periods:
        part = Q(**{household: household_id, f"{day}__gte": start})
        if end is not None:
            part &= Q(**{f"{day}__lte": end})
        condition |= part
    return condition


def _overlapping(periods: list[Period], household: str, start_field: str, end_field: str) -> Q:
    """Rows of a household whose own period overlaps one of the person's membership periods there."""
    condition = Q(pk__in=[])
    for household_id, start, end in periods:
        part = Q(**{household: household_id}) & (
            Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": start})
        )
        if end is not None:
            part &= Q(**{f"{start_field}__lte": end})
        condition |= part
    return condition


LEGAL_TASK = gettext_lazy("a task the law gives the organisation (AVG article 6, paragraph 1e)")

# Per legal basis of an involvement: the purpose in words a resident reads (B1), and the ground in the AVG.
PURPOSE_OF_LEGAL_BASIS: dict[str, tuple[Promise, Promise]] = {
    cm.LegalBasis.CONSENT: (
        gettext_lazy("help you asked for, with your consent"),
        gettext_lazy("consent (AVG article 6, paragraph 1a)"),
    ),
    cm.LegalBasis.JEUGDWET: (gettext_lazy("help with growing up and raising children (Jeugdwet)"), LEGAL_TASK),
    cm.LegalBasis.WMO: (gettext_lazy("support to live independently and take part (Wmo 2015)"), LEGAL_TASK),
    cm.LegalBasis.PARTICIPATIEWET: (gettext_lazy("help with work and income (Participatiewet)"), LEGAL_TASK),
    cm.LegalBasis.WGS: (gettext_lazy("help with debts (Wet gemeentelijke schuldhulpverlening)"), LEGAL_TASK),
    cm.LegalBasis.WPG: (
        gettext_lazy("care for the health of children and residents (Wet publieke gezondheid)"),
        LEGAL_TASK,
    ),
    cm.LegalBasis.POLICE: (gettext_lazy("safety in the neighbourhood (Politiewet)"), LEGAL_TASK),
    cm.LegalBasis.EDUCATION: (gettext_lazy("education and compulsory schooling (education acts)"), LEGAL_TASK),
    cm.LegalBasis.HOUSING: (gettext_lazy("housing (Woningwet)"), LEGAL_TASK),
    cm.LegalBasis.OTHER: (gettext_lazy("another task the law gives the organisation"), LEGAL_TASK),
}


def _purposes(bases: set[str]) -> list[dict[str, str]]:
    rows = []
    for basis in sorted(bases):
        purpose, ground = PURPOSE_OF_LEGAL_BASIS.get(basis, PURPOSE_OF_LEGAL_BASIS[cm.LegalBasis.OTHER])
        rows.append({"legal_basis": basis, "purpose": str(purpose), "ground": str(ground)})
    return rows


# --- The disclosure -----------------------------------------------------------------------------------


def person_disclosure(person: cm.Person, *, on: datetime.date | None = None) -> dict[str, Any]:
    """Everything about the person that an access request may disclose, before the officer's decisions.

    A fixed number of queries, whatever the size of the file.
    """
    today = on or timezone.localdate()
    memberships = list(
        cm.HouseholdMembership.objects.filter(person=person).select_related("household").order_by("start_date")
    )
    periods = membership_periods(memberships)
    cases = list(
        cm.Case.objects.filter(_overlapping(periods, "household_id", "referred_on", "closed_on"))
        .select_related("team__municipality")
        .order_by("referred_on", "id")
    )
    case_ids = [c.pk for c in cases]
    reference = {c.pk: c.reference for c in cases}
    in_cases = Q(case_id__in=case_ids)
    themes = {t.code: str(t) for t in Theme.objects.all()}

    involvements = list(
        cm.Involvement.objects.filter(in_cases, _overlapping(periods, "case__household_id", "start_date", "end_date"))
        .select_related("organisation__kind")
        .order_by("start_date", "id")
    )
    versions = list(
        cm.PlanVersion.objects.filter(
            Q(plan__case_id__in=case_ids), _within(periods, "plan__case__household_id", "created_at__date")
        )
        .select_related("plan")
        .prefetch_related("goals__theme")
        .order_by("created_at", "id")
    )
    actions = list(
        cm.Action.objects.filter(in_cases)
        .filter(
            Q(beneficiary=person)
            | (Q(beneficiary__isnull=True) & _within(periods, "case__household_id", "created_at__date"))
        )
        .select_related("theme", "delivering_organisation__kind")
        .order_by("created_at", "id")
    )
    contacts = list(
        cm.Contact.objects.filter(in_cases, _within(periods, "case__household_id", "occurred_on"))
        .select_related("author_organisation")
        .order_by("occurred_on", "id")
    )
    conferences = list(
        cm.CaseConference.objects.filter(in_cases, _within(periods, "case__household_id", "held_on")).order_by(
            "held_on", "id"
        )
    )
    measurements = list(
        cm.Measurement.objects.filter(person=person)
        .select_related("instrument")
        .prefetch_related("scores__domain")
        .order_by("measured_on", "id")
    )
    # The meldcode is about the household while the person was a member; every step waits for the officer's
    # decision (the safety of a child or a partner can weigh against disclosure, AVG art. 23).
    meldcode = list(
        cm.MeldcodeStep.objects.filter(in_cases, _within(periods, "case__household_id", "done_on"))
        .select_related("organisation")
        .order_by("done_on", "round", "step", "id")
    )
    consents = list(
        cm.Consent.objects.filter(person=person).prefetch_related("organisations__kind").order_by("given_on", "id")
    )
    # The people around the household recorded in relation to this person (ecogram).
    network = list(cm.NetworkPerson.objects.filter(related_to=person).order_by("start_date", "id"))
    reads = list(
        AccessLogEntry.objects.filter(outcome=AccessLogEntry.Outcome.ALLOWED)
        .filter(file_reads_condition(person, periods, case_ids))
        .values("organisation_name", "role")
        .annotate(count=Count("id"), first=Min("occurred_at"), last=Max("occurred_at"))
        .order_by("organisation_name", "role")
    )
    closed_until = retention_end_of([c.pk for c in cases if c.status == cm.CaseStatus.CLOSED])
    years = retention_years_of(case_ids)

    sections = [
        _section("households", _("Your household"), [_membership_item(m) for m in memberships]),
        _section("cases", _("Help from the neighbourhood team"), [_case_item(c) for c in cases]),
        _section(
            "involvements",
            _("Who helps or helped"),
            [_involvement_item(i, reference[i.case_id]) for i in involvements],
        ),
        _section("plans", _("Plans made with your household"), [_plan_item(v, reference) for v in versions]),
        _section("actions", _("What was done"), [_action_item(a, reference, themes) for a in actions]),
        _section("contacts", _("Conversations and contacts"), [_contact_item(c, reference, themes) for c in contacts]),
        _section(
            "conferences", _("Meetings about your household"), [_conference_item(c, reference) for c in conferences]
        ),
        _section(
            "measurements", _("How things were going (measurements)"), [_measurement_item(m) for m in measurements]
        ),
        _section("consents", _("Your consent"), [_consent_item(c) for c in consents]),
        _section(
            "meldcode",
            _("Steps of the reporting code for domestic violence and child abuse (meldcode)"),
            [_meldcode_item(m, reference) for m in meldcode],
        ),
        _section("network", _("People around you we recorded"), [_network_item(n) for n in network]),
    ]
    recipients: dict[str, str] = {}
    for involvement in involvements:
        recipients[involvement.organisation.name] = str(involvement.organisation.kind)
    for action in actions:
        recipients[action.delivering_organisation.name] = str(action.delivering_organisation.kind)
    for consent in consents:
        for organisation in consent.organisations.all():
            recipients[organisation.name] = str(organisation.kind)
    return {
        "language": translation.get_language() or "nl",
        "prepared_on": today.isoformat(),
        "controllers": sorted({c.team.municipality.name for c in cases}),
        "teams": sorted({c.team.name for c in cases}),
        "person": {
            "name": person.full_name,
            "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
            "date_of_birth_text": _day(person.date_of_birth),
            "bsn": person.masked_bsn,
        },
        "sections": sections,
        "purposes": _purposes({i.legal_basis for i in involvements}),
        "recipients": [{"organisation": name, "kind": kind} for name, kind in sorted(recipients.items())],
        "retention": [_retention_row(c, closed_until.get(c.pk), years.get(c.pk)) for c in cases],
        "reads": [
            {
                "organisation": row["organisation_name"] or _("unknown"),
                "role": _role(row["role"]),
                "count": row["count"],
                "first": _iso_moment(row["first"]),
                "first_text": _moment(row["first"]),
                "last": _iso_moment(row["last"]),
                "last_text": _moment(row["last"]),
            }
            for row in reads
        ],
    }


def file_reads_condition(person: cm.Person, periods: list[Period], case_ids: list[int]) -> Q:
    """Log rows that read the person's file: them by name, or their household and its cases while a member."""
    return (
        Q(person_id=person.pk)
        | _within(periods, "household_id", "occurred_at__date")
        | (Q(case_id__in=case_ids) & _case_periods(periods))
    )


def _case_periods(periods: list[Period]) -> Q:
    condition = Q(pk__in=[])
    for _household, start, end in periods:
        part = Q(occurred_at__date__gte=start)
        if end is not None:
            part &= Q(occurred_at__date__lte=end)
        condition |= part
    return condition


def _role(code: str) -> str:
    return str(Role(code).label) if code in Role.values else (code or _("unknown"))


def _section(code: str, title: str, items: list[Item]) -> dict[str, Any]:
    return {"code": code, "title": title, "items": items}


def _membership_item(m: cm.HouseholdMembership) -> Item:
    return _item(
        f"membership:{m.pk}",
        [
            _field("address", _("Address"), str(m.household)),
            _field("role", _("You are in the household as"), m.role, m.get_role_display()),
            _field("from", _("From"), m.start_date),
            _field("until", _("Until"), m.end_date, None if m.end_date else _("now")),
        ],
    )


def _network_item(n: cm.NetworkPerson) -> Item:
    return _item(
        f"network:{n.pk}",
        [
            _field("name", _("Name"), n.name),
            _field("relation", _("Relation to you"), n.relation, n.get_relation_display()),
            _field("detail", _("About the relation"), n.relation_detail),
            _field("from", _("From"), n.start_date),
            _field("until", _("Until"), n.end_date, None if n.end_date else _("now")),
        ],
    )


def _case_item(c: cm.Case) -> Item:
    return _item(
        f"case:{c.reference}",
        [
            _field("reference", _("Case number"), c.reference),
            _field("team", _("Team"), c.team.name),
            _field("status", _("Status"), c.status, c.get_status_display()),
            _field("referred_by", _("Referred by"), c.referral_source, c.get_referral_source_display()),
            _field("reason", _("Why"), c.referral_reason),
            _field("referred_on", _("Started on"), c.referred_on),
            _field("closed_on", _("Closed on"), c.closed_on, None if c.closed_on else _("still open")),
        ],
    )


def _involvement_item(i: cm.Involvement, case_reference: str) -> Item:
    return _item(
        f"involvement:{i.pk}",
        [
            _field("case", _("Case number"), case_reference),
            _field("organisation", _("Organisation"), i.organisation.name),
            _field("role", _("Role"), i.role, i.get_role_display()),
            _field("coordinator", _("Coordinator (your contact person)"), i.is_coordinator, _yes_no(i.is_coordinator)),
            _field("legal_basis", _("Legal basis"), i.legal_basis, i.get_legal_basis_display()),
            _field("from", _("From"), i.start_date),
            _field("until", _("Until"), i.end_date, None if i.end_date else _("now")),
        ],
        organisation=i.organisation.name,
    )


def _plan_item(v: cm.PlanVersion, reference: dict[int, str]) -> Item:
    goals = [f"{g.theme}: {g.text}" for g in v.goals.all()]
    return _item(
        f"plan:{v.pk}",
        [
            _field("case", _("Case number"), reference[v.plan.case_id]),
            _field("version", _("Version"), v.number),
            _field("whose_plan", _("Whose plan"), v.author, v.get_author_display()),
            _field("agreed_on", _("Agreed with you on"), v.agreed_on),
            _field("summary", _("Summary"), v.summary, v.summary or "—"),
            _field("goals", _("Goals"), goals, "; ".join(goals) or "—"),
        ],
    )


def _action_item(a: cm.Action, reference: dict[int, str], themes: dict[str, str]) -> Item:
    for_whom = "person" if a.beneficiary_id else "household"
    return _item(
        f"action:{a.uuid}",
        [
            _field("case", _("Case number"), reference[a.case_id]),
            _field("theme", _("Subject"), a.theme.code, themes.get(a.theme.code, str(a.theme))),
            _field("what", _("What"), a.description),
            _field("by", _("By"), a.delivering_organisation.name),
            _field("for", _("For"), for_whom, _("you") if a.beneficiary_id else _("the whole household")),
            _field("status", _("Status"), a.status, a.get_status_display()),
            _field("start", _("Start"), a.start_date),
        ],
        organisation=a.delivering_organisation.name,
    )


def _contact_item(c: cm.Contact, reference: dict[int, str], themes: dict[str, str]) -> Item:
    confidential = c.confidentiality == cm.Contact.Confidentiality.OWN_ORGANISATION
    return _item(
        f"contact:{c.uuid}",
        [
            _field("case", _("Case number"), reference[c.case_id]),
            _field("date", _("Date"), c.occurred_on),
            _field("type", _("Type"), c.kind, c.get_kind_display()),
            _field("themes", _("Subjects"), list(c.themes), ", ".join(themes.get(t, t) for t in c.themes) or "—"),
            _field("minutes", _("Minutes"), c.minutes),
            _field("organisation", _("Organisation"), c.author_organisation.name),
            _field("note", _("Note"), c.note, c.note or "—"),
        ],
        confidential=confidential,
        organisation=c.author_organisation.name,
    )


def _conference_item(c: cm.CaseConference, reference: dict[int, str]) -> Item:
    return _item(
        f"conference:{c.pk}",
        [
            _field("case", _("Case number"), reference[c.case_id]),
            _field("date", _("Date"), c.held_on),
            _field(
                "household_present", _("Your household took part"), c.household_present, _yes_no(c.household_present)
            ),
            _field("decisions", _("Decisions"), c.decisions),
        ],
    )


def _measurement_item(m: cm.Measurement) -> Item:
    scores = [{"domain": str(s.domain), "score": s.score, "reason": s.reason} for s in m.scores.all()]
    text = "; ".join(f"{s['domain']}: {s['score']} ({s['reason']})" for s in scores)
    return _item(
        f"measurement:{m.pk}",
        [
            _field("instrument", _("Questionnaire"), str(m.instrument)),
            _field("date", _("Date"), m.measured_on),
            _field("scores", _("Scores (1 = acute problem, 5 = fully self-reliant)"), scores, text or "—"),
        ],
    )


def _meldcode_item(m: cm.MeldcodeStep, reference: dict[int, str]) -> Item:
    return _item(
        f"meldcode:{m.uuid}",
        [
            _field("case", _("Case number"), reference[m.case_id]),
            _field("step", _("Step"), m.step, m.get_step_display()),
            _field("date", _("Date"), m.done_on),
            _field("organisation", _("Organisation"), m.organisation.name),
            _field("outcome", _("Outcome"), m.outcome),
        ],
        confidential=True,
        organisation=m.organisation.name,
    )


def _consent_item(c: cm.Consent) -> Item:
    organisations = [o.name for o in c.organisations.all()]
    return _item(
        f"consent:{c.pk}",
        [
            _field("purpose", _("For"), c.purpose),
            _field("organisations", _("Organisations"), organisations, ", ".join(organisations) or "—"),
            _field("given_on", _("Given on"), c.given_on),
            _field("expires_on", _("Ends on"), c.expires_on),
            _field("revoked_on", _("Withdrawn on"), c.revoked_on),
        ],
    )


def _retention_row(case: cm.Case, until: datetime.date | None, years: int | None) -> dict[str, Any]:
    if until is not None:
        text = _("kept until %(date)s, then made anonymous") % {"date": _day(until)}
    else:
        text = _("kept while the help goes on, and then %(years)s years after the case is closed") % {
            "years": years or 15
        }
    return {"case": case.reference, "until": until.isoformat() if until else None, "years": years, "text": text}


# --- Review and release -------------------------------------------------------------------------------


def items_of(disclosure: dict[str, Any]) -> dict[str, Item]:
    return {item["key"]: item for section in disclosure["sections"] for item in section["items"]}


def undecided_confidential(disclosure: dict[str, Any], decisions: dict[str, DisclosureDecision]) -> list[str]:
    return [key for key, item in items_of(disclosure).items() if item["confidential"] and key not in decisions]


def withheld_keys(disclosure: dict[str, Any], decisions: dict[str, DisclosureDecision]) -> set[str]:
    """Items withheld by a decision, and confidential items nobody released (never released silently)."""
    keys = set()
    for key, item in items_of(disclosure).items():
        decision = decisions.get(key)
        if (decision is not None and decision.withhold) or (item["confidential"] and decision is None):
            keys.add(key)
    return keys


def released_content(disclosure: dict[str, Any], decisions: dict[str, DisclosureDecision]) -> dict[str, Any]:
    """The disclosure without withheld items and without internal keys: the letter and its JSON."""
    withheld = withheld_keys(disclosure, decisions)
    sections = [
        {
            "code": section["code"],
            "title": section["title"],
            "items": [{"fields": item["fields"]} for item in section["items"] if item["key"] not in withheld],
        }
        for section in disclosure["sections"]
    ]
    return {**disclosure, "sections": sections, "withheld_count": len(withheld)}


@service
def subject_request_record(
    *, kind: str, person: cm.Person, received_on: datetime.date, outcome: str, by: User
) -> DataSubjectRequest:
    """Enter a data-subject request (AVG art. 15 or 17) in the privacy officer's register."""
    handled = DataSubjectRequest(
        kind=kind, person_id=person.pk, received_on=received_on, handled_by=by, outcome=outcome
    )
    handled.full_clean()
    handled.save()
    return handled


@service
def subject_access_open(*, person: cm.Person, received_on: datetime.date, by: User) -> DataSubjectRequest:
    """Register an access request for review: nothing is disclosed until the officer releases it."""
    return subject_request_record(
        kind=DataSubjectRequest.Kind.ACCESS,
        person=person,
        received_on=received_on,
        outcome=DataSubjectRequest.Outcome.IN_REVIEW,
        by=by,
    )


def _in_review(request_id: int) -> DataSubjectRequest:
    # Locked: two officers deciding and releasing at once must not release a half-decided letter.
    handled = DataSubjectRequest.objects.select_for_update().get(pk=request_id)
    if handled.outcome != DataSubjectRequest.Outcome.IN_REVIEW:
        raise ValidationError(_("This request has already been released."))
    return handled


@service
def disclosure_decide(
    *, request: DataSubjectRequest, item: str, withhold: bool, reason: str, by: User
) -> DisclosureDecision:
    """Withhold an item with a reason, or release it (a confidential note needs this): recorded, changeable until
    the release."""
    _in_review(request.pk)
    person = cm.Person.objects.get(pk=request.person_id)
    if item not in items_of(person_disclosure(person)):
        raise ValidationError({"item": _("This item is not part of the request.")})
    reason = reason.strip()
    if withhold and not reason:
        raise ValidationError({"reason": _("Give the reason for withholding this item.")})
    decision, _created = DisclosureDecision.objects.update_or_create(
        request=request,
        item=item,
        defaults={"withhold": withhold, "reason": reason, "decided_by": by, "decided_at": timezone.now()},
    )
    return decision


@service
def subject_access_release(*, request: DataSubjectRequest, by: User) -> DataSubjectRequest:
    """Release the letter: refused while a confidential note has no decision; the content is kept as released."""
    handled = _in_review(request.pk)
    person = cm.Person.objects.get(pk=handled.person_id)
    disclosure = person_disclosure(person)
    decisions = {d.item: d for d in handled.decisions.all()}
    if undecided_confidential(disclosure, decisions):
        raise ValidationError(_("Decide on every confidential note before you release the letter."))
    handled.disclosure = released_content(disclosure, decisions)
    handled.outcome = DataSubjectRequest.Outcome.EXPORTED
    handled.released_at = timezone.now()
    handled.handled_by = by
    handled.full_clean()
    handled.save()
    return handled
