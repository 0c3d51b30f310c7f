"""Export pages. Thin: the rows, masking, permission and audit are ``kehu.exports.services``."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kehu.exports import services
from kehu.exports.models import ExportJob
from kehu.web.pagination import page_of

EXPORT = services.EXPORT_PERMISSION
PAGE_SIZE = 50


def _options(request) -> tuple[str, str]:
    """The format and encoding: ``format=csv|xlsx`` (``csv-gb18030`` for older Chinese software)."""
    fmt = request.POST.get("format") or ExportJob.Format.CSV
    encoding = request.POST.get("encoding") or ExportJob.Encoding.UTF8
    if fmt == "csv-gb18030":
        fmt, encoding = ExportJob.Format.CSV, ExportJob.Encoding.GB18030
    return fmt, encoding


def _respond(request, export: services.Export):
    if export.queued:
        messages.info(request, _("This list is long, so it is being written in the background. "
                                 "Its download link appears here when it is ready."))
        return redirect("exports:job", export.job.pk)
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.filename)
    response["Cache-Control"] = "no-store"
    return response


def _export(request, export_call):
    fmt, encoding = _options(request)
    try:
        return _respond(request, export_call(fmt, encoding))
    except ValidationError as exc:
        return HttpResponseBadRequest("; ".join(exc.messages))


@login_required
@permission_required(EXPORT, raise_exception=True)
@require_POST
def export_customers(request):
    """The customer list with the filters and sort in the query string (as on the list page)."""
    return _export(request, lambda fmt, enc: services.export_customers(
        request.user, request.GET, fmt, encoding=enc))


@login_required
@permission_required(EXPORT, raise_exception=True)
@require_POST
def export_orders(request):
    """The order list with the filters in the query string (as on the order page)."""
    if not services.can_export(request.user, ExportJob.Kind.ORDERS):
        raise PermissionDenied
    return _export(request, lambda fmt, enc: services.export_orders(
        request.user, request.GET, fmt, encoding=enc))


@login_required
@permission_required(EXPORT, raise_exception=True)
@require_POST
def export_customer_file(request, pk):
    """One customer's whole file: Excel with a sheet per part, or a zip of CSV files."""
    return _export(request, lambda fmt, enc: services.export_customer_file(
        request.user, pk, fmt, encoding=enc))


@login_required
@permission_required(EXPORT, raise_exception=True)
@require_GET
def my_exports(request):
    try:
        page = int(request.GET.get("page", 1))
    except ValueError:
        page = 1
    jobs, has_next = page_of(services.jobs_of(request.user).order_by("-created_at", "-id"), page, PAGE_SIZE)
    for job in jobs:
        job.source_url = _source_url(job)
    return render(request, "exports/jobs.html", {
        "jobs": jobs, "page": page, "has_next": has_next, "query_string": "", "nav": "exports",
        "keep_days": services.keep_days()})


def _source_url(job: ExportJob) -> str:
    """The page the export was made from, with its filters."""
    if job.kind == ExportJob.Kind.CUSTOMER_FILE:
        return reverse("customers:detail", args=[job.customer_id]) if job.customer_id else ""
    page = {ExportJob.Kind.CUSTOMERS: "customers:list", ExportJob.Kind.ORDERS: "orders:list"}[job.kind]
    return reverse(page) + ("?" + urlencode(job.filters) if job.filters else "")


@login_required
@permission_required(EXPORT, raise_exception=True)
@require_GET
def job_detail(request, pk):
    job = services.job_for(request.user, pk)
    if request.htmx:
        return render(request, "exports/job.html#status", {"job": job})
    return render(request, "exports/job.html", {"job": job, "nav": "exports"})


@login_required
@permission_required(EXPORT, raise_exception=True)
@require_GET
def job_download(request, pk):
    job, handle = services.open_download(request.user, pk)
    content_type = services.content_type(job.kind, job.format, job.encoding)
    response = FileResponse(handle, as_attachment=True, filename=job.file_name, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
