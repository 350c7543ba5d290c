"""The household's write history ("Geschiedenis"): who changed what in its case data, when, old → new.

django-simple-history keeps a row per save of the household, its persons and
memberships, and its cases with their involvements, goals, actions, contacts,
conferences, measurements, scores and consents, and the allocations and
blockages that fund or hold up its actions. Plan versions are rows of their
own (a new version is the change). Who took part in a conference and which
organisations a consent covers are kept per historical row too (``m2m_fields``),
so adding or removing one shows as a change. This module merges them into one
timeline, newest first, paged in SQL:

1. one UNION over the historical tables, restricted to what the user may see
   (the cases from ``Case.objects.visible_to``; contacts that ever were
   another organisation's "own organisation only" note are left out whole),
   returns the page's (kind, history id, time);
2. per kind on the page, one query loads those rows and the earlier rows of
   the same objects, to compare each with its predecessor; per many-to-many
   field of a kind on the page, one more query loads the links of those rows;
3. per kind of referenced object (users, organisations, persons, …), one
   query turns ids into names.

So a page costs a bounded number of queries, whatever the size of the history.
A contact's note is not repeated when it is written (the timeline shows it);
a correction shows the old text and the new, so what was first written stays
readable. A BSN is shown masked. Meldcode steps appear only for whom the
policy lets read them (``policy.meldcode_condition``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import F, Q, QuerySet, Value
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from agenda.models import Appointment, Task
from funding.models import Allocation, Blockage, BlockageReason, FundingStream, Silo
from organisations.models import Organisation, User
from privacy import policy
from themes.models import Instrument, InstrumentDomain, Theme

from .models import (
    Action,
    Case,
    CaseConference,
    Consent,
    Contact,
    Goal,
    Household,
    HouseholdMembership,
    Involvement,
    Measurement,
    MeasurementScore,
    MeldcodeStep,
    Person,
    PlanVersion,
)

HISTORY_PAGE_SIZE = 25

# Columns that say nothing to a reader (keys, stamps) or that the case context already gives.
SKIPPED_FIELDS = frozenset({"id", "uuid", "created_at", "case", "household"})
SKIPPED_PER_MODEL: dict[type[models.Model], frozenset[str]] = {
    Goal: frozenset({"order"}),
    # The edit lock: every correction moves it, the fields it guards say what changed.
    Action: frozenset({"version", "corrected_at"}),
    Contact: frozenset({"version", "corrected_at"}),
    # Copied from the household for the audit when the row was made.
    Allocation: frozenset({"neighbourhood"}),
    Blockage: frozenset({"neighbourhood"}),
}
# Not repeated when the object is created (shown elsewhere); a later change shows old and new.
HIDDEN_CONTENT: dict[type[models.Model], frozenset[str]] = {Contact: frozenset({"note"})}
MASKED: dict[type[models.Model], frozenset[str]] = {Person: frozenset({"bsn"})}

TRACKED: tuple[type[models.Model], ...] = (
    Household,
    Person,
    HouseholdMembership,
    Case,
    Involvement,
    Goal,
    Action,
    Contact,
    CaseConference,
    Measurement,
    MeasurementScore,
    Consent,
    Allocation,
    Blockage,
    Task,
    Appointment,
    MeldcodeStep,
)
KINDS: dict[str, type[models.Model]] = {str(model._meta.model_name): model for model in TRACKED}
KINDS["planversion"] = PlanVersion


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    at: datetime.datetime
    who: str
    kind: str  # the model's name in the interface language, e.g. "Actie"
    subject: str
    change: str  # created / changed / deleted, in words
    changes: list[FieldChange] = field(default_factory=list)


def _history_sources(user: User | AnonymousUser, household: Household) -> list[QuerySet[Any]]:
    """One (kind, hid, at) queryset per tracked model, limited to what ``user`` may see of ``household``."""
    cases = Case.objects.visible_to(user).filter(household=household).values("pk")
    members = HouseholdMembership.objects.filter(household=household).values("person_id")
    organisation_id = getattr(user, "organisation_id", None)
    HistoricalContact = Contact.history.model
    # A contact that was ever another organisation's confidential note stays out entirely.
    confidential = (
        HistoricalContact.objects.filter(case_id__in=cases, confidentiality=Contact.Confidentiality.OWN_ORGANISATION)
        .exclude(author_organisation_id=organisation_id)
        .values("id")
    )
    filters: dict[type[models.Model], Q] = {
        Household: Q(id=household.pk),
        Person: Q(id__in=members),
        HouseholdMembership: Q(household_id=household.pk),
        Case: Q(id__in=cases),
        Contact: Q(case_id__in=cases) & ~Q(id__in=confidential),
        Goal: Q(plan_version__plan__case__in=cases),
        MeasurementScore: Q(measurement__case__in=cases),
        Allocation: Q(action__case__in=cases),
        Blockage: Q(action__case__in=cases),
        # The meldcode is confidential beyond the case: its rows only for whom the policy lets read them.
        MeldcodeStep: Q(case_id__in=cases) & policy.meldcode_condition(user),
    }
    sources: list[QuerySet[Any]] = []
    for model in TRACKED:
        condition = filters.get(model, Q(case_id__in=cases))
        sources.append(
            model.history.model.objects.filter(condition)  # type: ignore[attr-defined]
            .annotate(h_kind=Value(model._meta.model_name), h_id=F("history_id"), h_at=F("history_date"))
            .values_list("h_kind", "h_id", "h_at")
        )
    sources.append(
        PlanVersion.objects.filter(plan__case__in=cases)
        .annotate(h_kind=Value("planversion"), h_id=F("pk"), h_at=F("created_at"))
        .values_list("h_kind", "h_id", "h_at")
    )
    return sources


def household_history_page(
    *, user: User | AnonymousUser, household: Household, number: int
) -> tuple[list[HistoryEntry], int | None]:
    """One page of the household's change history, newest first, and the next page's number if any."""
    if not policy.may_see_casework(user):
        return [], None
    first, *rest = _history_sources(user, household)
    start = (number - 1) * HISTORY_PAGE_SIZE
    page = list(first.union(*rest, all=True).order_by("-h_at", "-h_id")[start : start + HISTORY_PAGE_SIZE + 1])
    more = len(page) > HISTORY_PAGE_SIZE
    page = page[:HISTORY_PAGE_SIZE]

    by_kind: dict[str, list[int]] = {}
    for kind, hid, _at in page:
        by_kind.setdefault(kind, []).append(hid)
    rows: dict[tuple[str, int], tuple[Any, Any | None]] = {}
    for kind, ids in by_kind.items():
        rows.update(_with_predecessors(kind, ids))

    links = _Links()
    for kind in by_kind:
        links.load(kind, [row for (of_kind, _hid), pair in rows.items() if of_kind == kind for row in pair if row])

    names = _Names()
    for current, previous in rows.values():
        names.want(current)
        if previous is not None:
            names.want(previous)
    links.name_into(names)
    names.load()

    entries = [_entry(kind, *rows[(kind, hid)], names, links) for kind, hid, _at in page if (kind, hid) in rows]
    return entries, (number + 1 if more else None)


def _with_predecessors(kind: str, ids: list[int]) -> dict[tuple[str, int], tuple[Any, Any | None]]:
    """The page's rows of one kind, each with the previous historical row of the same object (one query)."""
    model = KINDS[kind]
    if model is PlanVersion:
        versions = PlanVersion.objects.filter(pk__in=ids)
        return {(kind, version.pk): (version, None) for version in versions}
    historical = model.history.model  # type: ignore[attr-defined]
    objects = historical.objects.filter(history_id__in=ids).values("id")
    wanted = set(ids)
    result: dict[tuple[str, int], tuple[Any, Any | None]] = {}
    previous: Any | None = None
    for row in historical.objects.filter(id__in=objects).order_by("id", "history_date", "history_id"):
        if previous is not None and previous.id != row.id:
            previous = None
        if row.history_id in wanted:
            result[(kind, row.history_id)] = (row, previous)
        previous = row
    return result


