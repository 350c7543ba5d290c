"""Reads of casework. Every method that reaches personal data starts from ``visible_to``.

The household search (``HouseholdQuerySet.search``) applies the same rule (``policy.visible_case_ids``) itself.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, models
from django.db.models import (
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from privacy import policy

if TYPE_CHECKING:
    from organisations.models import User

    from .models import (  # noqa: F401
        Action,
        Case,
        CaseTransfer,
        Contact,
        Document,
        Household,
        HouseholdMembership,
        Involvement,
        KeyFigure,
        MeldcodeStep,
        NetworkPerson,
        Person,
    )

OPEN = ~Q(status="afgesloten")

# A case nobody logged a contact on for this many days is flagged on the caseload.
CONTACT_OVERDUE_DAYS = 30


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: User | AnonymousUser) -> CaseQuerySet:
        return self.filter(policy.case_condition(user))

    def open(self) -> CaseQuerySet:
        return self.filter(OPEN)

    def led_by(self, user: User | AnonymousUser) -> CaseQuerySet:
        """Cases of the teams the user currently leads (the team lead assigns their coordinators).

        The rule is the policy's (``led_team_ids``); this composes it into the caller's query.
        """
        return self.filter(team__in=policy.led_team_ids(user))

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

    def team_caseload_of(self, user: User) -> CaseQuerySet:
        """A team lead's caseload: every open case of the teams they belong to now.

        Cases of other teams a lead is involved in are not added: an OR there
        keeps PostgreSQL from using the (team, status) index, and a team's
        caseload runs to thousands of cases.
        """
        return self.visible_to(user).open().filter(team_id__in=policy.team_ids_of(user))

    def caseload_for(self, user: User) -> CaseQuerySet:
        """What "Mijn caseload" lists: the team's open cases for a team lead, one's own for a professional."""
        if policy.oversees_team_cases(user):
            return self.team_caseload_of(user)
        return self.caseload_of(user)

    def without_coordinator(self) -> CaseQuerySet:
        """Cases nobody coordinates in practice: the database holds one coordinator per open case (migration
        0002), but theirs left the case's team or their account was disabled, so the team lead must assign another.
        """
        from organisations.models import TeamMembership

        from .models import Involvement

        in_team = TeamMembership.objects.current().filter(
            user_id=OuterRef("professional_id"), team_id=OuterRef("case__team_id")
        )
        working = Involvement.objects.filter(
            case_id=OuterRef("pk"), is_coordinator=True, end_date__isnull=True, professional__is_active=True
        ).filter(Exists(in_team))
        return self.exclude(Exists(working))

    def on_theme(self, code: str) -> CaseQuerySet:
        """Cases with a goal of the current plan, or an open action, on the theme."""
        from .models import Action, Goal

        return self.filter(
            Exists(Goal.objects.current().filter(plan_version__plan__case_id=OuterRef("pk"), theme__code=code))
            | Exists(Action.objects.open().filter(case_id=OuterRef("pk"), theme__code=code))
        )

    def in_area(self, area_id: int) -> CaseQuerySet:
        """Cases of households in the buurt, or in any buurt of the wijk."""
        return self.filter(Q(household__neighbourhood_id=area_id) | Q(household__neighbourhood__parent_id=area_id))

    def with_caseload_summary(self, user: User) -> CaseQuerySet:
        """Annotate what the caseload shows per case, each a correlated subquery: one query for any page size.

        - ``last_contact_on``: the newest contact the user may read (another
          organisation's confidential note does not count, it is not theirs to see);
        - ``next_action`` / ``next_action_on``: the open action that starts first;
        - ``theme_codes``: the themes of the current plan's goals and the open actions;
        - ``contact_overdue``: the case has an open "no contact for 30 days" signal: the one
          definition the signals page (Signalen) shows too (``cases/reminders.py``). Any
          contact counts there, a confidential one included, whose note and date stay hidden.
        """
        from themes.models import Theme

        from .models import Action, Contact, Goal, Reminder

        # These subqueries hang under a case that already passed visible_to; the
        # contacts still obey the confidentiality rule.
        last_contact = Contact.objects.readable_on_visible_case(user).filter(case_id=OuterRef("pk")).timeline()
        next_action = (
            Action.objects.open().filter(case_id=OuterRef("pk")).order_by(F("start_date").asc(nulls_last=True), "id")
        )
        themes = (
            Theme.objects.filter(
                Exists(
                    Goal.objects.current().filter(
                        plan_version__plan__case_id=OuterRef(OuterRef("pk")), theme_id=OuterRef("pk")
                    )
                )
                | Exists(Action.objects.open().filter(case_id=OuterRef(OuterRef("pk")), theme_id=OuterRef("pk")))
            )
            .order_by("order")
            .values("code")
        )
        return self.annotate(
            last_contact_on=Subquery(last_contact.values("occurred_on")[:1]),
            next_action=Subquery(next_action.values("description")[:1]),
            next_action_on=Subquery(next_action.values("start_date")[:1]),
            theme_codes=ArraySubquery(themes),
        ).annotate(
            contact_overdue=Exists(
                Reminder.objects.filter(case_id=OuterRef("pk"), kind=Reminder.Kind.NO_CONTACT, resolved_at__isnull=True)
            ),
        )

    def order_by_status(self) -> CaseQuerySet:
        """In workflow order (aanmelding first, as CaseStatus declares them), not alphabetically."""
        from .models import CaseStatus

        return self.alias(
            status_rank=models.Case(
                *(When(status=code, then=Value(rank)) for rank, code in enumerate(CaseStatus.values)),
                default=Value(len(CaseStatus.values)),
                output_field=models.IntegerField(),
            )
        ).order_by("status_rank", "referred_on", "id")


def _joined(left: models.QuerySet[Any], right: models.QuerySet[Any], on: tuple[str, str], select: str) -> RawSQL:
    """Column ``select`` of the rows of ``left`` that meet a row of ``right`` (``on``: a column of each).

    Both sides are computed once, each on its own index (``AS MATERIALIZED``), and joined by hashing: the
    planner cannot turn either into a lookup per row of the other, which its estimates (a name's words
    are not independent, a union's size is a guess) made it choose where that read five times as much.
    """
    left_sql, left_params = left.query.sql_with_params()
    right_sql, right_params = right.query.sql_with_params()
    quote = connection.ops.quote_name
    sql = (
        f"WITH l AS MATERIALIZED ({left_sql}), r AS MATERIALIZED ({right_sql}) "  # noqa: S608 - compiled querysets
        f"SELECT l.{quote(select)} FROM l JOIN r ON l.{quote(on[0])} = r.{quote(on[1])}"
    )
    # Every value stays a parameter of the two querysets; the column names are the callers' constants.
    return RawSQL(sql, (*left_params, *right_params))  # noqa: S611


class HouseholdQuerySet(models.QuerySet["Household"]):
    def visible_to(self, user: User | AnonymousUser) -> HouseholdQuerySet:
        # The households of the visible cases, as a set the planner can start from (not an EXISTS per household).
        return self.filter(policy.household_condition(user))

    def search(
        self, user: User | AnonymousUser, *, name: str = "", postcode: str = "", house_number: int | None = None
    ) -> HouseholdQuerySet:
        """The households ``user`` sees (``policy.visible_case_ids``) by a member's name, or by postcode (or its
        start) plus house number. Never by partial BSN.

        A name is matched the Dutch way (``search.name_words``): every word the user typed starts a
        word of a member's first name, surname prefix (tussenvoegsel) or surname, in any order and
        without accents, so "van Dijk", "Dijk, van" and "Julia van Dijk" find Julia van Dijk and
        "Ozturk" finds Öztürk. Households are then ranked by how close the closest member's name is.

        The access rule is applied here, not by ``visible_to`` before, so that the search can start from
        both sets at once (issue 16: p95 under 100 ms at the municipality seed). A common surname
        matches some 6,500 persons of a municipality and a professional sees some 2,000 households:
        either way round, looking up the other side per row cost 30,000 buffer reads. Instead the
        persons whose name has every typed word as a word start (``search.NamePrefixes``: one exact
        GIN lookup, no regular expression per candidate) and the members of the visible households
        (one index-only scan per household, ``membership_household_idx``) are each read once and
        hashed together (``_joined``); a postcode start likewise meets the visible households in a
        hash (``household_postcode_like_idx``). Only the households in both are then read, and only
        their members are compared with ``name_pattern`` again, for the ranking.
        """
        from .models import Household, HouseholdMembership, Person
        from .search import NamePrefixes, name_pattern, name_words

        if not policy.may_see_casework(user):
            return self.none()
        visible = policy.visible_case_ids(cast("User", user), "household_id")
        result: HouseholdQuerySet = self
        words = name_words(name)
        if words:
            prefixes = NamePrefixes("name_key")
            named = Person.objects.alias(prefixes=prefixes).filter(Q(prefixes__contains=words)).order_by().values("id")
            members_seen = (
                HouseholdMembership.objects.filter(household_id__in=visible)
                .order_by()
                .values("household_id", "person_id")
            )
            result = result.filter(pk__in=_joined(members_seen, named, ("person_id", "id"), "household_id"))
            # The closest member's name, for the households found (a page holds a few dozen).
            members = HouseholdMembership.objects.filter(household_id=OuterRef("pk")).annotate(
                key=F("person__name_key")
            )
            for word in words:
                members = members.filter(key__regex=name_pattern(word))
            closeness = members.annotate(
                closeness=Func(Value(" ".join(words)), "key", function="word_similarity", output_field=FloatField())
            ).order_by("-closeness")
            result = cast("HouseholdQuerySet", result.annotate(closeness=Subquery(closeness.values("closeness")[:1])))
        elif postcode:
            coded = Household.objects.filter(postcode__startswith=postcode.replace(" ", "").upper()).order_by()
            result = result.filter(pk__in=_joined(visible, coded.values("id"), ("household_id", "id"), "household_id"))
        else:
            result = result.filter(pk__in=visible)
        if postcode:
            result = result.filter(postcode__startswith=postcode.replace(" ", "").upper())
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
        from .models import HouseholdMembership

        return self.filter(pk__in=HouseholdMembership.objects.visible_to(user).order_by().values("person_id"))

    def for_data_subject_request(self, user: User | AnonymousUser) -> PersonQuerySet:
        return self.filter(policy.data_subject_condition(user))

    def sharing_a_bsn(self) -> PersonQuerySet:
        """Persons whose BSN another person has too: possible duplicates, for the duplicate review.

        Not scoped to a user: who may review them (and so see both) is the review's rule, not the caller's.
        """
        from .models import Person

        others = Person.objects.filter(bsn=OuterRef("bsn")).exclude(pk=OuterRef("pk"))
        return self.filter(bsn__isnull=False).filter(Exists(others))


class InvolvementQuerySet(models.QuerySet["Involvement"]):
    def active(self, on: datetime.date | None = None) -> InvolvementQuerySet:
        """Involvements running on a date (today by default).

        The end date is the first day without the involvement, as with team
        memberships: one ended today gives no access today.
        """
        day = on or timezone.localdate()
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gt=day))

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

    def readable_on_visible_case(self, user: User | AnonymousUser) -> ContactQuerySet:
        """Contacts the user may read, for use under a case that already passed ``Case.objects.visible_to``.

        Only the confidentiality rule is applied here: repeating the case rule
        for every contact row of a correlated subquery (the caseload's last
        contact) cost more than the rest of the caseload query.
        """
        return self.filter(policy.confidentiality_condition(user))

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


class ReminderQuerySet(CaseScopedQuerySet[_M]):
    def open_on_caseload_of(self, user: User) -> ReminderQuerySet[_M]:
        """Signalen: the open reminders on the cases of one's caseload (a team lead: the team's).

        The Signalen screen and the Vandaag page both list these.
        """
        from .models import Case

        visible = cast(ReminderQuerySet[_M], self.visible_to(user))
        return visible.filter(resolved_at__isnull=True, case__in=Case.objects.caseload_for(user).values("pk"))


class PlanVersionQuerySet(CaseScopedQuerySet[_M]):
    case_path = "plan__case__"


class GoalQuerySet(CaseScopedQuerySet[_M]):
    case_path = "plan_version__plan__case__"

    def current(self) -> GoalQuerySet:
        """Goals of the plan's current version (older versions are history)."""
        return self.filter(plan_version__number=F("plan_version__plan__version"))


