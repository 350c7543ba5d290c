"""The relation between organisations and the silos they bill belongs to funding; ``organisation.silos``
still reads and writes it, in the same table as before."""

import pytest

from funding.models import Silo
from organisations.models import Organisation
from tests.organisations.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_funding_owns_the_relation_in_the_existing_table() -> None:
    field = Silo._meta.get_field("organisations")
    assert field.many_to_many and not field.auto_created  # a field of Silo, not a reverse accessor
    assert field.remote_field.through._meta.db_table == "organisations_organisation_silos"
    assert Organisation._meta.get_field("silos").auto_created  # the reverse side


def test_organisation_silos_reads_and_writes_the_relation() -> None:
    organisation = OrganisationFactory()
    organisation.silos.set(Silo.objects.filter(code__in=["wmo", "jeugdwet"]))
    assert sorted(organisation.silos.values_list("code", flat=True)) == ["jeugdwet", "wmo"]
    assert list(Silo.objects.get(code="wmo").organisations.all()) == [organisation]
    assert list(Organisation.objects.filter(silos__code="jeugdwet")) == [organisation]


def test_the_admin_edits_an_organisations_silos_and_filters_by_them(log_in) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    from tests.organisations.factories import UserFactory

    client = log_in(UserFactory(is_staff=True, is_superuser=True))
    organisation = OrganisationFactory()
    organisation.silos.set([Silo.objects.get(code="wmo")])
    change = reverse("admin:organisations_organisation_change", args=[organisation.pk])
    assert 'value="{}" selected'.format(Silo.objects.get(code="wmo").pk) in client.get(change).content.decode()
    wanted = Silo.objects.filter(code__in=["jeugdwet", "wgs"])
    response = client.post(
        change,
        {
            "name": organisation.name,
            "kind": organisation.kind_id,
            "municipality": organisation.municipality_id,
            "active": "on",
            "silos": [silo.pk for silo in wanted],
        },
    )
    assert response.status_code == 302
    assert sorted(organisation.silos.values_list("code", flat=True)) == ["jeugdwet", "wgs"]
    changelist = reverse("admin:organisations_organisation_changelist")
    listed = client.get(changelist, {"silos__id__exact": wanted.get(code="wgs").pk}).content.decode()
    assert organisation.name in listed
