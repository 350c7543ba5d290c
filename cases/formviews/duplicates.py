"""Duplicate review: the matches shown before registering, the team lead's review queue, merge and undo."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.forms import apply_errors
from common.http import AuthenticatedHttpRequest
from organisations.models import User
from privacy import access_log, policy
from privacy.access import get_visible_or_404, record_refused

from .. import duplicates, merging, services
from ..forms import AddressCheckForm, MatchForm
from ..models import Household, HouseholdMembership, Merge, Person

DETAIL = "duplicate review"


def _log_reads(request: AuthenticatedHttpRequest, objects: list[Any], detail: str = DETAIL) -> None:
    access_log.record_many(
        user=request.user,
        action=access_log.Action.READ,
        subjects=[access_log.subject_for(obj) for obj in objects],
        request=request,
        detail=detail,
    )


# --- At registration: the matches shown before saving ------------------------------------------------------


@dataclass
class Entry:
    member: services.PersonInput
    form: MatchForm | None


class DuplicateCheck:
    """The likely matches of the members (and the address) being registered, and the choices made about them.

    Only what the user may already see is compared (cases/duplicates.py). The first time matches are found
    the forms are shown unbound, with nothing saved; the registration goes ahead once every choice is made.
    """

    def __init__(
        self,
        request: AuthenticatedHttpRequest,
        members: list[services.PersonInput],
        *,
        postcode: str = "",
        house_number: int | None = None,
    ) -> None:
        user = request.user
        data = request.POST
        self.entries: list[Entry] = []
        shown: list[Any] = []
        for index, member in enumerate(members):
            # A BSN of someone the user may see is that person: linked as before, nothing to decide.
            matches = duplicates.matches_to_decide(
                by=user,
                first_name=member.first_name,
                surname_prefix=member.surname_prefix,
                last_name=member.last_name,
                date_of_birth=member.date_of_birth,
                bsn=member.bsn,
            )
            form = None
            if matches:
                prefix = f"match-{index}"
                form = MatchForm(data if f"{prefix}-seen" in data else None, prefix=prefix, matches=matches)
                shown += [match.person for match in matches]
            self.entries.append(Entry(member=member, form=form))
        self.addresses = (
            duplicates.address_matches(by=user, postcode=postcode, house_number=house_number)
            if postcode and house_number is not None
            else []
        )
        self.address_form = (
            AddressCheckForm(data if "address-seen" in data else None, prefix="address") if self.addresses else None
        )
        shown += [match.household for match in self.addresses]
        if shown:
            _log_reads(request, shown, detail="duplicate check")

    @property
    def forms(self) -> list[forms.Form]:
        found: list[forms.Form] = [entry.form for entry in self.entries if entry.form is not None]
        return found + ([self.address_form] if self.address_form is not None else [])

    @property
    def any(self) -> bool:
        return bool(self.forms)

    @property
    def settled(self) -> bool:
        return all(form.is_bound and form.is_valid() for form in self.forms)

    @property
    def invalid(self) -> bool:
        return any(form.is_bound and not form.is_valid() for form in self.forms)

    def inputs(self) -> list[services.PersonInput]:
        return [entry.form.apply(entry.member) if entry.form else entry.member for entry in self.entries]


# --- The review queue ---------------------------------------------------------------------------------------


def _require_reviewer(request: AuthenticatedHttpRequest) -> User:
    """The review queue and merges are the team leads'; anyone else is told "not found", and it is logged."""
    if not policy.may_review_duplicates(request.user):
        record_refused(request, detail=DETAIL)
        raise Http404
    return request.user


@dataclass
class Row:
    kind: str
    mine: Any
    other: Any | None  # None: the user may not see it
    same_bsn: bool
    mergeable: bool


def _persons(user: User, ids: set[int]) -> dict[int, Person]:
    memberships = HouseholdMembership.objects.visible_to(user).select_related("household").order_by("end_date", "pk")
    return {
        person.pk: person
        for person in Person.objects.visible_to(user)
        .filter(pk__in=ids)
        .prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="shown_memberships"))
    }


