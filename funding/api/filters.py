import django_filters

from ..models import Allocation


class AllocationFilter(django_filters.FilterSet):
    action = django_filters.UUIDFilter(field_name="action__uuid")
    case = django_filters.UUIDFilter(field_name="action__case__uuid")
    stream = django_filters.CharFilter(field_name="stream__code")

    class Meta:
        model = Allocation
        fields = ["action", "case", "stream"]
