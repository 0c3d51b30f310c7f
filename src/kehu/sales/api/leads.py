"""/api/v1/ endpoints for sales: leads (with status moves and conversion) and the lead sources.

Thin: the queryset is ``kehu.sales.access.visible_leads`` (an invisible lead is a 404), writes go
through ``kehu.sales.leads`` and ``conversion``. Personal data (phone, email, WeChat) is masked
for users without ``privacy.view_pii``, as the customers' is.
"""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kehu.customers.access import customer_scope_for
from kehu.customers.models import Contact
from kehu.sales import conversion, leads
from kehu.sales.access import visible_leads
from kehu.sales.models import DisqualifyReason, Lead, LeadSource
from kehu.web.api_base import PiiMaskedSerializer, VisibleCustomerField


class VisibleContactField(serializers.PrimaryKeyRelatedField):
    """A contact of a customer the requesting user may see (an invisible id reads as missing)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Contact.objects.none()
        return Contact.objects.filter(customer_scope_for(request.user, "customer__"))


class LeadSerializer(PiiMaskedSerializer):
    source = serializers.SlugRelatedField(slug_field="code", queryset=LeadSource.objects.all(),
                                          help_text="The source's code (see /api/v1/lead-sources/).")
    referrer_customer = VisibleCustomerField(required=False, allow_null=True)
    referrer_contact = VisibleContactField(required=False, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(required=False, allow_null=True,
                                               queryset=leads.assignable_owners(),
                                               help_text="Default: you. Null: unassigned.")
    disqualify_reason = serializers.SlugRelatedField(slug_field="code", read_only=True)
    version = serializers.IntegerField(required=False, help_text="Required on update: the version you read.")

    class Meta:
        model = Lead
        fields = ["id", "kind", "name", "company", "job_title", "phone", "phone_normalized", "email",
                  "email_normalized", "wechat", "region", "company_size", "nature", "channel", "source", "campaign",
                  "referrer_customer", "referrer_contact", "owner", "team", "status", "disqualify_reason",
                  "disqualify_note", "notes", "customer", "converted_at", "converted_by", "closed_at", "score",
                  "score_reasons", "scored_at", "created_by", "created_at", "updated_at", "version"]
        read_only_fields = ["phone_normalized", "email_normalized", "team", "status", "disqualify_note", "customer",
                            "converted_at", "converted_by", "closed_at", "score", "score_reasons", "scored_at",
                            "created_by", "created_at", "updated_at"]
        # lengths and formats are the service's to check (one message for every caller)
        extra_kwargs = {name: {"max_length": None} for name in ("phone", "email", "name", "company", "job_title",
                                                                 "wechat", "region", "campaign")}

    def create(self, validated):
        validated.pop("version", None)
        data = {k: v for k, v in validated.items() if k in leads.EDITABLE}
        return leads.create_lead(self.context["request"].user, **data)

    def update(self, instance, validated):
        if "version" not in validated:
            raise serializers.ValidationError({"version": ["Send the version you read, so a concurrent change is "
                                                           "not overwritten."]})
        expected = validated.pop("version")
        changes = {k: v for k, v in validated.items() if k in leads.EDITABLE}
        return leads.update_lead(self.context["request"].user, instance, expected_version=expected, **changes)


class LeadFilter(django_filters.FilterSet):
    source = django_filters.CharFilter(field_name="source__code", label="Source code")
    campaign = django_filters.CharFilter(field_name="campaign", lookup_expr="icontains")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="search", label="Search name or company, or an exact phone or email")

    class Meta:
        model = Lead
        fields = ["status", "owner", "team", "customer", "referrer_customer", "channel", "kind"]

    def search(self, queryset, name, value):
        return leads.search_leads(queryset, value)


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[*Lead.Status.choices, ("reopen", "reopen")],
                                     help_text="contacted, qualified, disqualified (with a reason) or reopen.")
    reason = serializers.SlugRelatedField(slug_field="code", queryset=DisqualifyReason.objects.filter(active=True),
                                          required=False, allow_null=True,
                                          help_text="Disqualifying: the reason's code.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    version = serializers.IntegerField(help_text="The version you read: a lead changed meanwhile gives 409.")


class OpportunityInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    expected_close = serializers.DateField(required=False, allow_null=True)


class ConvertSerializer(serializers.Serializer):
    customer = VisibleCustomerField(required=False, allow_null=True,
                                    help_text="Link the lead to this existing customer.")
    create_new = serializers.BooleanField(default=False, help_text="Create a new customer even if the lead may "
                                                                   "already be one (after a 409).")
    opportunity = OpportunityInput(required=False, allow_null=True)
    version = serializers.IntegerField(help_text="The version you read.")


def candidate_json(candidate) -> dict:
    visible = candidate.customer is not None
    return {"id": candidate.customer_id if visible else None,
            "display_name": candidate.customer.display_name if visible else None,
            "probability": round(candidate.probability, 4), "same": candidate.same or None,
            "evidence": candidate.raw_evidence}


class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Leads you may see. Creating one answers with ``possible_duplicates`` (other leads with the
    same phone or email, customers it may be): a warning, the lead is saved."""

    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    ordering_fields = ["created_at", "updated_at", "score", "name"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return visible_leads(self.request.user).select_related("source", "disqualify_reason")

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        found = leads.duplicates_of(request.user, Lead.objects.get(pk=response.data["id"]))
        response.data["possible_duplicates"] = {
            "leads": [lead.pk for lead in found.leads], "hidden_leads": found.hidden_leads,
            "customers": [candidate_json(c) for c in found.customers]}
        return response

    @extend_schema(request=StatusSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def move(self, request, pk=None, version=None):
        """Move the lead: contacted, qualified, disqualified (with ``reason``) or reopen (409 if stale)."""
        lead = get_object_or_404(self.get_queryset(), pk=pk)
        body = StatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data["status"] == Lead.Status.DISQUALIFIED:
            lead = leads.disqualify_lead(request.user, lead, reason=data.get("reason"), note=data.get("note", ""),
                                         expected_version=data["version"])
        elif data["status"] == "reopen":
            lead = leads.reopen_lead(request.user, lead, expected_version=data["version"])
        else:
            lead = leads.set_status(request.user, lead, data["status"], expected_version=data["version"])
        return Response(LeadSerializer(lead, context=self.get_serializer_context()).data)

    @extend_schema(request=ConvertSerializer)
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None, version=None):
        """Convert a qualified lead. When it may already be a customer and the body says neither
        ``customer`` nor ``"create_new": true``, the answer is 409 with the ``candidates``."""
        lead = get_object_or_404(self.get_queryset(), pk=pk)
        body = ConvertSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            done = conversion.convert_lead(request.user, lead, customer=data.get("customer"),
                                           create_new=data["create_new"], opportunity=data.get("opportunity"),
                                           expected_version=data["version"])
        except conversion.ChooseCustomer as exc:
            return Response({"detail": exc.messages[0], "candidates": [candidate_json(c) for c in exc.candidates]},
                            status=status.HTTP_409_CONFLICT)
        return Response({"lead": LeadSerializer(done.lead, context=self.get_serializer_context()).data,
                         "customer": done.customer.pk, "created": done.created,
                         "opportunity": done.opportunity.pk if done.opportunity else None})


class LeadSourceSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField(help_text="In the request's language.")

    class Meta:
        model = LeadSource
        fields = ["code", "label", "label_en", "label_zh_hans", "label_zh_hant", "customer_source", "needs_referrer",
                  "active", "position"]

    def get_label(self, source) -> str:
        return source.label()


class LeadSourceViewSet(viewsets.ReadOnlyModelViewSet):
    """Where leads come from (read-only; administrators keep the list)."""

    serializer_class = LeadSourceSerializer
    queryset = LeadSource.objects.order_by("position", "code")
    lookup_field = "code"
    filterset_fields = ["active", "needs_referrer"]
    pagination_class = None


def register(router) -> None:
    """Add this area's viewsets to the /api/v1/ router."""
    router.register("leads", LeadViewSet, basename="lead")
    router.register("lead-sources", LeadSourceViewSet, basename="leadsource")
