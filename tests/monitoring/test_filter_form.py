"""The dashboard's filter lists are written by ``common.forms.WrittenSelect``: the HTML Django's ``Select`` writes."""

import pytest
from django import forms

from common.forms import WrittenSelect
from monitoring.forms import DashboardFilterForm
from organisations.models import Municipality
from tests.organisations.factories import DistrictFactory, MunicipalityFactory


@pytest.mark.django_db
def test_the_dashboard_filters_render_as_before(rf) -> None:
    """The municipality, area and theme lists, empty and chosen, with an error: the same HTML as Django's."""
    municipality = MunicipalityFactory(code="GM0999", name="Gemeente <Proef> & Zn")
    DistrictFactory(municipality=municipality, name="Wijk 'Oost'")
    MunicipalityFactory(code="GM0998")
    assert Municipality.objects.count() >= 2
    for data in ({}, {"municipality": "GM0999"}, {"municipality": "GM0999", "theme": "nope"}):
        form = DashboardFilterForm(data or None)
        form.is_valid()
        for name in ("municipality", "area", "theme"):
            field = form[name]
            assert isinstance(field.field.widget, WrittenSelect)
            ours = str(field)
            field.field.widget.__class__ = forms.Select  # the same widget, rendered by Django's templates
            try:
                assert ours == str(form[name]), (data, name)
            finally:
                field.field.widget.__class__ = WrittenSelect
