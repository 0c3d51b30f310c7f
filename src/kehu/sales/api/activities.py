"""/api/v1/activities/: the activities a user may see (their own; a manager's people's too), to
plan, log, change, complete, reopen and delete. Thin: every write goes through
``kehu.sales.activities`` (links checked against what the caller may see, owners against whom they
may assign, versions, audit); a stale version is a 409 with the current one."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kehu.sales import activities as services
from kehu.sales.access import visible_activities, visible_leads, visible_opportunities
from kehu.sales.models import Activity
from kehu.web.api_base import VisibleCustomerField


class _Visible(serializers.PrimaryKeyRelatedField):
    """A lead or opportunity reference limited to what the caller may see (an invisible id gets
    the same error as a missing one)."""

    def __init__(self, scope, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.scope(request.user if request else None)


class ActivitySerializer(serializers.ModelSerializer):
    customer = VisibleCustomerField(required=False, allow_null=True)
    lead = _Visible(visible_leads, required=False, allow_null=True)
    opportunity = _Visible(visible_opportunities, required=False, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True),
                                               required=False, help_text="Default: you. A manager may give it "
                                               "to the members of the teams they manage.")
    done = serializers.BooleanField(write_only=True, required=False, default=False,
                                    help_text="Create it done (log an activity that already happened, at due_at "
                                              "or now) with outcome and outcome_note.")
    version = serializers.IntegerField(required=False, help_text="On update: the version you read (409 if stale).")

    class Meta:
        model = Activity
        fields = ["id", "kind", "subject", "notes", "due_at", "duration_minutes", "remind_minutes_before",
                  "reminded_at", "owner", "customer", "lead", "opportunity", "done", "done_at", "outcome",
                  "outcome_note", "interaction", "created_at", "updated_at", "version"]
        read_only_fields = ["reminded_at", "done_at", "interaction", "created_at", "updated_at"]


class ActivityCompleteSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Activity.Outcome.choices, default=Activity.Outcome.DONE)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    done_at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                        help_text="When it was done (default: now).")
    version = serializers.IntegerField(required=False, allow_null=True, default=None,
                                       help_text="The version you read (409 if stale).")


class ActivityReopenSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class ActivityFilter(filters.FilterSet):
    due_after = filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="gte")
    due_before = filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt")
    done = filters.BooleanFilter(field_name="done_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Activity
        fields = ["kind", "owner", "customer", "lead", "opportunity", "outcome"]


class ActivityViewSet(viewsets.ModelViewSet):
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    ordering_fields = ["due_at", "done_at", "created_at"]

    def get_queryset(self):
        return visible_activities(self.request.user).order_by("-due_at", "-id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        common = {key: data.get(key) for key in ("kind", "subject", "duration_minutes", "owner", "customer", "lead",
                                                  "opportunity")}
        common["kind"] = common["kind"] or Activity.Kind.CALL
        common["notes"] = data.get("notes", "")
        if data.get("done"):
            serializer.instance = services.log_activity(
                self.request.user, done_at=data.get("due_at"), outcome=data.get("outcome") or Activity.Outcome.DONE,
                outcome_note=data.get("outcome_note", ""), **common)
        else:
            serializer.instance = services.plan_activity(
                self.request.user, due_at=data.get("due_at"), remind_minutes_before=data.get("remind_minutes_before"),
                **common)

    def update(self, request, *args, **kwargs):
        activity = self.get_object()
        serializer = self.get_serializer(activity, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if data.get("version") is None:
            return Response({"version": ["Send the version you read."]}, status=status.HTTP_400_BAD_REQUEST)
        changes = {key: value for key, value in data.items() if key in services.EDITABLE}
        activity = services.update_activity(request.user, activity, expected_version=data["version"], **changes)
        return Response(self.get_serializer(activity).data)

    def perform_destroy(self, instance):
        services.delete_activity(self.request.user, instance)

    @extend_schema(request=ActivityCompleteSerializer, responses=ActivitySerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None, version=None):
        """Mark it done with an outcome; with a customer it becomes an interaction on their timeline."""
        activity = get_object_or_404(self.get_queryset(), pk=pk)
        body = ActivityCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        activity = services.complete_activity(request.user, activity, outcome=body.validated_data["outcome"],
                                              note=body.validated_data["note"], done_at=body.validated_data["done_at"],
                                              expected_version=body.validated_data["version"])
        return Response(self.get_serializer(activity).data)

    @extend_schema(request=ActivityReopenSerializer, responses=ActivitySerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None, version=None):
        """Open a done activity again (its interaction stays on the timeline)."""
        activity = get_object_or_404(self.get_queryset(), pk=pk)
        body = ActivityReopenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        activity = services.reopen_activity(request.user, activity, expected_version=body.validated_data["version"])
        return Response(self.get_serializer(activity).data)


def register(router) -> None:
    """Add this area's viewsets to the /api/v1/ router."""
    router.register("activities", ActivityViewSet, basename="activity")
