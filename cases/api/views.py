"""Casework endpoints. Same policy (``visible_to``), same log and same services as the screens."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from cases import duplicates, services
from cases.models import (
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
    Person,
    Plan,
    PlanVersion,
)
from common.api.rows import ColumnOf, Rows
from organisations.models import Organisation, Team, User
from privacy import access_log
from privacy.api import PolicyScopedViewSet
from themes.models import Theme

from . import filters
from . import serializers as s


class ReadOnly(PolicyScopedViewSet):
    """List and retrieve; subclasses add ``create``/``update`` that call services (no generic mixins:
    they would bypass the logged list of PolicyScopedViewSet and write without services)."""

    # One household's data: a team lead who does not work on it gives the reason (X-Wijkteam-Reason).
    purpose_bound = True


def _user(request: Request) -> User:
    # Behind IsAuthenticated: always a real user.
    return cast(User, request.user)


def _created(viewset: PolicyScopedViewSet, obj: Any, serializer_class: type) -> Response:
    access_log.record(
        user=viewset.request.user,
        action=access_log.Action.CREATE,
        subject=access_log.subject_for(obj),
        request=viewset.request,
    )
    return Response(serializer_class(obj, context=viewset.get_serializer_context()).data, status.HTTP_201_CREATED)


def _input(viewset: PolicyScopedViewSet, serializer_class: type) -> dict[str, Any]:
    serializer = serializer_class(data=viewset.request.data, context=viewset.get_serializer_context())
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _duplicate_review(
    request: Request, members: list[dict[str, Any]], *, postcode: str, house_number: int, address_confirmed: bool
) -> tuple[list[services.PersonInput], dict[str, Any] | None]:
    """The referral screen's duplicate review (formviews/duplicates.DuplicateCheck) for a posted referral.

    Returns the members as the service takes them, each with its decision applied, and the 409's body while
    anything found is undecided (``None`` otherwise). What was found is logged as read, as on the screen, on
    every post that finds it; a decision that names none of a member's matches is a 400.
    """
    user = _user(request)
    inputs: list[services.PersonInput] = []
    undecided: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    shown: list[Any] = []
    for index, member in enumerate(members):
        chosen, reason = member.pop("existing_person"), member.pop("new_person_reason")
        person_input = services.PersonInput(**member)
        matches = duplicates.matches_to_decide(
            by=user,
            first_name=person_input.first_name,
            surname_prefix=person_input.surname_prefix,
            last_name=person_input.last_name,
            date_of_birth=person_input.date_of_birth,
            bsn=person_input.bsn,
        )
        shown += [match.person for match in matches]
        existing = next((match.person for match in matches if match.person.uuid == chosen), None)
        errors.append({})
        if chosen is not None and existing is None:
            errors[index] = {"existing_person": [_("This is not one of the likely matches listed for this member.")]}
        if matches and (existing is not None or reason):
            person_input = dataclasses.replace(
                person_input,
                existing=existing,
                shown_matches=tuple(match.person.pk for match in matches),
                new_reason=reason if existing is None else "",
            )
        elif matches:
            undecided.append({"index": index, "matches": [_match_shown(match) for match in matches]})
        inputs.append(person_input)
    if any(errors):
        raise ValidationError({"members": errors})
    addresses = duplicates.address_matches(by=user, postcode=postcode, house_number=house_number)
    shown += [match.household for match in addresses]
    if shown:
        access_log.record_many(
            user=user,
            action=access_log.Action.READ,
            subjects=[access_log.subject_for(obj) for obj in shown],
            request=request,
            detail="duplicate check",
        )
    unconfirmed = [] if address_confirmed else [match.household for match in addresses]
    if not undecided and not unconfirmed:
        return inputs, None
    return inputs, {
        "code": "possible_duplicates",
        "title": _("Possible matches"),
        "detail": _(
            "Nothing has been saved yet. Someone like this is already known in cases you work on: for each member "
            "listed, send existing_person or new_person_reason; for the households listed, new_household_confirmed."
        ),
        "note": _duplicate_note(),
        "members": undecided,
        "households": unconfirmed,
    }


def _duplicate_note() -> str:
    """The fixed sentence of every registration (templates/cases/forms/_duplicate_note.html)."""
    return _(
        "Before saving, this is compared with the persons and households you may already see. A possible match "
        "in cases you do not work on is never shown; a team lead will review it."
    )


def _match_shown(match: duplicates.PersonMatch) -> dict[str, Any]:
    person = match.person
    households: dict[int, Household] = {}
    for membership in match.memberships:  # the ones the caller may see (duplicates.person_matches)
        households.setdefault(membership.household_id, membership.household)
    return {
        "uuid": person.uuid,
        "first_name": person.first_name,
        "surname_prefix": person.surname_prefix,
        "last_name": person.last_name,
        "date_of_birth": person.date_of_birth,
        "masked_bsn": person.masked_bsn,
        "reasons": [
            code
            for code, applies in (("same_bsn", match.same_bsn), ("same_birth_and_name", match.same_birth_and_name))
            if applies
        ],
        "households": list(households.values()),
    }


def case_columns(key: str = "case_id") -> dict[str, ColumnOf]:
    """The case's UUID for the row, and its household for the access log (``access_log.subject_for``)."""
    return {"case_uuid": ColumnOf(Case, "uuid", key), "household_id": ColumnOf(Case, "household_id", key)}


