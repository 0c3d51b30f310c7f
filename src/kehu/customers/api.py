"""REST API for the customer information file. Thin: validation of shape here, rules in services."""

import django_filters
from django.db.models import Exists, F, OuterRef
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from kehu.accounts.models import Team
from kehu.customers import services
from kehu.customers.access import customer_scope_for, visible_customers
from kehu.customers.models import Address, ChannelIdentity, Contact, Customer, Interaction, Tag
from kehu.customers.normalize import exact_contact
from kehu.scoring.models import CustomerScore
from kehu.web.api_base import PiiMaskedSerializer, ServiceWriteMixin, VisibleCustomerField


class IdentityInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ChannelIdentity.Channel.choices)
    value = serializers.CharField(max_length=200)
    verified = serializers.BooleanField(default=False)
    is_primary = serializers.BooleanField(default=False)


class CustomerValueSerializer(serializers.ModelSerializer):
    """The customer's latest value scores (read-only; written by scoring runs)."""

    scored_at = serializers.DateTimeField(source="run.finished_at", read_only=True)

    class Meta:
        model = CustomerScore
        fields = ["tier", "segment", "rfm_code", "r_score", "f_score", "m_score", "clv", "p_alive",
                  "expected_purchases", "loyalty", "purchases", "total_spend", "last_purchase_at", "scored_at"]
        read_only_fields = fields


class CustomerSerializer(PiiMaskedSerializer):
    tags = serializers.SlugRelatedField(many=True, slug_field="name", queryset=Tag.objects.all(),
                                        required=False)
    identities = IdentityInputSerializer(many=True, write_only=True, required=False)
    version = serializers.IntegerField(required=False, help_text="Required on update: the version you read.")
    owner = serializers.PrimaryKeyRelatedField(read_only=False, required=False, allow_null=True,
                                               queryset=Customer._meta.get_field("owner").related_model.objects.all())
    team = serializers.PrimaryKeyRelatedField(required=False, allow_null=True, queryset=Team.objects.all())
    value = serializers.SerializerMethodField(help_text="Latest value scores (null until scored).")
    confirm_new = serializers.BooleanField(
        write_only=True, required=False, default=False,
        help_text="Create even if the record looks like an existing customer (after a 409).")

    class Meta:
        model = Customer
        fields = [
            "id", "kind", "display_name", "given_name", "family_name", "legal_name",
            "registration_number", "id_number", "birth_date", "nature", "lifecycle_stage", "tier",
            "acquisition_source", "owner", "team", "tags", "custom_fields", "identities",
            "created_at", "updated_at", "version", "value", "confirm_new",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"display_name": {"required": False}}

    def get_value(self, customer) -> dict | None:
        request = self.context.get("request")
        if request is not None and not request.user.has_perm("scoring.view_customerscore"):
            return None
        try:
            score = customer.score
        except CustomerScore.DoesNotExist:
            return None
        return CustomerValueSerializer(score).data

    def to_internal_value(self, data):
        # Tags are free-form names; unknown ones are created by the service.
        tags = data.get("tags") if hasattr(data, "get") else None
        if tags is not None:
            data = data.copy()
            data.pop("tags")
        value = super().to_internal_value(data)
        if tags is not None:
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                raise serializers.ValidationError({"tags": ["Give a list of tag names."]})
            value["tags"] = tags
        return value

    def create(self, validated):
        actor = self.context["request"].user
        validated.pop("version", None)
        validated.pop("confirm_new", None)
        return services.create_customer(actor, identities=validated.pop("identities", []),
                                        tags=validated.pop("tags", []), **validated)

    def update(self, instance, validated):
        actor = self.context["request"].user
        if "version" not in validated:
            raise serializers.ValidationError({"version": ["Send the version you read, so a "
                                                           "concurrent change is not overwritten."]})
        expected = validated.pop("version")
        validated.pop("identities", None)
        validated.pop("confirm_new", None)
        tags = validated.pop("tags", None)
        customer = services.update_customer(actor, instance, expected_version=expected, **validated)
        if tags is not None:
            services.set_tags(actor, customer, tags)
        return customer


class CustomerFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__name", label="Tag name")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="search", label="Search name, phone or email")
    segment = django_filters.CharFilter(field_name="score__segment", label="RFM segment key")
    r_score = django_filters.NumberFilter(field_name="score__r_score")
    f_score = django_filters.NumberFilter(field_name="score__f_score")
    loyalty = django_filters.CharFilter(field_name="score__loyalty")
    clv_min = django_filters.NumberFilter(field_name="score__clv", lookup_expr="gte")
    clv_max = django_filters.NumberFilter(field_name="score__clv", lookup_expr="lte")
    p_alive_min = django_filters.NumberFilter(field_name="score__p_alive", lookup_expr="gte")
    p_alive_max = django_filters.NumberFilter(field_name="score__p_alive", lookup_expr="lte")

    class Meta:
        model = Customer
        fields = ["kind", "nature", "lifecycle_stage", "tier", "owner", "team", "acquisition_source"]

    def search(self, queryset, name, value):
        return search_customers(queryset, value)


