"""Casework in the admin, scoped by the access policy like every other door.

The functional administrator configures but does not read case content: the
policy gives that role no cases, so these lists are empty for them, and so is
a superuser's unless they are also a casework professional in the team.
"""

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from privacy import policy

from .models import (
    Action,
    Case,
    CaseConference,
    CaseStatusChange,
    CaseTransfer,
    Consent,
    Contact,
    Document,
    DocumentContent,
    DuplicateDecision,
    Goal,
    Household,
    HouseholdMembership,
    Involvement,
    KeyFigure,
    Measurement,
    MeasurementScore,
    MeldcodeStep,
    Merge,
    NetworkPerson,
    Person,
    Plan,
    PlanVersion,
    Reminder,
)


class PolicyScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            # The admin is no door to casework: a staff account that is also a professional
            # reads households on the casework screens, where every read is logged.
            return queryset.none()
        return self.scope(queryset, request)

    def scope(self, queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
        """The rows of the policy; a record without a door of its own follows the record it belongs to."""
        return policy.visible(queryset, request.user)


@admin.register(Household)
class HouseholdAdmin(PolicyScopedAdmin):
    list_display = ["__str__", "neighbourhood", "created_at"]
    list_filter = ["neighbourhood__parent", "created_at"]
    search_fields = ["street", "postcode", "city"]
    list_select_related = ["neighbourhood"]
    raw_id_fields = ["neighbourhood"]


@admin.register(Person)
class PersonAdmin(PolicyScopedAdmin):
    list_display = ["full_name", "date_of_birth", "masked_bsn"]
    list_filter = ["created_at"]
    # BSN only by exact match: never a partial search on it.
    search_fields = ["last_name", "first_name", "=bsn"]
    exclude = ["bsn"]


@admin.register(HouseholdMembership)
class HouseholdMembershipAdmin(PolicyScopedAdmin):
    list_display = ["person", "household", "role", "start_date", "end_date"]
    list_filter = ["role", "start_date", "end_date"]
    search_fields = ["person__last_name", "household__postcode"]
    list_select_related = ["person", "household"]
    raw_id_fields = ["person", "household"]


@admin.register(Case)
class CaseAdmin(PolicyScopedAdmin):
    list_display = ["reference", "team", "status", "referral_source", "referred_on", "closed_on"]
    list_filter = ["status", "referral_source", "team", "referred_on"]
    search_fields = ["=reference"]
    list_select_related = ["team"]
    raw_id_fields = ["household", "created_by"]


@admin.register(CaseStatusChange)
class CaseStatusChangeAdmin(PolicyScopedAdmin):
    list_display = ["case", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["to_status", "changed_at"]
    search_fields = ["=case__reference"]
    list_select_related = ["case", "changed_by"]
    raw_id_fields = ["case", "changed_by"]


@admin.register(Involvement)
class InvolvementAdmin(PolicyScopedAdmin):
    list_display = ["case", "professional", "organisation", "role", "is_coordinator", "legal_basis", "end_date"]
    list_filter = ["role", "is_coordinator", "legal_basis", "organisation__kind"]
    search_fields = ["=case__reference", "professional__username", "professional__last_name"]
    list_select_related = ["case", "professional", "organisation"]
    raw_id_fields = ["case", "professional", "organisation"]


@admin.register(Plan)
class PlanAdmin(PolicyScopedAdmin):
    list_display = ["case", "version"]
    list_filter = ["version"]
    search_fields = ["=case__reference"]
    raw_id_fields = ["case"]


@admin.register(PlanVersion)
class PlanVersionAdmin(PolicyScopedAdmin):
    list_display = ["plan", "number", "author", "agreed_on", "created_by"]
    list_filter = ["author", "agreed_on"]
    search_fields = ["=plan__case__reference"]
    list_select_related = ["plan__case", "created_by"]
    raw_id_fields = ["plan", "created_by"]


@admin.register(Goal)
class GoalAdmin(PolicyScopedAdmin):
    list_display = ["__str__", "theme", "status", "in_own_words"]
    list_filter = ["theme", "status", "in_own_words"]
    search_fields = ["text"]
    raw_id_fields = ["plan_version"]


@admin.register(Action)
class ActionAdmin(PolicyScopedAdmin):
    list_display = ["description", "case", "theme", "delivering_organisation", "planned_cost", "status"]
    list_filter = ["status", "theme", "delivering_organisation__kind"]
    search_fields = ["description", "=case__reference", "product_code"]
    list_select_related = ["case", "theme", "delivering_organisation"]
    raw_id_fields = ["case", "beneficiary", "conference", "created_by", "delivering_organisation"]


@admin.register(Contact)
class ContactAdmin(PolicyScopedAdmin):
    list_display = ["case", "occurred_on", "kind", "minutes", "confidentiality", "author"]
    list_filter = ["kind", "confidentiality", "occurred_on"]
    search_fields = ["=case__reference"]
    list_select_related = ["case", "author"]
    raw_id_fields = ["case", "author", "author_organisation"]


@admin.register(CaseConference)
class CaseConferenceAdmin(PolicyScopedAdmin):
    list_display = ["case", "held_on", "household_present"]
    list_filter = ["held_on", "household_present"]
    search_fields = ["=case__reference"]
    raw_id_fields = ["case", "participants", "created_by"]


@admin.register(Measurement)
class MeasurementAdmin(PolicyScopedAdmin):
    list_display = ["case", "instrument", "measured_on"]
    list_filter = ["instrument", "measured_on"]
    search_fields = ["=case__reference"]
    raw_id_fields = ["case", "person", "measured_by"]


@admin.register(MeasurementScore)
class MeasurementScoreAdmin(PolicyScopedAdmin):
    list_display = ["measurement", "domain", "score"]
    list_filter = ["domain__instrument", "score"]
    search_fields = ["=measurement__case__reference"]
    raw_id_fields = ["measurement"]


@admin.register(Consent)
class ConsentAdmin(PolicyScopedAdmin):
    list_display = ["purpose", "case", "given_on", "expires_on", "revoked_on"]
    list_filter = ["given_on", "expires_on", "revoked_on"]
    search_fields = ["purpose", "=case__reference"]
    raw_id_fields = ["case", "person", "organisations", "recorded_by"]


@admin.register(KeyFigure)
class KeyFigureAdmin(PolicyScopedAdmin):
    list_display = ["name", "description", "area", "team", "ended_on"]
    list_filter = ["ended_on", "team", "area__parent"]
    search_fields = ["name", "description"]
    raw_id_fields = ["area", "team"]


@admin.register(Reminder)
class ReminderAdmin(PolicyScopedAdmin):
    """Kept by the daily task; the admin only looks."""

    list_display = ["case", "kind", "since", "created_at", "resolved_at"]
    list_filter = ["kind", "resolved_at"]
    search_fields = ["=case__reference"]
    raw_id_fields = ["case", "consent"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(PolicyScopedAdmin):
    """Records only their service writes (an upload, a decision, a merge, a transfer, a meldcode step):
    the admin shows them, nobody adds or edits one by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["name", "case", "kind", "size", "confidentiality", "created_at"]
    list_filter = ["kind", "confidentiality", "created_at"]
    search_fields = ["name", "=case__reference"]
    raw_id_fields = ["case", "contact", "plan", "conference", "author", "author_organisation"]
    # The bytes are read by the download screen only (it asks the policy and logs); never here.


@admin.register(DocumentContent)
class DocumentContentAdmin(ReadOnlyAdmin):
    list_display = ["document"]
    list_filter = ["document__kind"]
    search_fields = ["document__name", "=document__case__reference"]
    exclude = ["data"]

    def scope(self, queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
        return queryset.filter(document__in=policy.visible(Document.objects.all(), request.user)).defer("data")


def _visible_people_or_households(request: HttpRequest, person: str, household: str) -> Q:
    people = policy.visible(Person.objects.all(), request.user)
    households = policy.visible(Household.objects.all(), request.user)
    return Q(**{f"{person}__in": people}) | Q(**{f"{household}__in": households})


@admin.register(DuplicateDecision)
class DuplicateDecisionAdmin(ReadOnlyAdmin):
    list_display = ["kind", "outcome", "person", "household", "decided_by", "decided_at"]
    list_filter = ["kind", "outcome", "decided_at"]
    search_fields = ["reason"]
    raw_id_fields = ["person", "household", "decided_by"]

    def scope(self, queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
        return queryset.filter(_visible_people_or_households(request, "person", "household"))


@admin.register(Merge)
class MergeAdmin(ReadOnlyAdmin):
    list_display = ["kind", "survivor_person", "survivor_household", "merged_by", "merged_at", "undone_at"]
    list_filter = ["kind", "merged_at", "undone_at"]
    search_fields = ["reason"]
    raw_id_fields = [
        "survivor_person",
        "absorbed_person",
        "survivor_household",
        "absorbed_household",
        "merged_by",
        "undone_by",
    ]

    def scope(self, queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
        return queryset.filter(_visible_people_or_households(request, "survivor_person", "survivor_household"))


@admin.register(MeldcodeStep)
class MeldcodeStepAdmin(ReadOnlyAdmin):
    list_display = ["case", "round", "step", "done_on", "organisation"]
    list_filter = ["step", "done_on"]
    search_fields = ["=case__reference"]
    raw_id_fields = ["case", "organisation"]


@admin.register(CaseTransfer)
class CaseTransferAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "from_team", "to_team", "status", "requested_at", "decided_at"]
    list_filter = ["kind", "status", "requested_at"]
    search_fields = ["=case__reference"]
    raw_id_fields = ["case", "from_team", "to_team", "requested_by", "decided_by"]


@admin.register(NetworkPerson)
class NetworkPersonAdmin(PolicyScopedAdmin):
    list_display = ["name", "relation", "related_to", "household", "start_date", "end_date"]
    list_filter = ["relation", "start_date", "end_date"]
    search_fields = ["name", "relation_detail"]
    raw_id_fields = ["household", "related_to", "created_by"]