class HouseholdViewSet(ReadOnly):
    model = Household
    serializer_class = s.HouseholdSerializer
    filterset_class = filters.HouseholdFilter
    list_rows = Rows(s.HouseholdSerializer)

    def base_queryset(self) -> QuerySet[Any]:
        members = HouseholdMembership.objects.select_related("person").order_by("start_date", "id")
        return Household.objects.select_related("neighbourhood").prefetch_related(Prefetch("memberships", members))


class PersonViewSet(ReadOnly):
    model = Person
    serializer_class = s.PersonSerializer
    list_rows = Rows(s.PersonSerializer)


class CaseViewSet(ReadOnly):
    model = Case
    serializer_class = s.CaseSerializer
    filterset_class = filters.CaseFilter
    list_rows = Rows(s.CaseSerializer)

    def base_queryset(self) -> QuerySet[Any]:
        # The references as UUIDs in the case's own row: a page of 50 cases is one
        # query and 50 objects, not households, teams and users loaded beside it.
        return Case.objects.annotate(
            household_uuid=F("household__uuid"), team_uuid=F("team__uuid"), coordinator_uuid=_coordinator_uuid()
        )

    def list_queryset(self) -> QuerySet[Any]:
        # The same columns read for the page's rows only, so the page's keys are found without a join.
        return Case.objects.annotate(
            household_uuid=ColumnOf(Household, "uuid", "household_id"),
            team_uuid=ColumnOf(Team, "uuid", "team_id"),
            coordinator_uuid=_coordinator_uuid(),
        )

    @extend_schema(
        request=s.ReferralSerializer,
        responses={201: s.CaseSerializer, 409: s.DuplicatesProblemSerializer},
        description=(
            "Register a referral: a new household, its members and a case in the team's inbox.\n\n"
            "**Duplicate review**, as on the referral screen: before saving, each member is compared with the "
            "persons the caller may already see (same date of birth and a similar name; a visible person with the "
            "same BSN is linked without asking), and the address with the households the caller may see there. "
            "While any of these is undecided the answer is **409** with `code` `possible_duplicates`, listing per "
            "member index the matches and the households at the address; nothing is saved. Post again with, per "
            "listed member, `existing_person` (the uuid of one of its matches: linked) or `new_person_reason` "
            "(a new person, the reason recorded), and `new_household_confirmed: true` when households were listed. "
            "A possible match in cases the caller does not work on is never compared, shown or hinted at: "
            "it goes to the team leads' review queue."
        ),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _input(self, s.ReferralSerializer)
        members, problem = _duplicate_review(
            request,
            data.pop("members"),
            postcode=data["postcode"],
            house_number=data["house_number"],
            address_confirmed=data.pop("new_household_confirmed"),
        )
        if problem is not None:
            return Response(s.DuplicatesProblemSerializer(problem).data, status=status.HTTP_409_CONFLICT)
        case = services.referral_create(by=_user(request), members=members, **data)
        return _created(self, self.base_queryset().get(pk=case.pk), s.CaseSerializer)

    @extend_schema(request=s.TransitionSerializer, responses={200: s.CaseSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, uuid: str) -> Response:
        case = self.get_object()
        data = _input(self, s.TransitionSerializer)
        services.case_transition(case=case, by=_user(request), **data)
        return Response(s.CaseSerializer(self.base_queryset().get(pk=case.pk)).data)

    @extend_schema(request=s.CoordinatorSerializer, responses={200: s.CaseSerializer})
    @action(detail=True, methods=["post"])
    def coordinator(self, request: Request, uuid: str) -> Response:
        case = self.get_object()
        data = _input(self, s.CoordinatorSerializer)
        services.coordinator_assign(case=case, by=_user(request), **data)
        return Response(s.CaseSerializer(self.base_queryset().get(pk=case.pk)).data)


def _coordinator_uuid() -> Subquery:
    coordinator = Involvement.objects.filter(case=OuterRef("pk"), is_coordinator=True, end_date__isnull=True)
    return Subquery(coordinator.values("professional__uuid")[:1])


class InvolvementViewSet(ReadOnly):
    model = Involvement
    serializer_class = s.InvolvementSerializer
    filterset_class = filters.InvolvementFilter

    list_rows = Rows(
        s.InvolvementSerializer,
        references={"case": "case_uuid", "professional": "professional_uuid", "organisation": "organisation_uuid"},
    )

    def base_queryset(self) -> QuerySet[Any]:
        return Involvement.objects.select_related("case", "professional", "organisation")

    def list_queryset(self) -> QuerySet[Any]:
        return Involvement.objects.annotate(
            **case_columns(),
            professional_uuid=ColumnOf(User, "uuid", "professional_id"),
            organisation_uuid=ColumnOf(Organisation, "uuid", "organisation_id"),
        )

    @extend_schema(request=s.InvolvementInputSerializer, responses={201: s.InvolvementSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _input(self, s.InvolvementInputSerializer)
        involvement = services.involvement_add(by=_user(request), **data)
        return _created(self, self.base_queryset().get(pk=involvement.pk), s.InvolvementSerializer)

    @extend_schema(request=s.EmptySerializer, responses={200: s.InvolvementSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, uuid: str) -> Response:
        involvement = services.involvement_end(involvement=self.get_object(), by=_user(request))
        return Response(s.InvolvementSerializer(self.base_queryset().get(pk=involvement.pk)).data)


class PlanViewSet(ReadOnly):
    """One plan per case, addressed by the case's UUID. PUT saves a new version (409 when stale)."""

    model = Plan
    serializer_class = s.PlanSerializer
    lookup_field = "case__uuid"
    lookup_url_kwarg = "case_uuid"
    http_method_names = ["get", "put", "head", "options"]

    def base_queryset(self) -> QuerySet[Any]:
        latest = PlanVersion.objects.order_by("-number").prefetch_related(
            Prefetch("goals", Goal.objects.select_related("theme", "plan_version__plan__case"))
        )
        return Plan.objects.select_related("case").prefetch_related(
            Prefetch("versions", latest, to_attr="all_versions")
        )

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        for plan in args[0] if kwargs.get("many") else args[:1]:
            if isinstance(plan, Plan):
                plan.current_versions = plan.all_versions[:1]  # type: ignore[attr-defined]
        return super().get_serializer(*args, **kwargs)

    @extend_schema(request=s.PlanInputSerializer, responses={200: s.PlanSerializer, 409: None})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        data = _input(self, s.PlanInputSerializer)
        goals = [services.GoalInput(**goal) for goal in data.pop("goals")]
        try:
            services.plan_save(
                case=plan.case,
                by=_user(request),
                based_on_version=data.pop("version"),
                goals=goals,
                **data,
            )
        except services.PlanConflict as conflict:
            return Response(
                {
                    "version": [
                        f"The plan was changed by someone else; the current version is {conflict.current_version}."
                    ]
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(self.get_serializer(self.base_queryset().get(pk=plan.pk)).data)


class GoalViewSet(ReadOnly):
    model = Goal
    serializer_class = s.GoalSerializer

    def base_queryset(self) -> QuerySet[Any]:
        return Goal.objects.select_related("theme", "plan_version__plan__case")


class ActionViewSet(ReadOnly):
    model = Action
    serializer_class = s.ActionSerializer
    filterset_class = filters.ActionFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    list_rows = Rows(
        s.ActionSerializer,
        references={
            "case": "case_uuid",
            "theme": "theme_code",
            "delivering_organisation": "delivering_organisation_uuid",
            "beneficiary": "beneficiary_uuid",
            "conference": "conference_uuid",
        },
    )

    def base_queryset(self) -> QuerySet[Any]:
        return Action.objects.select_related("case", "theme", "delivering_organisation", "beneficiary", "conference")

    def list_queryset(self) -> QuerySet[Any]:
        return Action.objects.annotate(
            **case_columns(),
            theme_code=ColumnOf(Theme, "code", "theme_id"),
            delivering_organisation_uuid=ColumnOf(Organisation, "uuid", "delivering_organisation_id"),
            beneficiary_uuid=ColumnOf(Person, "uuid", "beneficiary_id"),
            conference_uuid=ColumnOf(CaseConference, "uuid", "conference_id"),
        )

    @extend_schema(request=s.ActionInputSerializer, responses={201: s.ActionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _input(self, s.ActionInputSerializer)
        case = data.pop("case")
        action_ = services.action_create(case=case, data=services.ActionInput(**data), by=_user(request))
        return _created(self, self.base_queryset().get(pk=action_.pk), s.ActionSerializer)

    @extend_schema(request=s.ActionStatusSerializer, responses={200: s.ActionSerializer, 409: None})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        action_ = self.get_object()
        data = _input(self, s.ActionStatusSerializer)
        try:
            services.action_set_status(
                action=action_, status=data["status"], by=_user(request), based_on_version=data["version"]
            )
        except services.ActionConflict as conflict:
            return Response(
                {
                    "version": [
                        f"The action was changed by someone else; the current version is {conflict.current_version}."
                    ]
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(s.ActionSerializer(self.base_queryset().get(pk=action_.pk)).data)

    @extend_schema(request=s.ActionCorrectionSerializer, responses={200: s.ActionSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, uuid: str) -> Response:
        """Correct dates, cost, deliverer or beneficiary; a stale ``version`` is refused (400), nothing written."""
        action_ = self.get_object()
        data = _input(self, s.ActionCorrectionSerializer)
        version = data.pop("version")
        services.action_correct(
            action=action_, data=services.ActionCorrection(**data), based_on_version=version, by=_user(request)
        )
        return Response(s.ActionSerializer(self.base_queryset().get(pk=action_.pk)).data)


class ContactViewSet(ReadOnly):
    model = Contact
    serializer_class = s.ContactSerializer
    filterset_class = filters.ContactFilter

    list_rows = Rows(
        s.ContactSerializer,
        references={"case": "case_uuid", "author": "author_uuid", "author_organisation": "author_organisation_uuid"},
    )

    def base_queryset(self) -> QuerySet[Any]:
        return Contact.objects.select_related("case", "author", "author_organisation")

    def list_queryset(self) -> QuerySet[Any]:
        return Contact.objects.annotate(
            **case_columns(),
            author_uuid=ColumnOf(User, "uuid", "author_id"),
            author_organisation_uuid=ColumnOf(Organisation, "uuid", "author_organisation_id"),
        )

    @extend_schema(request=s.ContactInputSerializer, responses={201: s.ContactSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _input(self, s.ContactInputSerializer)
        contact = services.contact_log(by=_user(request), **data)
        return _created(self, self.base_queryset().get(pk=contact.pk), s.ContactSerializer)


class CaseConferenceViewSet(ReadOnly):
    model = CaseConference
    serializer_class = s.CaseConferenceSerializer

    def base_queryset(self) -> QuerySet[Any]:
        return CaseConference.objects.select_related("case").prefetch_related("participants", "actions")

    @extend_schema(request=s.CaseConferenceInputSerializer, responses={201: s.CaseConferenceSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _input(self, s.CaseConferenceInputSerializer)
        items = [services.ActionInput(**item) for item in data.pop("action_items")]
        conference = services.conference_record(by=_user(request), action_items=items, **data)
        return _created(self, self.base_queryset().get(pk=conference.pk), s.CaseConferenceSerializer)


class MeasurementViewSet(ReadOnly):
    model = Measurement
    serializer_class = s.MeasurementSerializer

    def base_queryset(self) -> QuerySet[Any]:
        return Measurement.objects.select_related("case", "person", "instrument").prefetch_related("scores__domain")

    @extend_schema(request=s.MeasurementInputSerializer, responses={201: s.MeasurementSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _input(self, s.MeasurementInputSerializer)
        instrument = data["instrument"]
        domains = {domain.code: domain for domain in instrument.domains.all()}
        unknown = [item["domain"] for item in data["scores"] if item["domain"] not in domains]
        if unknown:
            message = _("Unknown domain for this instrument: %(domains)s.") % {"domains": ", ".join(unknown)}
            return Response({"scores": [message]}, status=400)
        scores = [
            services.ScoreInput(domains[item["domain"]], item["score"], item["reason"]) for item in data.pop("scores")
        ]
        measurement = services.measurement_record(by=_user(request), scores=scores, **data)
        return _created(self, self.base_queryset().get(pk=measurement.pk), s.MeasurementSerializer)


class ConsentViewSet(ReadOnly):
    model = Consent
    serializer_class = s.ConsentSerializer

    def base_queryset(self) -> QuerySet[Any]:
        return Consent.objects.select_related("case", "person").prefetch_related("organisations")

    @extend_schema(request=s.ConsentInputSerializer, responses={201: s.ConsentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _input(self, s.ConsentInputSerializer)
        consent = services.consent_record(by=_user(request), **data)
        return _created(self, self.base_queryset().get(pk=consent.pk), s.ConsentSerializer)

    @extend_schema(request=s.EmptySerializer, responses={200: s.ConsentSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, uuid: str) -> Response:
        consent = services.consent_revoke(consent=self.get_object(), by=_user(request))
        return Response(s.ConsentSerializer(self.base_queryset().get(pk=consent.pk)).data)
