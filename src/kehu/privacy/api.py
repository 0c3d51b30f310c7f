from rest_framework import mixins, serializers, viewsets

from kehu.customers.access import customer_scope_for
from kehu.privacy import services
from kehu.privacy.models import Consent
from kehu.web.api_base import VisibleCustomerField


class ConsentSerializer(serializers.ModelSerializer):
    customer = VisibleCustomerField()

    class Meta:
        model = Consent
        fields = ["id", "customer", "purpose", "channel", "granted", "recorded_at", "source", "note",
                  "recorded_by", "is_current"]
        read_only_fields = ["recorded_by", "is_current"]
        extra_kwargs = {"recorded_at": {"required": False}}
        validators = []  # the one-current constraint is kept by the service, not by the client

    def create(self, validated):
        customer = validated.pop("customer")
        return services.record_consent(self.context["request"].user, customer, **validated)


class ConsentViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    """Consent history is append-only: record a new decision instead of editing an old one."""

    serializer_class = ConsentSerializer
    filterset_fields = ["customer", "purpose", "channel", "granted", "is_current"]
    ordering = ["-recorded_at", "-id"]

    def get_queryset(self):
        return Consent.objects.filter(customer_scope_for(self.request.user, "customer__"))
