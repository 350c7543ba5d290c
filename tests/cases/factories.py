import datetime
from decimal import Decimal

import factory

from cases.models import (
    Action,
    Case,
    CaseConference,
    CaseStatus,
    Consent,
    Contact,
    Document,
    DocumentContent,
    Goal,
    Household,
    HouseholdMembership,
    Involvement,
    KeyFigure,
    LegalBasis,
    Measurement,
    MeasurementScore,
    Person,
    Plan,
    PlanVersion,
)
from tests.organisations.factories import NeighbourhoodFactory, OrganisationFactory, TeamFactory, UserFactory
from themes.models import Instrument, Theme


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    street = "Lindelaan"
    house_number = factory.Sequence(lambda n: n + 1)
    postcode = "1234AB"
    city = "Teststad"
    neighbourhood = factory.SubFactory(NeighbourhoodFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"Voornaam{n}")
    last_name = "Jansen"
    date_of_birth = datetime.date(1985, 5, 17)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdMembership

    household = factory.SubFactory(HouseholdFactory)
    person = factory.SubFactory(PersonFactory)
    role = HouseholdMembership.Role.PARENT
    start_date = datetime.date(2020, 1, 1)


class CaseFactory(factory.django.DjangoModelFactory):
    """An open case with its plan and one coordinator (a new member of the case's team)."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    class Params:
        closed = factory.Trait(status=CaseStatus.CLOSED, closed_on=datetime.date(2025, 6, 1))

    reference = factory.Sequence(lambda n: f"WT-T{n:07d}")
    household = factory.SubFactory(HouseholdFactory)
    team = factory.SubFactory(TeamFactory)
    status = CaseStatus.INTAKE
    referral_source = Case.ReferralSource.SCHOOL
    referral_reason = "Zorgen over schoolverzuim en schulden."
    referred_on = datetime.date(2025, 1, 10)
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def coordinator(self, create: bool, extracted: object, **kwargs: object) -> None:
        if not create:
            return
        Plan.objects.get_or_create(case=self)
        from tests.organisations.factories import TeamMembershipFactory

        professional = extracted or TeamMembershipFactory(team=self.team).user
        InvolvementFactory(case=self, professional=professional, is_coordinator=True)


class InvolvementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Involvement

    case = factory.SubFactory(CaseFactory)
    professional = factory.SubFactory(UserFactory)
    organisation = factory.LazyAttribute(lambda o: o.professional.organisation)
    legal_basis = LegalBasis.WMO
    start_date = datetime.date(2025, 1, 10)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    case = factory.SubFactory(CaseFactory)
    occurred_on = datetime.date(2025, 2, 1)
    kind = Contact.Kind.HOME_VISIT
    themes = factory.LazyFunction(lambda: ["welzijn"])
    minutes = 45
    note = "Huisbezoek, moeder vertelt over de schulden."
    author = factory.SubFactory(UserFactory)
    author_organisation = factory.LazyAttribute(lambda o: o.author.organisation)


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    case = factory.SubFactory(CaseFactory)
    theme = factory.LazyFunction(lambda: Theme.objects.get(code="werk"))
    description = "Budgetcoaching"
    delivering_organisation = factory.SubFactory(OrganisationFactory)
    planned_cost = Decimal("450.00")
    created_by = factory.SubFactory(UserFactory)


# --- Reading screens (screens-a): the rest of a case's record ------------------------------


class PlanVersionFactory(factory.django.DjangoModelFactory):
    """A version of a case's plan; pass ``plan=case.plan`` and bump ``plan.version`` to make it current."""

    class Meta:
        model = PlanVersion

    number = 1
    author = PlanVersion.Author.TEAM
    summary = "Samen met het gezin opgesteld."
    agreed_on = datetime.date(2025, 2, 1)
    created_by = factory.SubFactory(UserFactory)


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    theme = factory.LazyFunction(lambda: Theme.objects.get(code="werk"))
    text = "We willen weer rustig kunnen slapen zonder brieven van deurwaarders."


class ConferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseConference
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    held_on = datetime.date(2025, 3, 1)
    decisions = "Budgetcoach inzetten; school sluit aan bij het volgende overleg."
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def participants(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted:
            self.participants.set(extracted)


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement

    instrument = factory.LazyFunction(lambda: Instrument.objects.get(code="zrm"))
    measured_on = datetime.date(2025, 2, 1)
    measured_by = factory.SubFactory(UserFactory)


class ScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeasurementScore

    score = 2
    reason = "Schulden zijn de aanleiding van de aanmelding."


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent
        skip_postgeneration_save = True

    purpose = "Gegevens delen met de schuldhulpverlening"
    given_on = datetime.date(2025, 1, 15)
    recorded_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def organisations(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted:
            self.organisations.set(extracted)


PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class DocumentFactory(factory.django.DjangoModelFactory):
    """A small PDF on a case, its bytes stored as the service stores them."""

    class Meta:
        model = Document
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    name = "verslag.pdf"
    kind = Document.Kind.PDF
    size = len(PDF_BYTES)
    sha256 = "0" * 64
    author = factory.SubFactory(UserFactory)
    author_organisation = factory.LazyAttribute(lambda o: o.author.organisation)

    @factory.post_generation
    def content(self, create: bool, extracted: bytes | None, **kwargs: object) -> None:
        if create:
            DocumentContent.objects.create(document=self, data=extracted or PDF_BYTES)


class KeyFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyFigure

    team = factory.SubFactory(TeamFactory)
    area = factory.SubFactory(NeighbourhoodFactory)
    name = "Buurthuis De Linde"
    description = "buurthuis, open inloop op woensdag"
    contact_details = "020 123 4567"
