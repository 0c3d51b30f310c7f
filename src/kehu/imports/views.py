"""The import wizard. Thin: the steps, permissions and rules are ``kehu.imports.services``.

Upload → mapping (with a preview) → dry run in the background → possible duplicates decided row by
row → import in the background → result, error file, undo. One page per job shows the step its
status is at; while the worker runs, a fragment polled by htmx shows the progress and reloads the
page when the status changes.
"""

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.customers.access import visible_customers
from kehu.imports import fields, readers, services
from kehu.imports.forms import DECISIONS, MappingForm, UploadForm
from kehu.imports.models import ImportJob
from kehu.imports.undo import UndoRefused
from kehu.privacy import audit
from kehu.web.pagination import page_of

IMPORT = services.IMPORT_PERMISSION
PAGE_SIZE = 50
PREVIEW_ROWS = 10
Status = ImportJob.Status


def _importer(view):
    return login_required(permission_required(IMPORT, raise_exception=True)(view))


def _to_job(job):
    return redirect("imports:job", job.pk)


def _job_to_change(request, pk) -> ImportJob:
    """A visible job, for a user who may also import its kind of record (403 otherwise)."""
    job = services.job_for(request.user, pk)
    if not services.may_import(request.user, job.target):
        raise PermissionDenied
    return job


@_importer
@require_GET
def my_imports(request):
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    jobs, has_next = page_of(services.visible_jobs(request.user).select_related("created_by"), page, PAGE_SIZE)
    labels = {name: t.label for name, t in fields.targets().items()}
    for job in jobs:
        job.target_label = labels.get(job.target, job.target)
    return render(request, "imports/list.html", {
        "jobs": jobs, "page": page, "has_next": has_next, "query_string": "", "nav": "imports",
        "sees_all": services.sees_all_jobs(request.user), "can_start": bool(services.allowed_targets(request.user))})


