"""Reads of casework. Every method that reaches personal data starts from ``visible_to``."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from privacy import policy

if TYPE_CHECKING:
    from organisations.models import User

    from .models import Action, Case, Contact, Household, Involvement, Person  # noqa: F401

OPEN = ~Q(status="afgesloten")


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: User | AnonymousUser) -> CaseQuerySet:
        return self.filter(policy.case_condition(user))

    def open(self) -> CaseQuerySet:
        return self.filter(OPEN)

    def led_by(self, user: User | AnonymousUser) -> CaseQuerySet:
        """Cases of the teams the user currently leads (the team lead assigns their coordinators)."""
        from organisations.models import Role, TeamMembership
        from organisations.models import User as UserModel

        if not policy.may_see_casework(user) or getattr(user, "role", None) != Role.TEAM_LEAD:
            return self.none()
        assert isinstance(user, UserModel)
        return self.filter(team__in=TeamMembership.objects.current().filter(user_id=user.pk).values("team_id"))

    def coordinated_by(self, user: User | AnonymousUser) -> CaseQuerySet:
        """Cases the user coordinates now (the coordinator moves the case along its statuses)."""
        from .models import Involvement

        if not policy.may_see_casework(user):
            return self.none()
        return self.filter(
            Exists(Involvement.objects.filter(case_id=OuterRef("pk"), professional_id=user.pk, is_coordinator=True))
        )

    def caseload_of(self, user: User) -> CaseQuerySet:
        """The open cases a professional works on: involved now, or coordinating."""
        from .models import Involvement

        return (
            self.visible_to(user)
            .open()
            .filter(Exists(Involvement.objects.active().filter(case_id=OuterRef("pk"), professional_id=user.pk)))
        )


class HouseholdQuerySet(models.QuerySet["Household"]):
    def visible_to(self, user: User | AnonymousUser) -> HouseholdQuerySet:
        from .models import Case

        return self.filter(Exists(Case.objects.visible_to(user).filter(household_id=OuterRef("pk"))))

    def search(self, *, name: str = "", postcode: str = "", house_number: int | None = None) -> HouseholdQuerySet:
        """By a member's (sur)name, or by postcode plus house number. Never by partial BSN."""
        from .models import HouseholdMembership

        result = self
        if name:
            words = name.split()
            member = HouseholdMembership.objects.filter(household_id=OuterRef("pk"))
            for word in words:
                member = member.filter(Q(person__last_name__icontains=word) | Q(person__first_name__icontains=word))
            result = result.filter(Exists(member))
        if postcode:
            result = result.filter(postcode=postcode.replace(" ", "").upper())
        if house_number is not None:
            result = result.filter(house_number=house_number)
        return result

    def with_bsn(self, bsn: str) -> HouseholdQuerySet:
        """Households with a member whose BSN matches exactly."""
        from .models import HouseholdMembership

        return self.filter(
            Exists(HouseholdMembership.objects.filter(household_id=OuterRef("pk"), person__bsn=bsn.strip()))
        )


class PersonQuerySet(models.QuerySet["Person"]):
    def visible_to(self, user: User | AnonymousUser) -> PersonQuerySet:
        from .models import Household, HouseholdMembership

        return self.filter(
            Exists(
                HouseholdMembership.objects.filter(
                    person_id=OuterRef("pk"), household__in=Household.objects.visible_to(user)
                )
            )
        )

    def for_data_subject_request(self, user: User | AnonymousUser) -> PersonQuerySet:
        return self.filter(policy.data_subject_condition(user))


class InvolvementQuerySet(models.QuerySet["Involvement"]):
    def active(self, on: datetime.date | None = None) -> InvolvementQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day))

    def visible_to(self, user: User | AnonymousUser) -> InvolvementQuerySet:
        return self.filter(policy.case_condition(user, prefix="case__"))


class ActionQuerySet(models.QuerySet["Action"]):
    def visible_to(self, user: User | AnonymousUser) -> ActionQuerySet:
        return self.filter(policy.case_condition(user, prefix="case__"))

    def open(self) -> ActionQuerySet:
        return self.exclude(status__in=["done", "cancelled"])


class ContactQuerySet(models.QuerySet["Contact"]):
    def visible_to(self, user: User | AnonymousUser) -> ContactQuerySet:
        return self.filter(policy.contact_condition(user))

    def timeline(self) -> ContactQuerySet:
        return self.order_by("-occurred_on", "-id")


_M = TypeVar("_M", bound=models.Model)


class CaseScopedQuerySet(models.QuerySet[_M]):
    """For records that hang under a case (goals, scores, conferences…): visible with their case.

    ``case_path`` is the lookup from the model to its case, ending in ``__``.
    """

    case_path = "case__"

    def visible_to(self, user: User | AnonymousUser) -> CaseScopedQuerySet[_M]:
        return self.filter(policy.case_condition(user, prefix=self.case_path))


class PlanVersionQuerySet(CaseScopedQuerySet[_M]):
    case_path = "plan__case__"


class GoalQuerySet(CaseScopedQuerySet[_M]):
    case_path = "plan_version__plan__case__"


class MeasurementScoreQuerySet(CaseScopedQuerySet[_M]):
    case_path = "measurement__case__"


class HouseholdMembershipQuerySet(models.QuerySet[models.Model]):
    def visible_to(self, user: User | AnonymousUser) -> HouseholdMembershipQuerySet:
        from .models import Household

        return self.filter(household__in=Household.objects.visible_to(user))

    def current(self, on: datetime.date | None = None) -> HouseholdMembershipQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day))


class KeyFigureQuerySet(models.QuerySet[models.Model]):
    def visible_to(self, user: User | AnonymousUser) -> KeyFigureQuerySet:
        """Key figures are not clients, but their contact details are still personal: own teams only."""
        if not policy.may_see_casework(user):
            return self.none()
        from organisations.models import TeamMembership
        from organisations.models import User as UserModel

        assert isinstance(user, UserModel)
        return self.filter(team__in=TeamMembership.objects.current().filter(user_id=user.pk).values("team_id"))
