"""Reference data about who works where: no client data, but only for logged-in users."""

from rest_framework import serializers, viewsets

from common.api.base import code_ref
from common.api.pagination import CursorPagination

from .models import Area, Organisation, Team


class AreaSerializer(serializers.ModelSerializer):
    municipality = code_ref()
    district = code_ref(source="parent", allow_null=True)  # a wijk has none

    class Meta:
        model = Area
        fields = ["code", "code_year", "kind", "name", "district", "municipality"]


class OrganisationSerializer(serializers.ModelSerializer):
    kind = code_ref()
    municipality = code_ref()
    silos = code_ref(many=True)

    class Meta:
        model = Organisation
        fields = ["uuid", "name", "kind", "municipality", "silos", "active"]


class TeamSerializer(serializers.ModelSerializer):
    municipality = code_ref()
    areas = code_ref(many=True)

    class Meta:
        model = Team
        fields = ["uuid", "name", "municipality", "areas"]


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    """Areas are addressed by their CBS code (codes carry their year; the newest year is returned)."""

    queryset = Area.objects.select_related("municipality", "parent").order_by("code", "-code_year")
    serializer_class = AreaSerializer
    lookup_field = "code"
    pagination_class = CursorPagination
    filterset_fields = ["kind", "code_year"]

    def get_object(self) -> Area:
        obj = self.get_queryset().filter(code=self.kwargs["code"]).first()
        if obj is None:
            from django.http import Http404

            raise Http404
        return obj


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Organisation.objects.select_related("kind", "municipality").prefetch_related("silos")
    serializer_class = OrganisationSerializer
    lookup_field = "uuid"
    pagination_class = CursorPagination
    filterset_fields = ["active"]


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Team.objects.select_related("municipality").prefetch_related("areas")
    serializer_class = TeamSerializer
    lookup_field = "uuid"
    pagination_class = CursorPagination
