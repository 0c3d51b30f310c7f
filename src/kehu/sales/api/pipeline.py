"""/api/v1/ endpoints for sales: pipeline.

- ``/api/v1/opportunities/``: list (filters: pipeline, stage, status, owner, customer, expected
  close range), read, create, change (``version`` required: 409 when stale), delete; only the
  opportunities the user may see (``kehu.sales.access``), every write through
  ``kehu.sales.pipeline``.
- ``POST /api/v1/opportunities/{id}/move/`` (``to_stage``, ``version``, ``lost_reason``,
  ``lost_note``) → 409 with ``current_version`` when someone moved it meanwhile;
  ``POST …/win/`` (``version``, ``create_order``).
- ``/api/v1/pipelines/``: the active pipelines with their stages (read only).
"""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kehu.orders.models import Product
from kehu.sales import pipeline as services
from kehu.sales.access import visible_opportunities
from kehu.sales.models import (
    Competitor,
    LostReason,
    Opportunity,
    OpportunityLine,
    Pipeline,
    PipelineStage,
)
from kehu.web.api_base import VisibleCustomerField


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = PipelineStage
        fields = ["id", "code", "label_en", "label_zh_hans", "label_zh_hant", "probability", "kind", "position"]


class PipelineSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "label_en", "label_zh_hans", "label_zh_hant", "is_default", "position", "stages"]


class LineSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    amount = serializers.SerializerMethodField()

    class Meta:
        model = OpportunityLine
        fields = ["id", "product", "quantity", "unit_price", "discount", "amount"]
        extra_kwargs = {"unit_price": {"required": False, "allow_null": True,
                                       "help_text": "Default: the product's price."}}

    def get_amount(self, line) -> str:
        return str(line.amount)


class OwnerField(serializers.PrimaryKeyRelatedField):
    """An owner the requesting user may assign (``pipeline.assignable_owners``)."""

    def get_queryset(self):
        request = self.context.get("request")
        return services.assignable_owners(request.user if request else None)


class OpportunitySerializer(serializers.ModelSerializer):
    customer = VisibleCustomerField()
    pipeline = serializers.PrimaryKeyRelatedField(queryset=Pipeline.objects.filter(active=True), required=False)
    stage = serializers.PrimaryKeyRelatedField(queryset=PipelineStage.objects.all(), required=False,
                                               help_text="Only when creating; later moves go through move/.")
    owner = OwnerField(required=False, allow_null=True)
    competitors = serializers.PrimaryKeyRelatedField(queryset=Competitor.objects.all(), many=True, required=False)
    lost_reason = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lines = LineSerializer(many=True, required=False)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True,
                                      help_text="CNY. Without it, the lines' total.")
    version = serializers.IntegerField(required=False, help_text="Required to change: the version you read "
                                                                 "(409 when someone changed it meanwhile).")
    weighted_amount = serializers.SerializerMethodField()

    class Meta:
        model = Opportunity
        fields = ["id", "name", "customer", "lead", "pipeline", "stage", "amount", "weighted_amount", "currency",
                  "expected_close", "owner", "team", "competitors", "lost_reason", "lost_note", "description",
                  "lines", "stage_entered_at", "closed_at", "order", "created_at", "updated_at", "version"]
        read_only_fields = ["lead", "currency", "team", "lost_note", "stage_entered_at", "closed_at", "order",
                            "created_at", "updated_at"]

    def get_weighted_amount(self, opportunity) -> str:
        return str(opportunity.weighted_amount)

    def _lines(self, validated):
        lines = validated.pop("lines", None)
        if lines is None:
            return None
        return [{"product": line["product"], "quantity": line.get("quantity", 1),
                 "unit_price": line.get("unit_price"), "discount": line.get("discount", 0)} for line in lines]

    def create(self, validated):
        user = self.context["request"].user
        lines = self._lines(validated)
        competitors = validated.pop("competitors", None)
        opportunity = services.create_opportunity(
            user, customer=validated["customer"], name=validated.get("name", ""),
            amount=validated.get("amount") or 0, expected_close=validated.get("expected_close"),
            pipeline=validated.get("pipeline"), stage=validated.get("stage"), owner=validated.get("owner"),
            description=validated.get("description", ""), lines=lines or ())
        if competitors:
            opportunity = services.update_opportunity(user, opportunity, expected_version=opportunity.version,
                                                      competitors=competitors)
        return opportunity

    def update(self, instance, validated):
        version = validated.pop("version", None)
        if version is None:
            raise serializers.ValidationError({"version": ["Give the version you read."]})
        for name in ("pipeline", "stage"):
            if name in validated and validated.pop(name) != getattr(instance, name):
                raise serializers.ValidationError({name: ["Move the opportunity with POST …/move/."]})
        lines = self._lines(validated)
        competitors = validated.pop("competitors", None)
        return services.update_opportunity(self.context["request"].user, instance, expected_version=version,
                                           lines=lines, competitors=competitors, **validated)