@_importer
@require_http_methods(["GET", "POST"])
def new_import(request):
    targets = services.allowed_targets(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, targets=targets,
                      initial={"target": request.GET.get("target")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        path = None
        try:
            path = services.store_upload(data["file"])
            job = services.create_job(request.user, data["target"], path, data["file"].name,
                                      encoding=data["encoding"] or None, sheet=data["sheet"] or None)
        except readers.ReadError as exc:
            form.add_error("file", exc.message)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return _to_job(job)
        if path is not None:
            path.unlink(missing_ok=True)
    return render(request, "imports/new.html", {"form": form, "targets": targets, "nav": "imports"},
                  status=422 if form.errors else 200)


# --- the job page, by status ---------------------------------------------------------------

@_importer
@require_GET
def job_detail(request, pk):
    job = services.job_for(request.user, pk)
    context = {"job": job, "nav": "imports", "target": fields.targets()[job.target]}
    if job.status == Status.UPLOADED:
        return _mapping_page(request, job, context)
    if job.status == Status.CHECKED:
        context.update(_dry_run(request, job))
    context.update(_finished(job))
    return render(request, "imports/job.html", context)


def _mapping_page(request, job, context, form=None, status=200):
    try:
        table = services.open_table(job)
        preview = table.preview(PREVIEW_ROWS)
    except readers.ReadError as exc:
        context["read_error"] = exc.message
        return render(request, "imports/job.html", context, status=status)
    target = context["target"]
    templates = list(services.templates_for(job.target))
    chosen, options, applied = job.mapping, None, None
    template_id = request.GET.get("template")
    if form is None and template_id:
        applied = next((t for t in templates if str(t.pk) == template_id), None)
        if applied is not None:
            chosen, options = services.apply_template(applied, table.headers, job.mapping), applied.options
    definitions = _custom_definitions(job.target)
    if form is None:
        form = MappingForm(headers=table.headers, target=target, custom_definitions=definitions,
                           initial=MappingForm.initial_for(job, table.headers, chosen, options))
    samples = [[cells[i] for _n, cells in preview if i < len(cells) and cells[i] not in (None, "")][:3]
               for i in range(len(table.headers))]
    context.update({
        "headers": table.headers, "preview": [(n, _padded(cells, len(table.headers))) for n, cells in preview],
        "columns": list(zip(form.column_fields(), samples, strict=True)), "form": form,
        "templates": templates, "applied": applied,
        "required": [f.label for f in target.fields if f.required],
        "customer_refs": [f.label for f in target.fields if f.key_of == "customer" and f.key.startswith("customer_")],
    })
    return render(request, "imports/job.html", context, status=status)


def _padded(cells, width):
    return list(cells[:width]) + [None] * (width - len(cells))


def _custom_definitions(target):
    if target != "customers":
        return []
    from kehu.customers.models import CustomFieldDefinition

    return list(CustomFieldDefinition.objects.order_by("position", "key"))


def _dry_run(request, job):
    duplicates = job.summary.get("duplicates", [])
    existing = dict(visible_customers(request.user).filter(pk__in={d["customer_id"] for d in duplicates})
                    .values_list("pk", "display_name"))
    default = job.duplicates if job.duplicates in dict(DECISIONS) else "create"
    rows = [{**d, "percent": round(d["probability"] * 100), "existing_name": existing.get(d["customer_id"]),
             "visible": d["customer_id"] in existing, "decision": job.decisions.get(str(d["row"]), default)}
            for d in duplicates]
    blocked = job.on_error == ImportJob.OnError.ABORT and job.error_count > 0
    return {"duplicates": rows, "decisions": DECISIONS, "blocked": blocked,
            "more_duplicates": max(0, job.summary.get("duplicate", 0) - len(rows))}


def _finished(job):
    return {"can_undo": services.can_undo(job), "can_resume": services.can_resume(job),
            "can_remap": services.can_remap(job), "has_errors": _error_file(job) is not None,
            "active": job.status in services.ACTIVE}


def _error_file(job) -> Path | None:
    if not job.error_path:
        return None
    path = Path(job.error_path)
    return path if path.is_file() else None


@_importer
@require_GET
def job_status(request, pk):
    """The progress fragment; once the status is no longer the one the page shows, reload the page."""
    job = services.job_for(request.user, pk)
    if request.GET.get("shown") != job.status or job.status not in services.ACTIVE:
        url = reverse("imports:job", args=[job.pk])
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    return render(request, "imports/job.html#progress", {"job": job})


# --- actions (POST) ----------------------------------------------------------------------------

@_importer
@require_POST
def configure(request, pk):
    """Save the mapping and options, then queue the dry run."""
    job = _job_to_change(request, pk)
    if job.status != Status.UPLOADED:
        messages.error(request, _("This import has already been started; its mapping cannot change."))
        return _to_job(job)
    try:
        headers = services.open_table(job).headers
    except readers.ReadError as exc:
        messages.error(request, exc.message)
        return _to_job(job)
    target = fields.targets()[job.target]
    form = MappingForm(request.POST, headers=headers, target=target,
                       custom_definitions=_custom_definitions(job.target))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.configure(job, form.mapping(), data.get("upsert_key") or "", data["on_error"],
                               data.get("duplicates") or "create", save_as=data.get("save_as"), actor=request.user)
            services.request_check(job)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _to_job(job)
    context = {"job": job, "nav": "imports", "target": target}
    return _mapping_page(request, job, context, form=form, status=422)


@_importer
@require_POST
def start(request, pk):
    """Confirm the import after the dry run, with a decision per possible duplicate."""
    job = _job_to_change(request, pk)
    prefix = "decision_"
    decisions = {key[len(prefix):]: value for key, value in request.POST.items() if key.startswith(prefix)}
    try:
        services.request_run(job, decisions)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _to_job(job)


def _action(request, pk, act):
    job = _job_to_change(request, pk)
    try:
        act(job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _to_job(job)


@_importer
@require_POST
def cancel(request, pk):
    job = services.job_for(request.user, pk)
    try:
        job = services.request_cancel(job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, {
            Status.UPLOADED: _("The dry run was cancelled; nothing was imported."),
            Status.CANCELLED: _("The import was cancelled before it started; nothing was imported."),
        }.get(job.status, _("Cancelling: the import stops after the rows it is writing now.")))
    return _to_job(job)


@_importer
@require_POST
def resume(request, pk):
    return _action(request, pk, services.request_resume)


@_importer
@require_POST
def remap(request, pk):
    return _action(request, pk, services.back_to_mapping)


@_importer
@require_POST
def undo(request, pk):
    job = _job_to_change(request, pk)
    try:
        result = services.undo_job(job, request.user)
    except UndoRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The import was undone: %(removed)d rows removed, %(restored)d "
                                    "restored.") % result)
    return _to_job(job)


@_importer
@require_GET
def errors(request, pk):
    """The invalid rows as they were in the file, each with its reasons (CSV, UTF-8 with BOM)."""
    job = services.job_for(request.user, pk)
    path = _error_file(job)
    if path is None:
        raise Http404("This import has no error file.")
    name = f"{Path(job.original_name).stem or 'import'}-errors.csv"
    # the invalid rows as they were in the file: personal data leaving Kehu, audited as an export
    audit.record(request.user, "export", job, changes={"error_file": [None, name], "rows": [None, job.error_count]})
    response = FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type="text/csv")
    response["Cache-Control"] = "no-store"
    return response

