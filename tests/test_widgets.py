"""``common.widgets.OptionsSelect`` writes exactly what Django's ``Select`` writes through its templates."""

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from common.widgets import OptionsSelect
from monitoring.forms import DashboardFilterForm
from organisations.models import Municipality
from tests.organisations.factories import DistrictFactory, MunicipalityFactory


def _both(choices, value, attrs=None, widget_attrs=None):
    django_select = forms.Select(attrs=widget_attrs, choices=choices)
    ours = OptionsSelect(attrs=widget_attrs, choices=choices)
    return str(django_select.render("field", value, attrs=attrs)), str(ours.render("field", value, attrs=attrs))


@pytest.mark.parametrize(
    "choices, value",
    [
        ([("", "---------"), ("GM0363", "Amsterdam"), ("GM0518", "'s-Gravenhage")], None),
        ([("", "---------"), ("GM0363", "Amsterdam"), ("GM0518", "'s-Gravenhage")], "GM0518"),
        ([("a<b", 'Tom & "Jerry" <script>'), ("x", mark_safe("<b>veilig</b>"))], "a<b"),
        ([("1", gettext_lazy("Municipality")), (2, 2025), (3, 1234567)], 2),
        ([("Noord", [("n1", "Buurt 1"), ("n2", "Buurt <2>")]), ("z", "Zuid"), ("Oost & West", [("o", "O")])], "n2"),
        ([], None),
    ],
)
def test_the_options_are_written_as_djangos_templates_write_them(choices, value) -> None:
    expected, written = _both(
        choices,
        value,
        attrs={"id": "id_field", "aria-describedby": "id_field_helptext"},
        widget_attrs={"hx-get": "/x/?a=1&b=2", "hx-trigger": "change", "required": True, "disabled": False},
    )
    assert written == expected


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
            assert isinstance(field.field.widget, OptionsSelect)
            ours = str(field)
            field.field.widget.__class__ = forms.Select  # the same widget, rendered by Django's templates
            try:
                assert ours == str(form[name]), (data, name)
            finally:
                field.field.widget.__class__ = OptionsSelect
