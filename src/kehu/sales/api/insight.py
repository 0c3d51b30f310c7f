"""/api/v1/ endpoints for sales: insight (read-only).

- ``GET /api/v1/referrals/{customer_id}/tree/``: a customer's referral tree and chain totals, as the
  caller may see it (an invisible customer is a 404; invisible nodes carry no id, name or values).
- ``GET /api/v1/sales-dashboard/?days=90`` (or ``from``/``to``, ``pipeline``): the dashboard's
  numbers, scoped to the caller.
- ``GET /api/v1/lead-score-models/``: the lead score's trainings with their quality.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kehu.sales import referrals, reports
from kehu.sales.models import LeadScoreModel, Pipeline


class HasPermission(permissions.BasePermission):
    """The view's ``required_permission`` (plus being signed in)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(view.required_permission))


PERIOD_PARAMETERS = [
    OpenApiParameter("days", int, description="30, 90 (default) or 365"),
    OpenApiParameter("from", OpenApiTypes.DATE, description="custom period start (with `to`, without `days`)"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="custom period end, inclusive"),
]


class ReferralViewSet(viewsets.ViewSet):
    """Referral trees ("law of 250")."""

    permission_classes = [HasPermission]
    required_permission = "sales.view_lead"
    lookup_value_regex = r"\d+"

    @extend_schema(responses=OpenApiTypes.OBJECT, parameters=[
        OpenApiParameter("depth", int, description="levels of nodes to return (default 6; totals cover the whole chain)"),
        OpenApiParameter("limit", int, description="nodes to return, breadth first (default 300, at most 2000)")])
    @action(detail=True, methods=["get"])
    def tree(self, request, pk=None, version=None):
        """The referral tree below the customer: per node revenue, CLV, customers referred and open
        leads; totals for the whole chain (customers won, depth, revenue, CLV)."""
        depth = _int(request.query_params.get("depth"), referrals.DISPLAY_DEPTH, 0, referrals.MAX_DEPTH)
        limit = _int(request.query_params.get("limit"), referrals.DISPLAY_NODES, 1, 2000)
        tree = referrals.referral_tree(request.user, int(pk), display_depth=depth, limit=limit)
        return Response(tree.as_dict())


def _int(value, default, low, high):
    try:
        return min(max(int(value), low), high)
    except (TypeError, ValueError):
        return default


class SalesDashboardViewSet(viewsets.ViewSet):
    """The sales dashboard's numbers (money as numbers in CNY)."""

    permission_classes = [HasPermission]
    required_permission = "sales.view_sales_dashboard"

    @extend_schema(responses=OpenApiTypes.OBJECT, parameters=[
        *PERIOD_PARAMETERS, OpenApiParameter("pipeline", int, description="pipeline id (default: the default one)")])
    def list(self, request, version=None):
        period = reports.period_from(request.query_params)
        pipeline = Pipeline.objects.filter(active=True, pk=_int(request.query_params.get("pipeline"), 0, 0, 2**62)).first()
        return Response(reports.as_json(reports.dashboard(request.user, period, pipeline=pipeline)))


class LeadScoreModelSerializer(serializers.ModelSerializer):
    trained_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = LeadScoreModel
        fields = ["id", "kind", "trained_at", "trained_by", "is_active", "history_from", "holdout_from", "n_train",
                  "n_holdout", "positives", "auc", "brier", "baseline_auc", "calibration", "note", "parameters"]


class LeadScoreModelViewSet(viewsets.ReadOnlyModelViewSet):
    """Trainings of the lead score, newest first: kind (model or rules), holdout quality (AUC,
    Brier, the source-frequency baseline's AUC, calibration bins) and the parameters as JSON."""

    serializer_class = LeadScoreModelSerializer
    filterset_fields = ["kind", "is_active"]
    ordering_fields = ["trained_at"]

    def get_queryset(self):
        return LeadScoreModel.objects.select_related("trained_by").order_by("-trained_at", "-id")


def register(router) -> None:
    """Add this area's viewsets to the /api/v1/ router."""
    router.register("referrals", ReferralViewSet, basename="referral")
    router.register("sales-dashboard", SalesDashboardViewSet, basename="sales-dashboard")
    router.register("lead-score-models", LeadScoreModelViewSet, basename="lead-score-model")
