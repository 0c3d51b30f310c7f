"""REST: the review queue, merges (and their undo), and matching one record without saving it."""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kehu.customers.access import access_customer, visible_customers
from kehu.customers.services import StaleVersion
from kehu.identity import entry, services
from kehu.identity import merge as merging
from kehu.identity.models import DuplicateCandidate, Merge


@contextmanager
def _service_errors():
    """The services' PermissionDenied / ValidationError as DRF's 403 / 400."""
    try:
        yield
    except PermissionDenied:
        raise ApiPermissionDenied() from None
    except ValidationError as exc:
        raise ApiValidationError(exc.messages) from None
    except StaleVersion as exc:
        raise ApiValidationError([str(exc)]) from None


class _Needs(BasePermission):
    """Reading needs ``read``; any POST (reject, merge, undo) needs ``write``."""

    read = write = ""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.has_perm(self.read if request.method in ("GET", "HEAD", "OPTIONS") else self.write)


class QueuePermission(_Needs):
    read, write = "identity.view_duplicatecandidate", "identity.change_duplicatecandidate"


class MergePermission(_Needs):
    read, write = "identity.view_merge", merging.MERGE_PERMISSION


class DuplicateSerializer(serializers.ModelSerializer):
    class Meta:
        model = DuplicateCandidate
        fields = ["id", "group", "customer_a", "customer_b", "probability", "match_weight", "evidence",
                  "status", "decided_at"]


class DuplicateViewSet(viewsets.ReadOnlyModelViewSet):
    """Open possible duplicates whose two customers you may both see (``?ordering=probability``)."""

    serializer_class = DuplicateSerializer
    permission_classes = [QueuePermission]
    ordering_fields = ["probability"]
    ordering = ["-probability", "id"]

    def get_queryset(self):
        return services.visible_queue(self.request.user)

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None, version=None):
        """Not a duplicate: the pair is never proposed again."""
        candidate = self.get_object()
        with _service_errors():
            services.reject_candidate(request.user, candidate)
        return Response(DuplicateSerializer(candidate).data)


class MergeSerializer(serializers.ModelSerializer):
    field_choices = serializers.DictField(child=serializers.ChoiceField(
        choices=[merging.SURVIVOR, merging.MERGED]), required=False,
        help_text='Per customer field: "survivor" or "merged" (default: most recent non-empty value).')

    class Meta:
        model = Merge
        fields = ["id", "survivor", "merged", "field_choices", "created_at", "undone_at", "conflicts"]
        read_only_fields = ["created_at", "undone_at", "conflicts"]


class MergeViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin,
                   viewsets.GenericViewSet):
    """Merge two customers (needs the merge permission) and undo a merge."""

    serializer_class = MergeSerializer
    permission_classes = [MergePermission]

    def get_queryset(self):
        visible = visible_customers(self.request.user, include_merged=True)
        return Merge.objects.filter(Exists(visible.filter(pk=OuterRef("survivor_id"))))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        survivor = access_customer(request.user, data["survivor"].pk)
        merged = access_customer(request.user, data["merged"].pk)
        with _service_errors():
            merge = merging.do_merge_customers(request.user, survivor, merged,
                                               field_choices=data.get("field_choices"))
        return Response(MergeSerializer(merge).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None, version=None):
        merge = get_object_or_404(self.get_queryset(), pk=pk)
        with _service_errors():
            merging.unmerge(request.user, merge)
        return Response(MergeSerializer(merge).data)


class MatchInputSerializer(serializers.Serializer):
    display_name = serializers.CharField(required=False, allow_blank=True)
    family_name = serializers.CharField(required=False, allow_blank=True)
    given_name = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=["person", "organisation"], default="person")
    legal_name = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True)
    email = serializers.CharField(required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    id_number = serializers.CharField(required=False, allow_blank=True)


class MatchView(APIView):
    """Which existing customers a record may be (nothing is saved). Customers you may not see
    are counted but not named."""

    permission_classes = [IsAuthenticated]

    def post(self, request, version=None):
        if not request.user.has_perm("customers.view_customer"):
            raise ApiPermissionDenied()
        serializer = MatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        identities = [{"channel": ch, "value": data.pop(ch)} for ch in ("phone", "email") if data.get(ch)]
        data.pop("phone", None)
        data.pop("email", None)
        found = entry.check(request.user, data, identities)
        return Response({"matches": [
            {"id": w.customer_id if w.customer else None,
             "display_name": w.customer.display_name if w.customer else None,
             "probability": round(w.probability, 4), "sure": w.sure, "evidence": w.raw_evidence}
            for w in found.warnings]})