class _Links:
    """The many-to-many links (conference participants, consent organisations) kept with each historical row."""

    def __init__(self) -> None:
        # (historical model, field name) → history id → linked ids
        self.by_row: dict[tuple[type[models.Model], str], dict[int, set[Any]]] = {}

    @staticmethod
    def fields(model: type[models.Model]) -> list[models.ManyToManyField[Any, Any]]:
        return list(getattr(model.history.model, "_history_m2m_fields", []))  # type: ignore[attr-defined]

    def load(self, kind: str, rows: list[Any]) -> None:
        """One query per many-to-many field of ``kind``, for these historical rows."""
        model = KINDS[kind]
        if model is PlanVersion or not rows or not self.fields(model):
            return
        history_ids = [row.history_id for row in rows]
        for m2m_field in self.fields(model):
            links = getattr(model.history.model, m2m_field.name).model  # type: ignore[attr-defined]
            target = m2m_field.m2m_reverse_name()  # the through table's column of the linked object
            found: dict[int, set[Any]] = {history_id: set() for history_id in history_ids}
            for history_id, linked in links.objects.filter(history_id__in=history_ids).values_list(
                "history_id", target
            ):
                found[history_id].add(linked)
            self.by_row[(model, m2m_field.name)] = found

    def of(self, model: type[models.Model], name: str, row: Any) -> set[Any]:
        return self.by_row.get((model, name), {}).get(row.history_id, set())

    def name_into(self, names: _Names) -> None:
        for (model, name), found in self.by_row.items():
            related = model._meta.get_field(name).related_model
            if related in LABELLERS:
                names.wanted.setdefault(related, set()).update(*found.values())


