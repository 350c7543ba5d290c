import datetime

import factory

from organisations.models import Area, Municipality, Organisation, OrganisationKind, Role, Team, TeamMembership, User


def _base36(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return digits[number // 36] + digits[number % 36]


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ["code", "code_year"]

    code = "GM0999"
    code_year = 2026
    name = "Gemeente Teststad"


def base36(number: int, width: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    while number:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
    return text.rjust(width, "0")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    municipality = factory.SubFactory(MunicipalityFactory)
    kind = Area.Kind.DISTRICT
    code = factory.Sequence(lambda n: f"WK{n:06d}")
    code_year = 2026
    name = factory.Sequence(lambda n: f"Wijk {n}")


class NeighbourhoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    parent = factory.SubFactory(DistrictFactory)
    municipality = factory.SelfAttribute("parent.municipality")
    kind = Area.Kind.NEIGHBOURHOOD
    code = factory.LazyAttributeSequence(lambda o, n: f"BU{o.parent.code[2:]}{n % 100:02d}")
    code_year = 2026
    name = factory.Sequence(lambda n: f"Buurt {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    kind = factory.LazyFunction(lambda: OrganisationKind.objects.get(code="social_work"))
    municipality = factory.SubFactory(MunicipalityFactory)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Wijkteam {n}")
    municipality = factory.SubFactory(MunicipalityFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Gebruiker {n}")
    role = Role.PROFESSIONAL
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.django.Password("correct horse battery staple")


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    start_date = datetime.date(2024, 1, 1)
