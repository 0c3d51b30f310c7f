"""Django admin edits are changes too: audit them like the services do."""

from django.db import transaction

from kehu.privacy import audit


class AuditedAdmin:
    """Mix into a ModelAdmin: every save/delete writes an AuditEntry in the same transaction."""

    def _customer_id(self, obj):
        if obj._meta.label_lower == "customers.customer":
            return obj.pk
        return getattr(obj, "customer_id", None)

    def save_model(self, request, obj, form, change):
        fields = [f for f in form.changed_data if f in {fld.name for fld in obj._meta.concrete_fields}]
        before = {}
        if change and fields:
            before = audit.snapshot(type(obj).objects.get(pk=obj.pk), fields)
        with transaction.atomic():
            if change and hasattr(obj, "version") and fields:
                obj.version = (obj.version or 0) + 1
            super().save_model(request, obj, form, change)
            after = audit.snapshot(obj, fields)
            if not change or fields:
                audit.record(request.user, "update" if change else "create", obj,
                             customer_id=self._customer_id(obj), changes=audit.diff(before, after))

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit.record(request.user, "delete", obj, customer_id=None if obj._meta.label_lower ==
                         "customers.customer" else self._customer_id(obj))
            super().delete_model(request, obj)