# --- Turning ids into names ---------------------------------------------------------------


def _person_name(person: Person) -> str:
    return person.full_name


def _version_label(version: PlanVersion) -> str:
    return _("version %(number)s") % {"number": version.number}


def _measurement_label(measurement: Measurement) -> str:
    return f"{measurement.instrument.name}, {formats.date_format(measurement.measured_on, 'j F Y')}"


LABELLERS: dict[type[models.Model], Callable[[Any], str]] = {
    User: str,
    Organisation: lambda organisation: organisation.name,
    Person: _person_name,
    Theme: lambda theme: theme.name,
    PlanVersion: _version_label,
    Measurement: _measurement_label,
    Instrument: lambda instrument: instrument.name,
    InstrumentDomain: lambda domain: domain.name,
    CaseConference: lambda conference: formats.date_format(conference.held_on, "j F Y"),
    Action: lambda action: action.description,
    FundingStream: lambda stream: stream.name,
    Silo: lambda silo: silo.name,
    Allocation: lambda allocation: allocation.reference,
}
# Labels that need a related row: fetched in the same query.
LABEL_QUERYSETS: dict[type[models.Model], Callable[[], QuerySet[Any]]] = {
    Measurement: lambda: Measurement.objects.select_related("instrument"),
}


class _Names:
    """Collects the ids a page refers to, then loads each kind of object in one query."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[Any]] = {}
        self.names: dict[tuple[type[models.Model], Any], str] = {}
        self.theme_codes: dict[str, str] = {}

    def want(self, row: Any) -> None:
        if getattr(row, "history_user_id", None):
            self.wanted.setdefault(User, set()).add(row.history_user_id)
        if isinstance(row, PlanVersion):
            self.wanted.setdefault(User, set()).add(row.created_by_id)
            return
        for model_field in _fields(row.instance_type):
            if model_field.is_relation and model_field.related_model in LABELLERS:
                value = getattr(row, model_field.attname)
                if value is not None:
                    self.wanted.setdefault(model_field.related_model, set()).add(value)
        if row.instance_type is Contact:
            self.wanted.setdefault(Theme, set())

    def load(self) -> None:
        for model, ids in self.wanted.items():
            labeller = LABELLERS[model]
            if model is Theme:
                for theme in Theme.objects.all():
                    self.names[(Theme, theme.pk)] = labeller(theme)
                    self.theme_codes[theme.code] = labeller(theme)
                continue
            queryset = LABEL_QUERYSETS[model]() if model in LABEL_QUERYSETS else model._default_manager.all()
            for pk, obj in queryset.in_bulk(ids).items():
                self.names[(model, pk)] = labeller(obj)

    def of(self, model: type[models.Model] | None, pk: Any) -> str:
        if pk is None:
            return ""
        if model is None:
            return str(pk)
        return self.names.get((model, pk), _("(removed)"))


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    skipped = SKIPPED_FIELDS | SKIPPED_PER_MODEL.get(model, frozenset())
    return [
        model_field
        for model_field in model._meta.concrete_fields
        if model_field.name not in skipped
        and not model_field.name.startswith("history_")
        # A generated column (Person.name_key) follows other fields and is not in the write history.
        and not getattr(model_field, "generated", False)
    ]


def _display(model: type[models.Model], model_field: models.Field[Any, Any], value: Any, names: _Names) -> str:
    if value is None or value == "" or value == []:
        return ""
    if model_field.name in MASKED.get(model, ()):
        return f"*****{str(value)[-4:]}"
    if model_field.is_relation:
        return names.of(model_field.related_model if model_field.related_model in LABELLERS else None, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return formats.date_format(value, "j F Y H:i")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "j F Y")
    if isinstance(value, list):
        return ", ".join(names.theme_codes.get(str(item), str(item)) for item in value)
    return str(value)


def _names_list(model: type[models.Model] | None, ids: set[Any], names: _Names) -> str:
    return ", ".join(sorted(names.of(model, pk) for pk in ids))


def _m2m_changes(
    model: type[models.Model], row: Any, previous: Any | None, names: _Names, links: _Links
) -> list[FieldChange]:
    """Per many-to-many field: the links before and after, and in words what was added and removed."""
    changes = []
    for m2m_field in _Links.fields(model):
        related = m2m_field.related_model if m2m_field.related_model in LABELLERS else None
        new = links.of(model, m2m_field.name, row)
        old = links.of(model, m2m_field.name, previous) if previous is not None else set()
        if new == old:
            continue
        now = _names_list(related, new, names)
        if previous is not None:
            delta = []
            if new - old:
                delta.append(_("added: %(names)s") % {"names": _names_list(related, new - old, names)})
            if old - new:
                delta.append(_("removed: %(names)s") % {"names": _names_list(related, old - new, names)})
            now = f"{now} ({'; '.join(delta)})" if now else "; ".join(delta)
        changes.append(
            FieldChange(label=capfirst(str(m2m_field.verbose_name)), old=_names_list(related, old, names), new=now)
        )
    return changes


def _changes(model: type[models.Model], row: Any, previous: Any | None, names: _Names) -> list[FieldChange]:
    hidden = HIDDEN_CONTENT.get(model, frozenset())
    changes = []
    for model_field in _fields(model):
        new = getattr(row, model_field.attname)
        old = getattr(previous, model_field.attname) if previous is not None else None
        if previous is None and new in (None, "", []):
            continue
        if previous is not None and old == new:
            continue
        label = capfirst(str(model_field.verbose_name))
        if model_field.name in hidden and previous is None:
            changes.append(FieldChange(label=label, old="", new=_("written (see the timeline)")))
            continue
        changes.append(
            FieldChange(
                label=label,
                old=_display(model, model_field, old, names),
                new=_display(model, model_field, new, names),
            )
        )
    return changes


def _subject(model: type[models.Model], row: Any, names: _Names) -> str:
    """A short name for the changed object, from the historical row itself (no extra queries)."""
    if model is Household:
        return f"{row.street} {row.house_number}{row.house_number_suffix}, {row.postcode} {row.city}"
    if model is Person:
        return " ".join(part for part in (row.first_name, row.surname_prefix, row.last_name) if part)
    if model is HouseholdMembership:
        return names.of(Person, row.person_id)
    if model is Case:
        return str(row.reference)
    if model is Involvement:
        return names.of(User, row.professional_id)
    if model is Action:
        return str(row.description)
    if model is Contact:
        kind = dict(Contact.Kind.choices).get(row.kind, row.kind)
        return f"{formats.date_format(row.occurred_on, 'j F Y')}, {kind}"
    if model is CaseConference:
        return formats.date_format(row.held_on, "j F Y")
    if model is Measurement:
        return f"{formats.date_format(row.measured_on, 'j F Y')}, {names.of(Person, row.person_id)}"
    if model is Consent:
        return str(row.purpose)
    if model is Allocation:
        return str(row.reference)
    if model is Blockage:
        return str(dict(BlockageReason.choices).get(row.reason, row.reason))
    if model is Goal:
        return f"{names.of(Theme, row.theme_id)}, {names.of(PlanVersion, row.plan_version_id)}"
    if model is MeldcodeStep:
        return (
            f"{dict(MeldcodeStep.Step.choices).get(row.step, row.step)}, {names.of(Organisation, row.organisation_id)}"
        )
    if model is MeasurementScore:
        return _("%(domain)s in the measurement %(measurement)s") % {
            "domain": names.of(InstrumentDomain, row.domain_id),
            "measurement": names.of(Measurement, row.measurement_id),
        }
    return ""


def _entry(kind: str, row: Any, previous: Any | None, names: _Names, links: _Links) -> HistoryEntry:
    model = KINDS[kind]
    if isinstance(row, PlanVersion):
        return HistoryEntry(
            at=row.created_at,
            who=names.of(User, row.created_by_id),
            kind=capfirst(str(PlanVersion._meta.verbose_name)),
            subject=_("version %(number)s") % {"number": row.number},
            change=_("created"),
            changes=[
                FieldChange(
                    label=capfirst(str(plan_field.verbose_name)),
                    old="",
                    new=_display(PlanVersion, plan_field, getattr(row, plan_field.name), names),
                )
                for plan_field in _fields(PlanVersion)
                if plan_field.name in ("author", "summary", "agreed_on", "evaluate_on")
                and getattr(row, plan_field.name)
            ],
        )
    change = {"+": _("created"), "~": _("changed"), "-": _("deleted")}.get(row.history_type, row.history_type)
    return HistoryEntry(
        at=row.history_date,
        who=names.of(User, row.history_user_id) if row.history_user_id else _("the system"),
        kind=capfirst(str(model._meta.verbose_name)),
        subject=_subject(model, row, names),
        change=change,
        changes=[]
        if row.history_type == "-"
        else _changes(model, row, previous, names) + _m2m_changes(model, row, previous, names, links),
    )