@login_required
def duplicate_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Pairs of persons and of households in the lead's teams that may be one, undecided; recent merges."""
    user = _require_reviewer(request)
    person_pairs = duplicates.person_pairs(user)
    household_pairs = duplicates.household_pairs(user)
    persons = _persons(user, {pk for pair in person_pairs for pk in (pair.mine, pair.other)})
    households = {
        household.pk: household
        for household in Household.objects.visible_to(user).filter(
            pk__in={pk for pair in household_pairs for pk in (pair.mine, pair.other)}
        )
    }
    mergeable = duplicates.mergeable_ids(
        user,
        persons={pk for pair in person_pairs for pk in (pair.mine, pair.other)},
        households={pk for pair in household_pairs for pk in (pair.mine, pair.other)},
    )
    rows: list[Row] = []
    for kind, pairs, shown in (("person", person_pairs, persons), ("household", household_pairs, households)):
        for pair in pairs:
            mine = shown.get(pair.mine)
            if mine is None:
                continue
            rows.append(
                Row(
                    kind=kind,
                    mine=mine,
                    other=shown.get(pair.other),
                    same_bsn=pair.same_bsn,
                    mergeable={(kind, pair.mine), (kind, pair.other)} <= mergeable,
                )
            )
    scope = Household.objects.filter(policy.mergeable_household_condition(user))
    merges = list(
        Merge.objects.filter(
            Q(survivor_household__in=scope)
            | Q(absorbed_household__in=scope)
            | Q(survivor_person__memberships__household__in=scope)
        )
        .select_related("survivor_person", "absorbed_person", "survivor_household", "absorbed_household", "merged_by")
        .distinct()
        .order_by("-merged_at", "-id")[:20]
    )
    _log_reads(request, [*persons.values(), *households.values()])
    return render(request, "cases/duplicates/queue.html", {"rows": rows, "merges": merges})