def search_customers(queryset, query: str):
    """Name (contains), phone (exact after E.164) or email (exact after lower-casing).

    Phone and email go through the unique (channel, normalized) index; names scan the name index.
    """
    query = (query or "").strip()
    if not query:
        return queryset
    exact = exact_contact(query)
    if exact:
        channel, value = exact
        match = ChannelIdentity.objects.filter(customer_id=OuterRef("pk"), channel=channel, normalized=value)
        return queryset.filter(Exists(match))
    # display_name only (organisations carry their legal name there): one indexable predicate.
    return queryset.filter(display_name__icontains=query)


class CustomerViewSet(viewsets.ModelViewSet):
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["display_name", "created_at", "updated_at", "lifecycle_stage", "tier", "clv", "p_alive"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return (visible_customers(self.request.user).select_related("score__run").prefetch_related("tags")
                .annotate(clv=F("score__clv"), p_alive=F("score__p_alive")))

    def perform_destroy(self, instance):
        services.delete_customer(self.request.user, instance)

    def create(self, request, *args, **kwargs):
        """Identify before creating: a sure match links the new identities to the existing
        customer (200, ``"linked": true``); probable ones answer 409 with the evidence, and the
        client may resend with ``"confirm_new": true``."""
        from kehu.identity import entry

        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not data.get("confirm_new"):
            fields = {k: v for k, v in data.items() if k in services.CUSTOMER_FIELDS}
            identities = data.get("identities", [])
            found = entry.check(request.user, fields, identities)
            if found.link_to is not None:
                entry.link_identities(request.user, found.link_to, identities)
                body = self.get_serializer(self.get_queryset().get(pk=found.link_to.pk)).data
                return Response({**body, "linked": True}, status=status.HTTP_200_OK)
            if found.warnings:
                return Response({
                    "detail": "This record looks like an existing customer. Resend with "
                              "\"confirm_new\": true to create it anyway.",
                    "possible_duplicates": [
                        {"id": w.customer_id if w.customer else None,
                         "display_name": w.customer.display_name if w.customer else None,
                         "probability": round(w.probability, 4),
                         "evidence": w.raw_evidence}
                        for w in found.warnings],
                }, status=status.HTTP_409_CONFLICT)
        return super().create(request, *args, **kwargs)


# --- Child records --------------------------------------------------------------------------

class ChildSerializer(PiiMaskedSerializer):
    customer = VisibleCustomerField()
    save_service = None  # set by subclasses: services.save_contact etc.

    def create(self, validated):
        instance = self.Meta.model(customer=validated.pop("customer"))
        return type(self).save_service(self.context["request"].user, instance, **validated)

    def update(self, instance, validated):
        validated.pop("customer", None)  # children do not move between customers
        return type(self).save_service(self.context["request"].user, instance, **validated)


class ContactSerializer(ChildSerializer):
    save_service = services.save_contact

    class Meta:
        model = Contact
        fields = ["id", "customer", "name", "role", "phone", "email", "is_primary"]


class AddressSerializer(ChildSerializer):
    save_service = services.save_address

    class Meta:
        model = Address
        fields = ["id", "customer", "kind", "country", "province", "city", "district", "line1",
                  "postal_code", "is_primary"]


class IdentitySerializer(ChildSerializer):
    save_service = services.save_identity

    class Meta:
        model = ChannelIdentity
        fields = ["id", "customer", "channel", "value", "normalized", "verified", "is_primary", "created_at"]
        read_only_fields = ["normalized", "created_at"]


class InteractionSerializer(ChildSerializer):
    save_service = services.save_interaction

    class Meta:
        model = Interaction
        fields = ["id", "customer", "channel", "direction", "type", "subject", "notes", "occurred_at", "user"]
        read_only_fields = ["user"]


class ChildViewSet(ServiceWriteMixin, viewsets.ModelViewSet):
    filterset_fields = ["customer"]
    ordering = ["-id"]

    def get_queryset(self):
        model = self.serializer_class.Meta.model
        return model.objects.filter(customer_scope_for(self.request.user, "customer__"))


class ContactViewSet(ChildViewSet):
    serializer_class = ContactSerializer
    delete_service = staticmethod(services.delete_contact)


class AddressViewSet(ChildViewSet):
    serializer_class = AddressSerializer
    delete_service = staticmethod(services.delete_address)


class IdentityViewSet(ChildViewSet):
    serializer_class = IdentitySerializer
    filterset_fields = ["customer", "channel", "verified"]
    delete_service = staticmethod(services.delete_identity)


class InteractionViewSet(ChildViewSet):
    serializer_class = InteractionSerializer
    filterset_fields = ["customer", "channel", "type", "direction"]
    ordering = ["-occurred_at", "-id"]
    delete_service = staticmethod(services.delete_interaction)

    def get_queryset(self):
        return super().get_queryset().select_related("user")