class MeasurementScoreQuerySet(CaseScopedQuerySet[_M]):
    case_path = "measurement__case__"


class HouseholdMembershipQuerySet(models.QuerySet["HouseholdMembership"]):
    def visible_to(self, user: User | AnonymousUser) -> HouseholdMembershipQuerySet:
        # The visible households' ids as the cases give them (Household.visible_to's set), not by way of the
        # household rows: a case's household always exists, and reading each again cost the person list a
        # lookup per visible household (issue 17).
        return self.filter(policy.household_condition(user, key="household_id"))

    def current(self, on: datetime.date | None = None) -> HouseholdMembershipQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day))


class MeldcodeStepQuerySet(models.QuerySet["MeldcodeStep"]):
    def visible_to(self, user: User | AnonymousUser) -> MeldcodeStepQuerySet:
        """Confidential beyond the case: the involved professionals of the recording organisation, the coordinator."""
        return self.filter(policy.meldcode_condition(user))


class KeyFigureQuerySet(models.QuerySet["KeyFigure"]):
    def visible_to(self, user: User | AnonymousUser) -> KeyFigureQuerySet:
        """Key figures are not clients, but their names and contact details are still personal: own teams only."""
        return self.filter(policy.key_figure_condition(user))

    def active(self, on: datetime.date | None = None) -> KeyFigureQuerySet:
        """Not ended on ``on`` (today): the end date is the first day a key figure no longer counts."""
        day = on or timezone.localdate()
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))


