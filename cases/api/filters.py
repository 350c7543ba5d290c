import django_filters

from cases.models import Action, Case, CaseStatus, Contact, Household, Involvement


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices)
    team = django_filters.UUIDFilter(field_name="team__uuid")
    household = django_filters.UUIDFilter(field_name="household__uuid")
    referred_after = django_filters.DateFilter(field_name="referred_on", lookup_expr="gte")
    referred_before = django_filters.DateFilter(field_name="referred_on", lookup_expr="lte")

    class Meta:
        model = Case
        fields = ["status", "team", "household", "referral_source"]


class HouseholdFilter(django_filters.FilterSet):
    postcode = django_filters.CharFilter(method="filter_postcode")
    neighbourhood = django_filters.CharFilter(field_name="neighbourhood__code")

    class Meta:
        model = Household
        fields = ["postcode", "house_number", "neighbourhood"]

    def filter_postcode(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(postcode=value.replace(" ", "").upper())


class CaseScopedFilter(django_filters.FilterSet):
    case = django_filters.UUIDFilter(field_name="case__uuid")


class ActionFilter(CaseScopedFilter):
    theme = django_filters.CharFilter(field_name="theme__code")

    class Meta:
        model = Action
        fields = ["case", "theme", "status"]


class ContactFilter(CaseScopedFilter):
    occurred_after = django_filters.DateFilter(field_name="occurred_on", lookup_expr="gte")
    occurred_before = django_filters.DateFilter(field_name="occurred_on", lookup_expr="lte")
    theme = django_filters.CharFilter(field_name="themes", lookup_expr="contains", method="filter_theme")

    class Meta:
        model = Contact
        fields = ["case", "kind", "confidentiality"]

    def filter_theme(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(themes__contains=[value])


class InvolvementFilter(CaseScopedFilter):
    class Meta:
        model = Involvement
        fields = ["case"]
