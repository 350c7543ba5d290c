"""The network around the household (ecogram): people who are not members, each related to a member.

Writes are services in one transaction; the entry hangs under the household and is visible with it
(``NetworkPerson.objects.visible_to``). An entry ends rather than disappears: its history stays.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from organisations.models import User
from privacy.actor import service

from .models import Case, Household, HouseholdMembership, NetworkPerson, Person


@dataclass(frozen=True)
class NetworkInput:
    name: str
    related_to: Person
    relation: str
    relation_detail: str = ""
    start_date: datetime.date | None = None


def _require_open_case(household: Household, by: User) -> None:
    """Work on the household's network needs an open case of it that the user sees."""
    visible = Case.objects.visible_to(by).filter(household=household)
    if not visible.exists():
        raise PermissionDenied
    if not visible.open().exists():
        raise ValidationError(_("This household has no open case; its network can no longer be changed."))


def _apply(entry: NetworkPerson, data: NetworkInput) -> None:
    if not HouseholdMembership.objects.filter(household_id=entry.household_id, person=data.related_to).exists():
        raise ValidationError({"related_to": [_("Choose a member of this household.")]})
    entry.name = data.name.strip()
    entry.related_to = data.related_to
    entry.relation = data.relation
    entry.relation_detail = data.relation_detail.strip()
    if data.start_date:
        entry.start_date = data.start_date
    entry.full_clean()
    entry.save()


@service
def network_person_add(*, household: Household, data: NetworkInput, by: User) -> NetworkPerson:
    _require_open_case(household, by)
    entry = NetworkPerson(household=household, created_by=by, start_date=data.start_date or timezone.localdate())
    _apply(entry, data)
    return entry


@service
def network_person_update(*, entry: NetworkPerson, data: NetworkInput, by: User) -> NetworkPerson:
    _require_open_case(entry.household, by)
    entry = NetworkPerson.objects.select_for_update().get(pk=entry.pk)
    _apply(entry, data)
    return entry


@service
def network_person_end(*, entry: NetworkPerson, by: User, end_date: datetime.date | None = None) -> NetworkPerson:
    _require_open_case(entry.household, by)
    entry = NetworkPerson.objects.select_for_update().get(pk=entry.pk)
    if entry.end_date is not None:
        raise ValidationError(_("This person is no longer in the network."))
    entry.end_date = end_date or timezone.localdate()
    entry.full_clean()
    entry.save(update_fields=["end_date"])
    return entry