class MoveSerializer(serializers.Serializer):
    to_stage = serializers.PrimaryKeyRelatedField(queryset=PipelineStage.objects.all())
    version = serializers.IntegerField(help_text="The version you read: an opportunity moved meanwhile gives 409.")
    lost_reason = serializers.SlugRelatedField(slug_field="code", queryset=LostReason.objects.filter(active=True),
                                               required=False, allow_null=True,
                                               help_text="Code of the lost reason (needed for a lost stage).")
    lost_note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class WinSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    create_order = serializers.BooleanField(default=False)


class OpportunityFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(field_name="stage__kind", choices=PipelineStage.Kind.choices)
    expected_close_after = django_filters.DateFilter(field_name="expected_close", lookup_expr="gte")
    expected_close_before = django_filters.DateFilter(field_name="expected_close", lookup_expr="lte")

    class Meta:
        model = Opportunity
        fields = ["pipeline", "stage", "owner", "customer", "status"]


class OpportunityViewSet(viewsets.ModelViewSet):
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilter
    ordering_fields = ["created_at", "expected_close", "amount", "updated_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return (visible_opportunities(self.request.user).select_related("stage", "lost_reason")
                .prefetch_related("lines", "competitors"))

    def perform_destroy(self, instance):
        services.delete_opportunity(self.request.user, instance)

    def _moved(self, opportunity):
        opportunity = self.get_queryset().get(pk=opportunity.pk)
        return Response(OpportunitySerializer(opportunity, context=self.get_serializer_context()).data)

    @extend_schema(request=MoveSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None, version=None):
        """Move to another stage of the pipeline (400 when refused, e.g. lost without a reason;
        409 when someone changed it meanwhile)."""
        opportunity = get_object_or_404(self.get_queryset(), pk=pk)
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        moved = services.move_stage(request.user, opportunity, data["to_stage"], expected_version=data["version"],
                                    lost_reason=data.get("lost_reason"), lost_note=data.get("lost_note", ""))
        return self._moved(moved)

    @extend_schema(request=WinSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def win(self, request, pk=None, version=None):
        """Move to the won stage; ``create_order`` also creates the order (P series) from the lines."""
        opportunity = get_object_or_404(self.get_queryset(), pk=pk)
        body = WinSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        won = services.win(request.user, opportunity, expected_version=body.validated_data["version"],
                           create_order=body.validated_data["create_order"])
        return self._moved(won)


class PipelineViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PipelineSerializer
    pagination_class = None

    def get_queryset(self):
        return Pipeline.objects.active().prefetch_related("stages")


def register(router) -> None:
    """Add this area's viewsets to the /api/v1/ router."""
    router.register("opportunities", OpportunityViewSet, basename="opportunity")
    router.register("pipelines", PipelineViewSet, basename="pipeline")
