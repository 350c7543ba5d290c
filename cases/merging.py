"""Merging two persons or two households into one, and undoing it. Each service is one transaction.

Every relation to the absorbed record is moved, found by introspection (:func:`relations_to`), so a
relation added later is moved too: every foreign key of every installed model, except

- the write history (django-simple-history's ``Historical*`` models): it keeps saying what was true then;
- the merge records themselves.

The access log holds ids, not relations: it is left as it was (a read of the absorbed person stays a
read of that person). Each moved row is saved one by one, so its history gets a "~" entry by the lead.

A row that would be a duplicate after the move (the same person twice in one household: the open
membership of both) is set aside: serialised into the merge record, then deleted, and put back on undo.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organisations.models import User
from privacy import policy
from privacy.actor import service

from .models import DuplicateDecision, Household, HouseholdMembership, Merge, Person


def _is_history(model: type[models.Model]) -> bool:
    return hasattr(model, "instance_type") and model.__name__.startswith("Historical")


def relations_to(model: type[models.Model]) -> list[models.ForeignKey[Any, Any]]:
    """Every foreign key (or one-to-one) of an installed model that points at ``model``, hidden ones included,
    except the write history and the merge records. Many-to-many links are refused loudly: none exists yet."""
    fields: list[models.ForeignKey[Any, Any]] = []
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.is_relation and relation.auto_created and not relation.concrete):
            continue
        field = relation.remote_field
        if relation.many_to_many:
            raise NotImplementedError(f"{relation}: a merge does not move many-to-many links yet (none exists)")
        assert isinstance(field, models.ForeignKey), relation
        if _is_history(field.model) or field.model is Merge:
            continue
        fields.append(field)
    return sorted(fields, key=lambda f: (f.model._meta.label, f.name))


def _label(field: models.Field[Any, Any]) -> str:
    return f"{field.model._meta.label_lower}.{field.name}"


def _field_of(label: str) -> models.ForeignKey[Any, Any]:
    from django.apps import apps

    app_label, model_name, name = label.split(".")
    return apps.get_model(app_label, model_name)._meta.get_field(name)


def _lock(model: type[models.Model], *pks: int) -> list[Any]:
    # In id order, so two merges of overlapping pairs queue instead of deadlocking.
    return list(model._default_manager.select_for_update().filter(pk__in=pks).order_by("pk"))


def _set_aside(rows: Iterable[models.Model]) -> list[str]:
    kept = []
    for row in rows:
        kept.append(serializers.serialize("json", [row]))
        row.delete()
    return kept


def _move(model: type[models.Model], absorbed: models.Model, survivor: models.Model) -> dict[str, list[Any]]:
    moved: dict[str, list[Any]] = {}
    for field in relations_to(model):
        rows = list(field.model._base_manager.filter(**{field.name: absorbed}).order_by("pk"))
        for row in rows:
            setattr(row, field.attname, survivor.pk)
            row.save(update_fields=[field.attname])
        if rows:
            moved[_label(field)] = [row.pk for row in rows]
    return moved


def _already_merged(*, persons: tuple[int, ...] = (), households: tuple[int, ...] = ()) -> Merge | None:
    active = Merge.objects.filter(undone_at__isnull=True)
    if persons:
        return active.filter(models.Q(absorbed_person__in=persons)).select_related("merged_by").first()
    return active.filter(models.Q(absorbed_household__in=households)).select_related("merged_by").first()


def stale_message(merge: Merge) -> ValidationError:
    return ValidationError(
        _(
            "%(name)s merged one of these on %(when)s, while you were looking at them. Nothing has been changed: "
            "open the review queue again to see how things are now."
        )
        % {"name": merge.merged_by.get_full_name() or merge.merged_by.get_username(), "when": _when(merge.merged_at)},
        code="stale",
    )


def _when(moment: Any) -> str:
    from django.utils import formats

    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _require_mergeable(by: User, *, persons: tuple[int, ...] = (), households: tuple[int, ...] = ()) -> None:
    from .duplicates import mergeable_ids

    wanted = {("person", pk) for pk in persons} | {("household", pk) for pk in households}
    if not wanted <= mergeable_ids(by, persons=persons, households=households):
        raise PermissionDenied


@service
def person_merge(*, survivor: Person, absorbed: Person, by: User, reason: str = "") -> Merge:
    """Merge ``absorbed`` into ``survivor``: every relation moves, the absorbed person stays without any."""
    if survivor.pk == absorbed.pk:
        raise ValidationError(_("Choose two different persons."))
    _lock(Person, survivor.pk, absorbed.pk)
    earlier = _already_merged(persons=(survivor.pk, absorbed.pk))
    if earlier is not None:
        raise stale_message(earlier)
    _require_mergeable(by, persons=(survivor.pk, absorbed.pk))
    # The absorbed person's open membership of a household the survivor lives in too would be a second one.
    survivor_homes = HouseholdMembership.objects.filter(person=survivor, end_date__isnull=True).values("household_id")
    removed = _set_aside(
        HouseholdMembership.objects.filter(person=absorbed, end_date__isnull=True, household_id__in=survivor_homes)
    )
    moved = _move(Person, absorbed, survivor)
    if not survivor.bsn and absorbed.bsn:
        survivor.bsn = absorbed.bsn
        survivor.save(update_fields=["bsn"])
        moved["cases.person.bsn"] = []  # the survivor took the absorbed person's BSN; an undo clears it again
    return _record(
        Merge(kind=Merge.Kind.PERSON, survivor_person=survivor, absorbed_person=absorbed),
        moved=moved,
        removed=removed,
        by=by,
        reason=reason,
    )


@service
def household_merge(*, survivor: Household, absorbed: Household, by: User, reason: str = "") -> Merge:
    """Merge ``absorbed`` into ``survivor``: its cases, members and allocations move to the survivor."""
    if survivor.pk == absorbed.pk:
        raise ValidationError(_("Choose two different households."))
    _lock(Household, survivor.pk, absorbed.pk)
    earlier = _already_merged(households=(survivor.pk, absorbed.pk))
    if earlier is not None:
        raise stale_message(earlier)
    _require_mergeable(by, households=(survivor.pk, absorbed.pk))
    members = HouseholdMembership.objects.filter(household=survivor, end_date__isnull=True).values("person_id")
    removed = _set_aside(
        HouseholdMembership.objects.filter(household=absorbed, end_date__isnull=True, person_id__in=members)
    )
    moved = _move(Household, absorbed, survivor)
    return _record(
        Merge(kind=Merge.Kind.HOUSEHOLD, survivor_household=survivor, absorbed_household=absorbed),
        moved=moved,
        removed=removed,
        by=by,
        reason=reason,
    )


def _record(merge: Merge, *, moved: dict[str, list[Any]], removed: list[str], by: User, reason: str) -> Merge:
    merge.moved = moved
    merge.removed = removed
    merge.reason = reason.strip()
    merge.merged_by = by
    try:
        with transaction.atomic():
            merge.save()
    except IntegrityError as error:  # a merge of the same record committed between our lock and here
        raise ValidationError(_("These were merged by someone else just now. Nothing has been changed.")) from error
    return merge


@service
def merge_undo(*, merge: Merge, by: User) -> Merge:
    """Put back what a merge moved and set aside; the absorbed person or household is as it was before."""
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError(_("This merge has already been undone."), code="stale")
    if merge.kind == Merge.Kind.PERSON:
        survivor_id, absorbed_id = merge.survivor_person_id or 0, merge.absorbed_person_id or 0
        _lock(Person, survivor_id, absorbed_id)
        _require_mergeable(by, persons=(survivor_id,))
        later = Merge.objects.filter(undone_at__isnull=True, absorbed_person_id=survivor_id)
    else:
        survivor_id, absorbed_id = merge.survivor_household_id or 0, merge.absorbed_household_id or 0
        _lock(Household, survivor_id, absorbed_id)
        _require_mergeable(by, households=(survivor_id,))
        later = Merge.objects.filter(undone_at__isnull=True, absorbed_household_id=survivor_id)
    if later.exists():
        raise ValidationError(_("The kept record was merged again since. Undo that later merge first."))
    for label, pks in merge.moved.items():
        if label == "cases.person.bsn":
            Person.objects.filter(pk=survivor_id).update(bsn=None)
            continue
        field = _field_of(label)
        for row in field.model._base_manager.filter(pk__in=pks, **{field.attname: survivor_id}).order_by("pk"):
            setattr(row, field.attname, absorbed_id)
            row.save(update_fields=[field.attname])
    for serialised in merge.removed:
        for restored in serializers.deserialize("json", serialised):
            restored.object.save(force_insert=True)  # the same row, id included; its history gets a "+" entry
    merge.undone_at = timezone.now()
    merge.undone_by = by
    merge.save(update_fields=["undone_at", "undone_by"])
    return merge


@service
def pair_dismiss(*, kind: str, mine: int, other: int, by: User, reason: str) -> DuplicateDecision:
    """A lead decides two persons (or households) are not the same: the pair leaves the review queue."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why these are not the same.")]})
    if kind == DuplicateDecision.Kind.PERSON:
        _require_mergeable(by, persons=(mine,))
        decision = DuplicateDecision(kind=kind, person_id=mine)
    else:
        _require_mergeable(by, households=(mine,))
        decision = DuplicateDecision(kind=kind, household_id=mine)
    decision.outcome = DuplicateDecision.Outcome.DISMISSED
    decision.other_ids = [other]
    decision.reason = reason.strip()
    decision.decided_by = by
    decision.full_clean()
    decision.save()
    return decision


def may_act(user: User) -> bool:
    return policy.may_review_duplicates(user)
