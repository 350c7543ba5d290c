"""Shapes of casework in the API. Reads are plain; writes validate shape and hand over to services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from cases.models import (
    Action,
    Case,
    CaseConference,
    CaseStatus,
    Consent,
    Contact,
    Goal,
    Household,
    HouseholdMembership,
    Involvement,
    LegalBasis,
    Measurement,
    MeasurementScore,
    Person,
    Plan,
    PlanVersion,
)
from common.api.base import StrictSerializer, code_ref
from organisations.models import Area, Organisation, Team, User
from themes.models import Instrument, Theme


def uuid_ref(queryset: Any = None, **kwargs: Any) -> serializers.SlugRelatedField:
    if queryset is None:
        kwargs.setdefault("read_only", True)
    return serializers.SlugRelatedField(slug_field="uuid", queryset=queryset, **kwargs)


class VisibleQuerysetMixin:
    """Related objects a write may point at come from what the caller may see."""

    visible_fields: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        for name, model in self.visible_fields.items():
            field = self.fields[name]  # type: ignore[attr-defined]
            target = getattr(field, "child_relation", field)
            target.queryset = model.objects.visible_to(user)


# --- Reads -----------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer):
    bsn = serializers.CharField(source="masked_bsn", read_only=True, help_text="Masked: only the last four digits.")

    class Meta:
        model = Person
        fields = ["uuid", "first_name", "surname_prefix", "last_name", "date_of_birth", "bsn"]


class MemberSerializer(serializers.ModelSerializer):
    person = PersonSerializer(read_only=True)

    class Meta:
        model = HouseholdMembership
        fields = ["person", "role", "start_date", "end_date"]


class HouseholdSerializer(serializers.ModelSerializer):
    neighbourhood = code_ref()
    members = MemberSerializer(source="memberships", many=True, read_only=True)

    class Meta:
        model = Household
        fields = [
            "uuid",
            "street",
            "house_number",
            "house_number_suffix",
            "postcode",
            "city",
            "neighbourhood",
            "members",
        ]


class CaseSerializer(serializers.ModelSerializer):
    # Annotated by the viewset's queryset (CaseViewSet.base_queryset): no related rows loaded.
    household = serializers.UUIDField(source="household_uuid", read_only=True)
    team = serializers.UUIDField(source="team_uuid", read_only=True)
    coordinator = serializers.UUIDField(source="coordinator_uuid", read_only=True, allow_null=True)

    class Meta:
        model = Case
        fields = [
            "uuid",
            "reference",
            "household",
            "team",
            "status",
            "referral_source",
            "referral_reason",
            "referred_on",
            "closed_on",
            "coordinator",
        ]


class InvolvementSerializer(serializers.ModelSerializer):
    case = uuid_ref()
    professional = uuid_ref()
    organisation = uuid_ref()

    class Meta:
        model = Involvement
        fields = [
            "uuid",
            "case",
            "professional",
            "organisation",
            "role",
            "is_coordinator",
            "legal_basis",
            "start_date",
            "end_date",
        ]


class GoalSerializer(serializers.ModelSerializer):
    theme = code_ref()
    case = serializers.UUIDField(source="plan_version.plan.case.uuid", read_only=True)
    plan_version = serializers.IntegerField(source="plan_version.number", read_only=True)

    class Meta:
        model = Goal
        fields = ["uuid", "case", "plan_version", "theme", "text", "in_own_words", "status"]


class PlanVersionSerializer(serializers.ModelSerializer):
    goals = GoalSerializer(many=True, read_only=True)

    class Meta:
        model = PlanVersion
        fields = ["number", "author", "summary", "agreed_on", "evaluate_on", "created_at", "goals"]


class PlanSerializer(serializers.ModelSerializer):
    case = serializers.UUIDField(source="case.uuid", read_only=True)
    current = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = ["case", "version", "current"]

    def get_current(self, plan: Plan) -> dict[str, Any] | None:
        versions = getattr(plan, "current_versions", None)
        return PlanVersionSerializer(versions[0]).data if versions else None


class ActionSerializer(serializers.ModelSerializer):
    case = uuid_ref()
    theme = code_ref()
    delivering_organisation = uuid_ref()
    beneficiary = uuid_ref(allow_null=True)
    conference = uuid_ref(allow_null=True)

    class Meta:
        model = Action
        fields = [
            "uuid",
            "case",
            "theme",
            "description",
            "delivering_organisation",
            "beneficiary",
            "planned_cost",
            "status",
            "version",
            "start_date",
            "end_date",
            "product_code",
            "conference",
        ]


class ContactSerializer(serializers.ModelSerializer):
    case = uuid_ref()
    author = uuid_ref()
    author_organisation = uuid_ref()

    class Meta:
        model = Contact
        fields = [
            "uuid",
            "case",
            "occurred_on",
            "kind",
            "themes",
            "minutes",
            "note",
            "confidentiality",
            "author",
            "author_organisation",
        ]


class CaseConferenceSerializer(serializers.ModelSerializer):
    case = uuid_ref()
    participants = uuid_ref(many=True)
    actions = uuid_ref(many=True)

    class Meta:
        model = CaseConference
        fields = [
            "uuid",
            "case",
            "held_on",
            "participants",
            "other_participants",
            "household_present",
            "decisions",
            "actions",
        ]


class ScoreSerializer(serializers.ModelSerializer):
    domain = code_ref()

    class Meta:
        model = MeasurementScore
        fields = ["domain", "score", "reason"]


class MeasurementSerializer(serializers.ModelSerializer):
    case = uuid_ref()
    person = uuid_ref()
    instrument = code_ref()
    scores = ScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Measurement
        fields = ["uuid", "case", "person", "instrument", "measured_on", "scores"]


class ConsentSerializer(serializers.ModelSerializer):
    case = uuid_ref()
    person = uuid_ref()
    organisations = uuid_ref(many=True)

    class Meta:
        model = Consent
        fields = ["uuid", "case", "person", "purpose", "organisations", "given_on", "expires_on", "revoked_on"]


# --- Writes (commands for services) ------------------------------------------------


class MemberInputSerializer(StrictSerializer):
    first_name = serializers.CharField(max_length=80)
    surname_prefix = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    last_name = serializers.CharField(max_length=120)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    bsn = serializers.CharField(max_length=9, required=False, allow_null=True, allow_blank=True, default=None)
    role = serializers.ChoiceField(choices=HouseholdMembership.Role.choices)
    # The duplicate review (cases/duplicates.py): a decision on the likely matches a 409 listed for this member.
    existing_person = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="After a 409: the uuid of one of this member's listed matches; that person is linked, not copied.",
    )
    new_person_reason = serializers.CharField(
        max_length=500,
        required=False,
        default="",
        allow_blank=True,
        help_text=(
            "After a 409: why this member is none of the listed matches; a new person is registered and the "
            "decision recorded with this reason. Ignored when there is nothing to decide."
        ),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("existing_person") is not None and attrs.get("new_person_reason"):
            raise serializers.ValidationError(
                {"new_person_reason": [_("Give either existing_person or new_person_reason, not both.")]}
            )
        return attrs


class ReferralSerializer(StrictSerializer):
    team = serializers.SlugRelatedField(slug_field="uuid", queryset=Team.objects.all())
    street = serializers.CharField(max_length=120)
    house_number = serializers.IntegerField(min_value=1)
    house_number_suffix = serializers.CharField(max_length=10, required=False, default="", allow_blank=True)
    postcode = serializers.CharField(max_length=7)
    city = serializers.CharField(max_length=80)
    neighbourhood: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", queryset=Area.objects.neighbourhoods()
    )
    members = MemberInputSerializer(many=True, allow_empty=False)
    referral_source = serializers.ChoiceField(choices=Case.ReferralSource.choices)
    referral_reason = serializers.CharField()
    referred_on = serializers.DateField(required=False, allow_null=True, default=None)
    legal_basis = serializers.ChoiceField(choices=LegalBasis.choices)
    new_household_confirmed = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "After a 409 that listed households at this address: the caller has checked them and this referral "
            "is for a new household there (the screen's confirmation)."
        ),
    )

    def validate_members(self, members: list[dict[str, Any]]) -> list[dict[str, Any]]:
        chosen = [member["existing_person"] for member in members if member.get("existing_person") is not None]
        if len(chosen) != len(set(chosen)):
            raise serializers.ValidationError(_("The same existing person is chosen for two members."))
        return members


# The 409 of a referral with likely duplicates (CaseViewSet.create); only what the caller may already see.


class DuplicateHouseholdSerializer(serializers.ModelSerializer):
    class Meta:
        model = Household
        fields = ["uuid", "street", "house_number", "house_number_suffix", "postcode", "city"]


class DuplicatePersonSerializer(serializers.ModelSerializer):
    bsn = serializers.CharField(source="masked_bsn", read_only=True, help_text="Masked: only the last four digits.")
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=["same_birth_and_name", "same_bsn"]),
        help_text="Why this person may be the member: born the same day with a similar name, or the same BSN.",
    )
    households = DuplicateHouseholdSerializer(many=True, help_text="The households of this person the caller may see.")

    class Meta:
        model = Person
        fields = ["uuid", "first_name", "surname_prefix", "last_name", "date_of_birth", "bsn", "reasons", "households"]


class DuplicateMemberSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The member's position in the posted ``members`` (from 0).")
    matches = DuplicatePersonSerializer(many=True)


class DuplicateAddressSerializer(DuplicateHouseholdSerializer):
    has_open_case = serializers.BooleanField()

    class Meta(DuplicateHouseholdSerializer.Meta):
        fields = [*DuplicateHouseholdSerializer.Meta.fields, "has_open_case"]


class DuplicatesProblemSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["possible_duplicates"])
    title = serializers.CharField()
    detail = serializers.CharField()
    note = serializers.CharField(help_text="The fixed sentence every registration carries, with or without matches.")
    members = DuplicateMemberSerializer(
        many=True, help_text="Members with likely matches still to decide on (existing_person or new_person_reason)."
    )
    households = DuplicateAddressSerializer(
        many=True,
        help_text="Households the caller may see at this address, when not yet confirmed (new_household_confirmed).",
    )


class TransitionSerializer(StrictSerializer):
    to_status = serializers.ChoiceField(choices=CaseStatus.choices)
    reason = serializers.CharField(required=False, default="", allow_blank=True)


class CoordinatorSerializer(StrictSerializer):
    professional = serializers.SlugRelatedField(slug_field="uuid", queryset=User.objects.filter(is_active=True))
    legal_basis = serializers.ChoiceField(choices=LegalBasis.choices, required=False, default="")


class InvolvementInputSerializer(VisibleQuerysetMixin, StrictSerializer):
    visible_fields = {"case": Case}
    case = serializers.SlugRelatedField(slug_field="uuid", queryset=Case.objects.none())
    professional = serializers.SlugRelatedField(slug_field="uuid", queryset=User.objects.filter(is_active=True))
    role = serializers.ChoiceField(choices=Involvement.Role.choices)
    legal_basis = serializers.ChoiceField(choices=LegalBasis.choices)
    start_date = serializers.DateField(required=False, allow_null=True, default=None)


class GoalInputSerializer(StrictSerializer):
    theme: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", queryset=Theme.objects.all()
    )
    text = serializers.CharField()
    in_own_words = serializers.BooleanField(default=True)
    status = serializers.ChoiceField(choices=Goal.Status.choices, default=Goal.Status.OPEN)


class PlanInputSerializer(StrictSerializer):
    version = serializers.IntegerField(min_value=0, help_text="The version this edit is based on (edit lock).")
    author = serializers.ChoiceField(choices=PlanVersion.Author.choices)
    summary = serializers.CharField(required=False, default="", allow_blank=True)
    agreed_on = serializers.DateField(required=False, allow_null=True, default=None)
    evaluate_on = serializers.DateField(required=False, allow_null=True, default=None)
    goals = GoalInputSerializer(many=True, allow_empty=False)


class ActionInputSerializer(VisibleQuerysetMixin, StrictSerializer):
    visible_fields = {"case": Case, "beneficiary": Person}
    case = serializers.SlugRelatedField(slug_field="uuid", queryset=Case.objects.none())
    theme: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", queryset=Theme.objects.all()
    )
    description = serializers.CharField(max_length=300)
    delivering_organisation = serializers.SlugRelatedField(
        slug_field="uuid", queryset=Organisation.objects.filter(active=True)
    )
    beneficiary = serializers.SlugRelatedField(
        slug_field="uuid", queryset=Person.objects.none(), required=False, allow_null=True, default=None
    )
    planned_cost = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, default=Decimal("0")
    )
    status = serializers.ChoiceField(choices=Action.Status.choices, default=Action.Status.PROPOSED)
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    product_code = serializers.CharField(max_length=10, required=False, default="", allow_blank=True)


class ActionCorrectionSerializer(VisibleQuerysetMixin, StrictSerializer):
    """Correct an action: every field as it should now be, and the ``version`` the caller read."""

    visible_fields = {"beneficiary": Person}
    version = serializers.IntegerField(min_value=0)
    delivering_organisation = serializers.SlugRelatedField(
        slug_field="uuid", queryset=Organisation.objects.filter(active=True)
    )
    beneficiary = serializers.SlugRelatedField(slug_field="uuid", queryset=Person.objects.none(), allow_null=True)
    planned_cost = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)


class ActionStatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=Action.Status.choices)
    version = serializers.IntegerField(min_value=1, help_text="The version this change is based on (edit lock).")


class ContactInputSerializer(VisibleQuerysetMixin, StrictSerializer):
    visible_fields = {"case": Case}
    case = serializers.SlugRelatedField(slug_field="uuid", queryset=Case.objects.none())
    occurred_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=Contact.Kind.choices)
    themes = serializers.ListField(child=serializers.SlugField(max_length=30), allow_empty=False)
    minutes = serializers.IntegerField(min_value=1, max_value=24 * 60)
    note = serializers.CharField(required=False, default="", allow_blank=True)
    confidentiality = serializers.ChoiceField(
        choices=Contact.Confidentiality.choices, default=Contact.Confidentiality.ALL_INVOLVED
    )


class ActionItemSerializer(StrictSerializer):
    theme: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", queryset=Theme.objects.all()
    )
    description = serializers.CharField(max_length=300)
    delivering_organisation = serializers.SlugRelatedField(
        slug_field="uuid", queryset=Organisation.objects.filter(active=True)
    )
    planned_cost = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, default=Decimal("0")
    )


class CaseConferenceInputSerializer(VisibleQuerysetMixin, StrictSerializer):
    visible_fields = {"case": Case}
    case = serializers.SlugRelatedField(slug_field="uuid", queryset=Case.objects.none())
    held_on = serializers.DateField()
    participants = serializers.SlugRelatedField(
        slug_field="uuid", queryset=User.objects.filter(is_active=True), many=True
    )
    other_participants = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    household_present = serializers.BooleanField(default=True)
    decisions = serializers.CharField()
    action_items = ActionItemSerializer(many=True, required=False, default=list)


class ScoreInputSerializer(StrictSerializer):
    domain = serializers.SlugField()
    score = serializers.IntegerField()
    reason = serializers.CharField(max_length=300)


class MeasurementInputSerializer(VisibleQuerysetMixin, StrictSerializer):
    visible_fields = {"case": Case, "person": Person}
    case = serializers.SlugRelatedField(slug_field="uuid", queryset=Case.objects.none())
    person = serializers.SlugRelatedField(slug_field="uuid", queryset=Person.objects.none())
    instrument: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", queryset=Instrument.objects.filter(active=True)
    )
    measured_on = serializers.DateField()
    scores = ScoreInputSerializer(many=True, allow_empty=False)


class ConsentInputSerializer(VisibleQuerysetMixin, StrictSerializer):
    visible_fields = {"case": Case, "person": Person}
    case = serializers.SlugRelatedField(slug_field="uuid", queryset=Case.objects.none())
    person = serializers.SlugRelatedField(slug_field="uuid", queryset=Person.objects.none())
    purpose = serializers.CharField(max_length=300)
    organisations = serializers.SlugRelatedField(
        slug_field="uuid", queryset=Organisation.objects.all(), many=True, allow_empty=False
    )
    given_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)


class EmptySerializer(StrictSerializer):
    pass
