import datetime
from decimal import Decimal

import factory

from funding.models import (
    Allocation,
    Blockage,
    BlockageReason,
    FundingLogic,
    FundingStream,
    Silo,
    Spend,
    SpendImport,
)
from organisations.models import OrganisationKind
from tests.cases.factories import ActionFactory
from tests.organisations.factories import MunicipalityFactory, UserFactory
from themes.models import Theme


class StreamFactory(factory.django.DjangoModelFactory):
    """A Wmo stream for adults' wellbeing delivered by social work, in 2025; pass rule lists by code."""

    class Meta:
        model = FundingStream
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"FS-{n:04d}")
    name = factory.Sequence(lambda n: f"Stroom {n}")
    silo = factory.LazyFunction(lambda: Silo.objects.get(code="wmo"))
    funder = "Gemeente Teststad"
    municipality = factory.SubFactory(MunicipalityFactory)
    valid_from = datetime.date(2025, 1, 1)
    valid_until = datetime.date(2025, 12, 31)
    budget = Decimal("100000.00")
    funding_logic = FundingLogic.PER_CASE
    iv3_taakveld = "6.71"
    min_age = 18
    max_age = None
    household_level = False

    @factory.post_generation
    def themes(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            codes = ["welzijn"] if extracted is None else extracted
            self.themes.set(Theme.objects.filter(code__in=codes))

    @factory.post_generation
    def kinds(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            codes = ["social_work"] if extracted is None else extracted
            self.organisation_kinds.set(OrganisationKind.objects.filter(code__in=codes))

    @factory.post_generation
    def area_list(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted:
            self.areas.set(extracted)


class FlexibleStreamFactory(StreamFactory):
    code = factory.Sequence(lambda n: f"FLEX-{n:04d}")
    name = "Doorbraakbudget"
    silo = factory.LazyFunction(lambda: Silo.objects.get(code="flexibel"))
    funding_logic = FundingLogic.FLEXIBLE
    iv3_taakveld = "6.2"
    min_age = None
    household_level = True
    budget = Decimal("5000.00")

    @factory.post_generation
    def themes(self, create: bool, extracted: object, **kwargs: object) -> None:
        """The flexible budget may pay for any theme: no theme rule."""

    @factory.post_generation
    def kinds(self, create: bool, extracted: object, **kwargs: object) -> None:
        """…and any kind of organisation."""


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    reference = factory.Sequence(lambda n: f"AL-T{n:08d}")
    action = factory.SubFactory(ActionFactory)
    stream = factory.SubFactory(StreamFactory)
    amount = Decimal("450.00")
    period_start = datetime.date(2025, 3, 1)
    period_end = datetime.date(2025, 8, 31)
    household = factory.SelfAttribute("action.case.household")
    neighbourhood = factory.SelfAttribute("action.case.household.neighbourhood")
    created_by = factory.SubFactory(UserFactory)


class SpendImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpendImport

    filename = "uitgaven.csv"
    content_hash = factory.Sequence(lambda n: f"{n:064x}")
    content = b""
    status = SpendImport.Status.IMPORTED


class SpendFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Spend

    allocation = factory.SubFactory(AllocationFactory)
    month = datetime.date(2025, 3, 1)
    amount = Decimal("75.00")
    spend_import = factory.SubFactory(SpendImportFactory)
    stream = factory.SelfAttribute("allocation.stream")
    neighbourhood = factory.SelfAttribute("allocation.action.case.household.neighbourhood")


class BlockageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Blockage

    action = factory.SubFactory(ActionFactory)
    source = Blockage.Source.REGISTERED
    reason = BlockageReason.OTHER
    rule = "Subsidievoorwaarde 4.2: alleen voor inwoners van de focuswijk."
    household_impact = "Het gezin wacht op hulp bij de schulden."
    euros_stuck = Decimal("450.00")
    delay_days = 30
    opened_by = factory.SubFactory(UserFactory)
    neighbourhood = factory.SelfAttribute("action.case.household.neighbourhood")