class DocumentQuerySet(models.QuerySet["Document"]):
    """Documents follow the rule of contact notes: the case must be visible, and "own organisation only"
    keeps a document inside the organisation of the professional who added it."""

    def visible_to(self, user: User | AnonymousUser) -> DocumentQuerySet:
        return self.filter(policy.document_condition(user))

    def readable_on_visible_case(self, user: User | AnonymousUser) -> DocumentQuerySet:
        """For use under a case that already passed ``Case.objects.visible_to``: the confidentiality rule only."""
        return self.filter(policy.confidentiality_condition(user))


class CaseTransferQuerySet(models.QuerySet["CaseTransfer"]):
    def visible_to(self, user: User | AnonymousUser) -> CaseTransferQuerySet:
        """With the case, and for the receiving team's leads while the transfer waits for them."""
        return self.filter(policy.transfer_condition(user))

    def pending(self) -> CaseTransferQuerySet:
        return self.filter(status="pending")


class NetworkPersonQuerySet(models.QuerySet["NetworkPerson"]):
    def visible_to(self, user: User | AnonymousUser) -> NetworkPersonQuerySet:
        """The network around a household: with the household (the household's cases the user sees)."""
        from .models import Household

        return self.filter(household_id__in=Household.objects.visible_to(user).order_by().values("pk"))

    def current(self, on: datetime.date | None = None) -> NetworkPersonQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gt=day))
