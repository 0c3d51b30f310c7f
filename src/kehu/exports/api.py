"""REST: ask for an export (always written in the background), follow it, download its file."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from kehu.customers import listing as customer_listing
from kehu.exports import services
from kehu.exports.models import ExportJob
from kehu.orders import listing as order_listing

LIST_PARAMS = {ExportJob.Kind.CUSTOMERS: customer_listing.PARAMS,
               ExportJob.Kind.ORDERS: order_listing.PARAMS}


class CanExport(BasePermission):
    """Every export endpoint needs ``exports.export_data`` (an anonymous caller gets a 401)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(services.EXPORT_PERMISSION))


class ExportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ExportJob.Kind.choices)
    format = serializers.ChoiceField(choices=ExportJob.Format.choices, default=ExportJob.Format.CSV)
    encoding = serializers.ChoiceField(choices=ExportJob.Encoding.choices, default=ExportJob.Encoding.UTF8,
                                       help_text="CSV only: UTF-8 with a byte-order mark, or GB18030.")
    filters = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, default=dict,
        help_text="The list's filters, as the list page's query parameters "
                  "(customers: kind, nature, lifecycle_stage, tier, owner, team, segment, r_score, "
                  "f_score, loyalty, tag, q, sort; orders: channel, status, store, from, to).")
    customer = serializers.IntegerField(required=False, help_text="For kind=customer_file.")

    def validate(self, data):
        kind = data["kind"]
        if kind == ExportJob.Kind.CUSTOMER_FILE:
            if data.get("customer") is None:
                raise serializers.ValidationError({"customer": [_("Give the customer's id.")]})
        else:
            unknown = sorted(set(data.get("filters", {})) - set(LIST_PARAMS[kind]))
            if unknown:
                raise serializers.ValidationError({"filters": [
                    _("Unknown filters: %(names)s.") % {"names": ", ".join(unknown)}]})
        return data


class ExportJobSerializer(serializers.ModelSerializer):
    # a plain string here: one enum (in ExportRequest) keeps the schema's enum names unambiguous
    kind = serializers.CharField(read_only=True, help_text="customers, orders or customer_file")
    customer = serializers.IntegerField(source="customer_id", read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField(help_text="Set when the file is ready.")

    class Meta:
        model = ExportJob
        fields = ["id", "kind", "format", "encoding", "filters", "customer", "status", "row_count",
                  "file_name", "created_at", "started_at", "finished_at", "error", "download_url"]
        read_only_fields = fields

    def get_download_url(self, job) -> str | None:
        if not job.downloadable:
            return None
        url = reverse("exportjob-download", kwargs={"pk": job.pk, "version": "v1"})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class ExportJobViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin,
                       viewsets.GenericViewSet):
    """Your exports. ``POST`` queues one for the background worker (202); poll the job until its
    ``status`` is ``done``, then fetch ``download_url``. Only you (or an admin) may download it."""

    serializer_class = ExportJobSerializer
    permission_classes = [CanExport]
    filterset_fields = ["kind", "status"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema being generated
            return ExportJob.objects.none()
        user = self.request.user
        return ExportJob.objects.all() if user.is_superuser else services.jobs_of(user)

    @extend_schema(request=ExportRequestSerializer, responses={202: ExportJobSerializer})
    def create(self, request, *args, **kwargs):
        data = ExportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        options = data.validated_data
        try:
            job = services.request_export(
                request.user, options["kind"], options["format"], encoding=options["encoding"],
                filters=options.get("filters"), customer_id=options.get("customer"))
        except PermissionDenied:
            raise ApiPermissionDenied() from None
        except ValidationError as exc:
            raise ApiValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None, version=None):
        """The export's file (CSV, XLSX or a zip of CSV files) as an attachment."""
        try:
            job, handle = services.open_download(request.user, pk)
        except PermissionDenied:
            raise ApiPermissionDenied() from None
        return FileResponse(handle, as_attachment=True, filename=job.file_name,
                            content_type=services.content_type(job.kind, job.format, job.encoding))
