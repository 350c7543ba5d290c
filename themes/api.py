from rest_framework import serializers, viewsets

from .models import Instrument, InstrumentDomain, Theme


class ThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["code", "name_nl", "name_en", "order"]


class DomainSerializer(serializers.ModelSerializer):
    class Meta:
        model = InstrumentDomain
        fields = ["code", "name_nl", "name_en", "order"]


class InstrumentSerializer(serializers.ModelSerializer):
    domains = DomainSerializer(many=True, read_only=True)

    class Meta:
        model = Instrument
        fields = ["code", "name_nl", "name_en", "min_score", "max_score", "trended", "active", "domains"]


class ThemeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Theme.objects.all()
    serializer_class = ThemeSerializer
    lookup_field = "code"
    pagination_class = None  # six fixed rows


class InstrumentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Instrument.objects.prefetch_related("domains")
    serializer_class = InstrumentSerializer
    lookup_field = "code"
    pagination_class = None
