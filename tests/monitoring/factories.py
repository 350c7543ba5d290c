"""Generated casework for the monitoring tests: deterministic (fixed seed), spread over buurten and months."""

import datetime
import random

from cases.models import (
    CaseStatus,
    Contact,
    Goal,
    Involvement,
    LegalBasis,
    Measurement,
    MeasurementScore,
    Plan,
    PlanVersion,
)
from funding.models import Silo
from organisations.models import OrganisationKind
from tests.cases.factories import CaseFactory, ContactFactory, HouseholdFactory, InvolvementFactory, PersonFactory
from tests.organisations.factories import DistrictFactory, NeighbourhoodFactory, OrganisationFactory, UserFactory
from themes.models import Instrument, Theme

BASES = [LegalBasis.WMO, LegalBasis.JEUGDWET, LegalBasis.PARTICIPATIEWET, LegalBasis.WGS, LegalBasis.CONSENT]


def generate_casework(*, cases: int = 40, seed: int = 7, buurten: list | None = None, team=None) -> list:
    rng = random.Random(seed)
    if buurten is None:
        wijken = [DistrictFactory(), DistrictFactory()]
        buurten = [NeighbourhoodFactory(parent=w) for w in wijken for _ in range(2)]
    kinds = list(OrganisationKind.objects.all()[:3])
    silos = list(Silo.objects.all()[:4])
    organisations = []
    for index, kind in enumerate(kinds):
        organisation = OrganisationFactory(kind=kind, municipality=buurten[0].municipality)
        organisation.silos.set(silos[index : index + 2])
        organisations.append(organisation)
    professionals = [UserFactory(organisation=organisations[i % len(organisations)]) for i in range(6)]
    themes = list(Theme.objects.all())
    zrm = Instrument.objects.get(code="zrm")
    domains = list(zrm.domains.all()[:3])
    households = [HouseholdFactory(neighbourhood=rng.choice(buurten)) for _ in range(max(2, cases * 3 // 4))]
    made = []
    for _ in range(cases):
        referred = datetime.date(2025, 1, 1) + datetime.timedelta(days=rng.randrange(0, 300))
        closed = rng.random() < 0.3
        extra = {"team": team} if team is not None else {}
        case = CaseFactory(
            household=rng.choice(households),
            referred_on=referred,
            status=CaseStatus.CLOSED if closed else CaseStatus.EXECUTION,
            closed_on=referred + datetime.timedelta(days=rng.randrange(20, 120)) if closed else None,
            coordinator=rng.choice(professionals),
            **extra,
        )
        Involvement.objects.filter(case=case).update(
            start_date=referred, legal_basis=rng.choice(BASES), organisation=rng.choice(organisations)
        )
        open_on_case = set(Involvement.objects.filter(case=case, end_date=None).values_list("professional", flat=True))
        for _ in range(rng.randrange(0, 3)):
            professional = rng.choice(professionals)
            start = referred + datetime.timedelta(days=rng.randrange(0, 60))
            end = start + datetime.timedelta(days=rng.randrange(10, 90)) if rng.random() < 0.4 else None
            if end is None and professional.pk in open_on_case:
                # One open involvement per professional per case (the database's rule): a second
                # one for the same professional is an earlier, ended spell.
                end = start + datetime.timedelta(days=30)
            elif end is None:
                open_on_case.add(professional.pk)
            InvolvementFactory(
                case=case, professional=professional, legal_basis=rng.choice(BASES), start_date=start, end_date=end
            )
        for _ in range(rng.randrange(0, 4)):
            author = rng.choice(professionals)
            ContactFactory(
                case=case,
                author=author,
                occurred_on=referred + datetime.timedelta(days=rng.randrange(0, 90)),
                kind=rng.choice(list(Contact.Kind.values)),
                minutes=rng.randrange(5, 120),
            )
        if rng.random() < 0.8:
            plan = Plan.objects.get(case=case)
            for number in range(1, rng.randrange(2, 4)):
                version = PlanVersion.objects.create(
                    plan=plan,
                    number=number,
                    author=PlanVersion.Author.TEAM,
                    agreed_on=referred + datetime.timedelta(days=rng.randrange(5, 200)) if rng.random() < 0.8 else None,
                    created_by=professionals[0],
                )
                for _ in range(rng.randrange(1, 3)):
                    Goal.objects.create(
                        plan_version=version,
                        theme=rng.choice(themes),
                        text="Doel",
                        status=rng.choice(list(Goal.Status.values)),
                    )
        if rng.random() < 0.6:
            person = PersonFactory()
            for k in range(rng.randrange(1, 4)):
                measurement = Measurement.objects.create(
                    case=case,
                    person=person,
                    instrument=zrm,
                    measured_on=referred + datetime.timedelta(days=30 * k),
                    measured_by=professionals[0],
                )
                for domain in rng.sample(domains, 2):
                    MeasurementScore.objects.create(
                        measurement=measurement, domain=domain, score=rng.randrange(1, 6), reason="Besproken"
                    )
        made.append(case)
    return made


def generate_funding(cases: list, *, seed: int = 3) -> None:
    """Allocations, spend and blockages for the cases' households, spread over silos, months and outcomes.

    Three households in four get allocations from one to three of the silos that make
    stapeling (and sometimes debt help, which does not); blockages come in every state.
    """
    from django.utils import timezone

    from funding.models import BlockageLevel, BlockageResolution, BlockageStatus
    from tests.cases.factories import ActionFactory
    from tests.funding.factories import (
        AllocationFactory,
        BlockageFactory,
        FlexibleStreamFactory,
        SpendFactory,
        SpendImportFactory,
        StreamFactory,
    )

    rng = random.Random(seed)
    municipality = cases[0].household.neighbourhood.municipality
    streams = [
        StreamFactory(silo=Silo.objects.get(code=code), municipality=municipality)
        for code in ("wmo", "jeugdwet", "participatiewet", "wgs")
    ]
    flexible = FlexibleStreamFactory(municipality=municipality)
    spend_import = SpendImportFactory()
    organisation = OrganisationFactory(municipality=municipality)
    themes = list(Theme.objects.order_by("order")[:3])
    states = [
        (BlockageStatus.OPEN, BlockageLevel.TEAM, ""),
        (BlockageStatus.ESCALATED, BlockageLevel.PROGRAMME_BUREAU, ""),
        (BlockageStatus.RESOLVED, BlockageLevel.TEAM, BlockageResolution.EXEMPTION),
        (BlockageStatus.RESOLVED, BlockageLevel.TEAM, BlockageResolution.OTHER_ROUTE),
        (BlockageStatus.NOT_RESOLVABLE, BlockageLevel.TEAM, ""),
    ]
    for case in cases:
        if rng.random() < 0.75:
            for stream in rng.sample(streams, rng.randrange(1, 4)):
                action = ActionFactory(case=case, delivering_organisation=organisation, theme=rng.choice(themes))
                start = datetime.date(2025, rng.randrange(1, 12), 1)
                allocation = AllocationFactory(
                    action=action,
                    stream=stream,
                    amount=rng.randrange(100, 2000),
                    period_start=start,
                    period_end=start + datetime.timedelta(days=rng.randrange(20, 200)),
                )
                for k in range(rng.randrange(0, 3)):
                    SpendFactory(
                        allocation=allocation,
                        month=(start + datetime.timedelta(days=31 * k)).replace(day=1),
                        amount=rng.randrange(10, 500),
                        spend_import=spend_import,
                    )
        if rng.random() < 0.6:
            action = ActionFactory(case=case, delivering_organisation=organisation, theme=rng.choice(themes))
            status, level, resolution = rng.choice(states)
            opened = timezone.make_aware(datetime.datetime(2025, rng.randrange(1, 12), rng.randrange(1, 28), 10))
            closed = status in (BlockageStatus.RESOLVED, BlockageStatus.NOT_RESOLVABLE)
            silo = rng.choice([*[s.silo for s in streams], None])
            extra = {}
            if rng.random() < 0.2 and closed:
                doorbraak = AllocationFactory(action=action, stream=flexible, amount=300)
                status, resolution = BlockageStatus.RESOLVED, BlockageResolution.FLEXIBLE_BUDGET
                extra["allocation"] = doorbraak
            BlockageFactory(
                action=action,
                silo=silo,
                euros_stuck=rng.randrange(50, 3000),
                status=status,
                level=level,
                resolution=resolution,
                opened_at=opened,
                closed_at=opened + datetime.timedelta(days=rng.randrange(1, 90)) if closed else None,
                **extra,
            )
