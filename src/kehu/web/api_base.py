"""Shared pieces of the REST API: visibility-scoped customer field, PII masking, audited writes."""

from rest_framework import serializers

from kehu.customers.access import visible_customers
from kehu.privacy.masking import can_view_pii
from kehu.privacy.pii import mask_field


class VisibleCustomerField(serializers.PrimaryKeyRelatedField):
    """A customer reference limited to the customers the requesting user may see, so an
    invisible id gets the same error as a missing one."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return visible_customers(None).none()
        return visible_customers(request.user)


class PiiMaskedSerializer(serializers.ModelSerializer):
    """Masks the model's PII fields (``kehu.privacy.pii``) for users without ``privacy.view_pii``."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not can_view_pii(request.user):
            label = instance._meta.label_lower
            channel = getattr(instance, "channel", None)
            for name in list(data):
                data[name] = mask_field(label, name, data[name], identity_channel=channel)
        return data


class ServiceWriteMixin:
    """ModelViewSet glue: serializers validate shape, services do the write (and the audit)."""

    def perform_destroy(self, instance):
        self.delete_service(self.request.user, instance)
