from rest_framework import serializers, viewsets

from .models import Silo


class SiloSerializer(serializers.ModelSerializer):
    class Meta:
        model = Silo
        fields = ["code", "name_nl", "name_en", "silo_free", "order"]


class SiloViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Silo.objects.all()
    serializer_class = SiloSerializer
    lookup_field = "code"
    pagination_class = None