class MergeForm(forms.Form):
    KEEP_FIRST, KEEP_SECOND, DIFFERENT = "first", "second", "different"

    decision = forms.ChoiceField(label=gettext_lazy("Your decision"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("Required when they are not the same; recorded with the decision."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, first: Any, second: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = _("Merge: keep %(name)s and move everything of the other to it")
        cast(forms.ChoiceField, self.fields["decision"]).choices = [
            (self.KEEP_FIRST, keep % {"name": _describe(first)}),
            (self.KEEP_SECOND, keep % {"name": _describe(second)}),
            (
                self.DIFFERENT,
                _("Not the same person: keep both") if kind == "person" else _("Not the same household: keep both"),
            ),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == self.DIFFERENT and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why these are not the same."))
        return data


def _describe(obj: Any) -> str:
    return obj.full_name if isinstance(obj, Person) else str(obj)


def _pair_counts(kind: str, objects: list[Any]) -> dict[int, Any]:
    if kind == "person":
        return {
            row["pk"]: row
            for row in Person.objects.filter(pk__in=[o.pk for o in objects])
            .annotate(
                n_memberships=Count("memberships", distinct=True),
                n_actions=Count("actions", distinct=True),
                n_consents=Count("consents", distinct=True),
                n_measurements=Count("measurements", distinct=True),
            )
            .values("pk", "n_memberships", "n_actions", "n_consents", "n_measurements")
        }
    return {
        row["pk"]: row
        for row in Household.objects.filter(pk__in=[o.pk for o in objects])
        .annotate(n_memberships=Count("memberships", distinct=True), n_cases=Count("cases", distinct=True))
        .values("pk", "n_memberships", "n_cases")
    }


def _merge_page(request: AuthenticatedHttpRequest, kind: str, first_uuid: uuid.UUID, second_uuid: uuid.UUID) -> Any:
    user = _require_reviewer(request)
    model: Any = Person if kind == "person" else Household
    # One of them was merged away meanwhile (by someone else, or in another tab): say so, not "not found".
    side = "absorbed_person" if kind == "person" else "absorbed_household"
    earlier = (
        Merge.objects.filter(undone_at__isnull=True, **{f"{side}__uuid__in": [first_uuid, second_uuid]})
        .select_related("merged_by")
        .first()
    )
    if earlier is not None:
        survivor_id = earlier.survivor_person_id if kind == "person" else earlier.survivor_household_id
        ids = {"persons": [survivor_id]} if kind == "person" else {"households": [survivor_id]}
        if (kind, survivor_id) in duplicates.mergeable_ids(user, **ids):  # type: ignore[arg-type]
            messages.error(request, " ".join(merging.stale_message(earlier).messages))
            return redirect("cases:duplicate-queue")
    first = get_visible_or_404(model.objects.all(), request, detail=DETAIL, uuid=first_uuid)
    second = get_visible_or_404(model.objects.all(), request, detail=DETAIL, uuid=second_uuid)
    if first.pk == second.pk:
        raise Http404
    wanted = {(kind, first.pk), (kind, second.pk)}
    scope = duplicates.mergeable_ids(
        user,
        persons=[first.pk, second.pk] if kind == "person" else [],
        households=[first.pk, second.pk] if kind == "household" else [],
    )
    if not wanted <= scope:
        raise PermissionDenied
    form = MergeForm(request.POST or None, first=first, second=second, kind=kind)
    if request.method == "POST" and form.is_valid():
        decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
        try:
            if decision == MergeForm.DIFFERENT:
                merging.pair_dismiss(kind=kind, mine=first.pk, other=second.pk, by=user, reason=reason)
                messages.success(request, _("Recorded: these are not the same. The pair has left the review queue."))
            else:
                survivor, absorbed = (first, second) if decision == MergeForm.KEEP_FIRST else (second, first)
                service = merging.person_merge if kind == "person" else merging.household_merge
                service(survivor=survivor, absorbed=absorbed, by=user, reason=reason)
                access_log.record_many(
                    user=user,
                    action=access_log.Action.UPDATE,
                    subjects=[access_log.subject_for(survivor), access_log.subject_for(absorbed)],
                    request=request,
                    detail="duplicate merge",
                )
                messages.success(
                    request, _("Merged into %(name)s. You can undo this below.") % {"name": _describe(survivor)}
                )
        except ValidationError as error:
            apply_errors(error, form)
        else:
            return redirect("cases:duplicate-queue")
    counts = _pair_counts(kind, [first, second])
    if kind == "person":
        shown = _persons(user, {first.pk, second.pk})
        first, second = shown.get(first.pk, first), shown.get(second.pk, second)
    return render(
        request,
        "cases/duplicates/compare.html",
        {"kind": kind, "first": first, "second": second, "counts": counts, "form": form},
    )


@login_required
def person_merge(request: AuthenticatedHttpRequest, first: uuid.UUID, second: uuid.UUID) -> HttpResponse:
    return _merge_page(request, "person", first, second)


@login_required
def household_merge(request: AuthenticatedHttpRequest, first: uuid.UUID, second: uuid.UUID) -> HttpResponse:
    return _merge_page(request, "household", first, second)


@login_required
def merge_undo(request: AuthenticatedHttpRequest, uuid: uuid.UUID) -> HttpResponse:
    """Confirm, then undo a merge: everything it moved goes back, what it set aside returns."""
    user = _require_reviewer(request)
    merge = (
        Merge.objects.select_related(
            "survivor_person", "absorbed_person", "survivor_household", "absorbed_household", "merged_by", "undone_by"
        )
        .filter(uuid=uuid)
        .first()
    )
    if merge is None:
        record_refused(request, detail=DETAIL)
        raise Http404
    survivor = merge.survivor_person or merge.survivor_household
    kind = "person" if merge.kind == Merge.Kind.PERSON else "household"
    if (kind, survivor.pk) not in duplicates.mergeable_ids(  # type: ignore[union-attr]
        user,
        persons=[survivor.pk] if kind == "person" else [],  # type: ignore[union-attr]
        households=[survivor.pk] if kind == "household" else [],  # type: ignore[union-attr]
    ):
        record_refused(request, detail=DETAIL)
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            merging.merge_undo(merge=merge, by=user)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            access_log.record_many(
                user=user,
                action=access_log.Action.UPDATE,
                subjects=[
                    access_log.subject_for(merge.survivor_person or merge.survivor_household),
                    access_log.subject_for(merge.absorbed_person or merge.absorbed_household),
                ],
                request=request,
                detail="duplicate merge undone",
            )
            messages.success(request, _("The merge has been undone. Both are as they were before."))
            return redirect("cases:duplicate-queue")
    _log_reads(
        request, [merge.survivor_person or merge.survivor_household, merge.absorbed_person or merge.absorbed_household]
    )
    return render(request, "cases/duplicates/undo.html", {"merge": merge, "kind": kind, "error": error})
