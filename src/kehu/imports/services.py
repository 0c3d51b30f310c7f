"""Imports as the web wizard, the CLI and the background tasks share them.

The steps of an import job (statuses of ``ImportJob``):

    uploaded ──configure + request_check──▶ checking ──(worker: engine.check)──▶ checked
    checked ──request_run──▶ queued ──(worker: engine.run)──▶ running ──▶ done | failed | cancelled
    done | failed | cancelled ──undo_job──▶ undone;  failed | cancelled ──request_resume──▶ queued

Each ``request_*`` function moves the job on with one conditional UPDATE (a double click or a
stale page cannot queue a job twice) and hands the work to the worker after commit. The
``execute_*`` functions are what the tasks run; they never let an exception escape into the
queue: the job is marked failed with a message for the user, and the traceback goes to the log.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.env import setting_int
from kehu.imports import engine, fields, mapping, readers
from kehu.imports.fields import Target
from kehu.imports.models import ImportChange, ImportJob, MappingTemplate
from kehu.imports.undo import UndoRefused, undo

logger = logging.getLogger(__name__)

IMPORT_PERMISSION = "imports.import_data"
VIEW_ALL_PERMISSION = "imports.view_importjob"  # managers see (and may act on) the team's imports
# An import writes rows of the target's model, so it needs that model's "add" permission too.
TARGET_PERMISSIONS = {
    "customers": "customers.add_customer",
    "contacts": "customers.add_contact",
    "products": "orders.add_product",
    "orders": "orders.add_order",
    "interactions": "customers.add_interaction",
    "consents": "privacy.add_consent",
    "leads": "sales.add_lead",
}
DUPLICATE_CHOICES = ("create", "link", "skip")
Status = ImportJob.Status
ACTIVE = (Status.CHECKING, Status.QUEUED, Status.RUNNING)
FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)


class Cancelled(Exception):
    """The dry run was cancelled while it ran."""


# --- settings ----------------------------------------------------------------------------------

def max_upload_mb() -> int:
    return setting_int("KEHU_IMPORT_MAX_MB", 200)


def import_dir() -> Path:
    """Where uploaded files (and their error files) are kept: the data directory, never served."""
    return Path(getattr(settings, "KEHU_IMPORT_DIR", Path(settings.DATA_DIR) / "imports"))


# --- who may import what ---------------------------------------------------------------------

def may_import(user, target: str) -> bool:
    permission = TARGET_PERMISSIONS.get(target)
    return bool(user and permission and user.has_perm(IMPORT_PERMISSION) and user.has_perm(permission))


def allowed_targets(user) -> list[Target]:
    """The targets offered to ``user``: ``imports.import_data`` and the target model's add permission."""
    return [t for name, t in fields.targets().items() if may_import(user, name)]


def sees_all_jobs(user) -> bool:
    return user.is_superuser or user.has_perm(VIEW_ALL_PERMISSION)


def visible_jobs(user):
    """The user's own imports; every import for superusers and holders of imports.view_importjob."""
    if sees_all_jobs(user):
        return ImportJob.objects.all()
    return ImportJob.objects.filter(created_by=user)


def job_for(user, job_id) -> ImportJob:
    """A job the user may see; anyone else gets a 404, as for a missing one."""
    try:
        return visible_jobs(user).select_related("created_by").get(pk=job_id)
    except (ImportJob.DoesNotExist, ValueError, TypeError):
        raise Http404("No import matches the given query.") from None


# --- upload and set-up -----------------------------------------------------------------------

def store_upload(uploaded_file) -> Path:
    """Copy an uploaded file (streamed in chunks) to ``import_dir()`` under a random name (mode 600).

    The format is judged by content later (``readers.open_table``), so any name is accepted; only
    a plain suffix is kept. A file over ``KEHU_IMPORT_MAX_MB`` is a ValidationError."""
    limit_mb = max_upload_mb()
    limit = limit_mb * 1024 * 1024
    too_big = ValidationError(
        _("The file is larger than %(mb)d MB. Split it into smaller files, or ask an administrator "
          "to import it with the kehu import command.") % {"mb": limit_mb}, code="too_big")
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise too_big
    suffix = Path(uploaded_file.name or "").suffix.lower()
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ""
    folder = import_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{secrets.token_hex(16)}{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        written = 0
        with os.fdopen(fd, "wb") as out:
            for chunk in uploaded_file.chunks():
                written += len(chunk)
                if written > limit:  # the declared size may lie
                    raise too_big
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def custom_synonyms(target: str) -> dict[str, list[str]] | None:
    """Customers' custom fields as extra mapping choices (``custom:<key>``) with their names."""
    if target != "customers":
        return None
    from kehu.customers.models import CustomFieldDefinition

    return {f"custom:{d.key}": [d.label_en, d.label_zh, d.key] for d in CustomFieldDefinition.objects.all()}


def default_upsert_key(target: Target) -> str:
    return target.upsert_keys[0] if target.upsert_keys else ""


def create_job(user, target: str, path, original_name: str, encoding: str | None = None,
               sheet: str | None = None) -> ImportJob:
    """Open the file (a ``readers.ReadError`` propagates) and start a job with the suggested mapping."""
    definition = fields.targets().get(target)
    if definition is None:
        raise ValidationError(_("Unknown import target “%(target)s”.") % {"target": target})
    path = Path(path)
    table = readers.open_table(path, encoding=encoding or None, sheet=sheet or None)
    purge_expired()
    return ImportJob.objects.create(
        created_by=user, target=target, path=str(path.resolve()), original_name=(original_name or path.name)[:255],
        encoding=table.encoding or encoding or "", sheet=sheet or table.sheet or "",
        mapping=mapping.suggest(table.headers, definition, extra=custom_synonyms(target)),
        upsert_key=default_upsert_key(definition), language=translation.get_language() or "")


def open_table(job: ImportJob) -> readers.Table:
    return engine.open_job_table(job)


def configure(job: ImportJob, chosen: dict[str, str | None], upsert_key: str, on_error: str,
              duplicates: str, save_as: str | None = None, *, actor=None) -> ImportJob:
    """Set the mapping and options of a job not yet run; every problem in one ValidationError.

    ``save_as``: also keep the mapping (and options) as a template of the target under that name."""
    if job.status not in (Status.UPLOADED, Status.CHECKED):
        raise ValidationError(_("This import has already been started; its mapping cannot change."))
    target = fields.targets()[job.target]
    extra = custom_synonyms(job.target)
    problems = mapping.validate_mapping(chosen, target, extra=list(extra or ()))
    if upsert_key and upsert_key not in target.upsert_keys:
        problems.append(_("Existing records cannot be matched by “%(field)s”.") % {"field": upsert_key})
    if on_error not in ImportJob.OnError.values:
        problems.append(_("Choose what to do with invalid rows."))
    if duplicates not in DUPLICATE_CHOICES:
        problems.append(_("Choose what to do with possible duplicates."))
    if problems:
        raise ValidationError(problems)
    options = {"upsert_key": upsert_key, "on_error": on_error, "duplicates": duplicates}
    with transaction.atomic():
        if save_as and save_as.strip():
            MappingTemplate.objects.update_or_create(
                target=job.target, name=save_as.strip()[:100],
                defaults={"mapping": chosen, "options": options, "created_by": actor or job.created_by})
        job.mapping, job.upsert_key, job.on_error, job.duplicates = chosen, upsert_key, on_error, duplicates
        _reset_check(job)
        job.status = Status.UPLOADED
        job.save()
    return job


def _reset_check(job: ImportJob) -> None:
    job.summary, job.decisions, job.message = {}, {}, ""
    job.rows_total = job.rows_done = job.error_count = 0
    job.error_path = ""
    job.cancel_requested = False


def templates_for(target: str):
    return MappingTemplate.objects.filter(target=target).order_by("name")


def apply_template(template: MappingTemplate, headers: list[str], suggested: dict) -> dict:
    """The template's field for each header it names; other headers keep their suggestion unless
    the template already uses that field."""
    used = {v for h, v in template.mapping.items() if v and h in headers}
    return {h: template.mapping[h] if h in template.mapping else
            (suggested.get(h) if suggested.get(h) not in used else None) for h in headers}


# --- moving a job on -------------------------------------------------------------------------

def _move(job: ImportJob, allowed: Q, refusal: str, task: str, *, enqueue: bool, **changes) -> ImportJob:
    """One conditional UPDATE moves the job on (a double click or a stale page cannot queue it
    twice); the task is queued when the transaction commits."""
    with transaction.atomic():
        if not ImportJob.objects.filter(allowed, pk=job.pk).update(**changes):
            raise ValidationError(refusal)
        if enqueue:
            from kehu.imports import tasks

            transaction.on_commit(lambda: getattr(tasks, task).enqueue(job.pk))
    job.refresh_from_db()
    return job


def request_check(job: ImportJob, *, enqueue: bool = True) -> ImportJob:
    """Queue the dry run of a configured job."""
    return _move(job, Q(status__in=[Status.UPLOADED, Status.CHECKED]),
                 _("This import is not waiting for a dry run."), "check_import", enqueue=enqueue,
                 status=Status.CHECKING, rows_done=0, rows_total=0, summary={}, decisions={}, error_count=0,
                 error_path="", message="", cancel_requested=False)


def request_run(job: ImportJob, decisions: dict | None = None, *, enqueue: bool = True) -> ImportJob:
    """Queue the import of a checked job, with the user's decision on each possible duplicate
    ({row number: "link" | "create" | "skip"}; rows not named follow ``job.duplicates``)."""
    job.refresh_from_db()
    not_checked = _("Only an import whose dry run has finished can be started.")
    if job.status != Status.CHECKED:
        raise ValidationError(not_checked)
    if job.on_error == ImportJob.OnError.ABORT and job.error_count:
        raise ValidationError(_("Some rows are invalid and this import imports nothing when a row is "
                                "invalid: fix the file, or go back to the mapping and choose to skip "
                                "invalid rows."))
    rows = {str(d["row"]) for d in job.summary.get("duplicates", [])}
    chosen = {}
    for row, action in (decisions or {}).items():
        if str(row) not in rows or action not in DUPLICATE_CHOICES:
            raise ValidationError(_("Row %(row)s is not a possible duplicate of this import.") % {"row": row})
        chosen[str(row)] = action
    return _move(job, Q(status=Status.CHECKED), not_checked, "run_import", enqueue=enqueue,
                 status=Status.QUEUED, decisions=chosen, rows_done=0, counts={}, resume_after=0, message="",
                 cancel_requested=False, started_at=None, finished_at=None)


def request_resume(job: ImportJob, *, enqueue: bool = True) -> ImportJob:
    """Queue a failed or cancelled import again; it goes on after its last committed chunk."""
    return _move(job, Q(status__in=[Status.FAILED, Status.CANCELLED], resume_after__gt=0),
                 _("Only an import that stopped part-way can be resumed."), "run_import", enqueue=enqueue,
                 status=Status.QUEUED, message="", cancel_requested=False, finished_at=None)


def request_cancel(job: ImportJob) -> ImportJob:
    """Stop a dry run (back to the mapping) or an import (after the chunk it is writing)."""
    now = timezone.now()
    pending = ImportJob.objects.filter(pk=job.pk)
    if pending.filter(status=Status.CHECKING).update(status=Status.UPLOADED, cancel_requested=True, rows_done=0):
        pass  # the check task sees it at its next chunk (or when it starts) and stops
    elif pending.filter(status=Status.QUEUED).update(status=Status.CANCELLED, cancel_requested=True,
                                                     finished_at=now):
        pass  # not started (or a resume not picked up yet): the run task will find it cancelled
    elif not pending.filter(status=Status.RUNNING).update(cancel_requested=True):
        raise ValidationError(_("This import is not running."))
    job.refresh_from_db()
    return job


def back_to_mapping(job: ImportJob) -> ImportJob:
    """Change the mapping of a job after its dry run, or after a failure that imported nothing."""
    nothing_imported = Q(status__in=[Status.FAILED, Status.CANCELLED], started_at__isnull=True, resume_after=0)
    moved = ImportJob.objects.filter(Q(status=Status.CHECKED) | nothing_imported, pk=job.pk).update(
        status=Status.UPLOADED, summary={}, decisions={}, counts={}, rows_done=0, rows_total=0, error_count=0,
        error_path="", message="", cancel_requested=False, finished_at=None)
    if not moved:
        raise ValidationError(_("This import has already changed data; undo it instead."))
    job.refresh_from_db()
    return job


def can_remap(job: ImportJob) -> bool:
    return job.status == Status.CHECKED or (
        job.status in (Status.FAILED, Status.CANCELLED) and job.started_at is None and not job.resume_after)


def can_undo(job: ImportJob) -> bool:
    return job.status in FINISHED and ImportChange.objects.filter(job=job).exists()


def can_resume(job: ImportJob) -> bool:
    return job.status in (Status.FAILED, Status.CANCELLED) and job.resume_after > 0 and bool(job.path)


def keep_days() -> int:
    return setting_int("KEHU_IMPORT_KEEP_DAYS", 30)


def purge_expired(now=None) -> int:
    """Delete the uploaded files and error files of imports older than ``KEHU_IMPORT_KEEP_DAYS``
    (30): they hold the customers' personal data as it came in. The jobs stay, with their counts
    and what undo needs; one never started is closed as cancelled. Returns the jobs purged."""
    now = now or timezone.now()
    old = (ImportJob.objects.filter(created_at__lt=now - timedelta(days=keep_days()))
           .exclude(status__in=ACTIVE).exclude(path="", error_path=""))
    n = 0
    for job in old:
        for name in (job.path, job.error_path):
            if name:
                try:
                    Path(name).unlink(missing_ok=True)
                except OSError:
                    logger.warning("could not delete import file %s", name)
        changes = {"path": "", "error_path": ""}
        if job.status in (Status.UPLOADED, Status.CHECKED):
            with translation.override(_language(job)):
                changes |= {"status": Status.CANCELLED, "finished_at": now,
                            "message": _("The file was deleted after %(days)d days without being imported.")
                            % {"days": keep_days()}}
        n += ImportJob.objects.filter(pk=job.pk).update(**changes)
    return n


def undo_job(job: ImportJob, actor) -> dict:
    """Undo a finished, failed or cancelled import ({removed, restored}); UndoRefused says why not."""
    job.refresh_from_db()
    if job.status not in FINISHED:
        raise UndoRefused(_("Only a finished, failed or cancelled import can be undone."))
    return undo(job, actor)


# --- what the background tasks run -----------------------------------------------------------

def recover_interrupted() -> int:
    """Jobs a worker was running when it stopped (a crash, a restart): an import becomes a failed
    one that can be resumed after its last committed chunk (or undone); a dry run goes back to
    the mapping. Called when the long-running worker starts."""
    now = timezone.now()
    n = 0
    for job in ImportJob.objects.filter(status=Status.RUNNING, resume_after__gt=0):
        with translation.override(_language(job)):
            message = _("The import was interrupted (the server stopped); the rows up to row %(row)d were "
                        "imported. Resume it to import the rest, or undo it.") % {"row": job.resume_after}
        n += ImportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
            status=Status.FAILED, message=message, finished_at=now)
    # Nothing committed yet: the dry run still stands, the user can start the import again.
    n += ImportJob.objects.filter(status=Status.RUNNING, resume_after=0).update(
        status=Status.CHECKED, started_at=None, rows_done=0)
    n += ImportJob.objects.filter(status=Status.CHECKING).update(status=Status.UPLOADED, rows_done=0)
    return n


def _fail(job_id: int, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).update(status=Status.FAILED, message=message, finished_at=timezone.now())


def _language(job: ImportJob) -> str:
    return job.language or settings.LANGUAGE_CODE


def execute_check(job_id: int) -> ImportJob:
    """The dry run of a job queued by ``request_check``. Idempotent: any other status is left alone."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != Status.CHECKING or job.cancel_requested:
        return job

    def progress(rows: int) -> None:
        # one UPDATE per chunk: the progress, and whether the user has cancelled meanwhile
        if not ImportJob.objects.filter(pk=job_id, status=Status.CHECKING, cancel_requested=False).update(
                rows_done=rows):
            raise Cancelled

    with translation.override(_language(job)):
        if not may_import(job.created_by, job.target):
            _fail(job_id, _no_longer())
            return ImportJob.objects.get(pk=job_id)
        try:
            engine.check(job, progress=progress)
        except Cancelled:
            pass
        except readers.ReadError as exc:
            _fail(job_id, exc.message)
        except Exception:
            logger.exception("dry run of import job %s failed", job_id)
            _fail(job_id, _("The dry run failed because of an unexpected error; nothing was imported. "
                            "An administrator can find the details in the server log."))
    job.refresh_from_db()
    return job


def _no_longer() -> str:
    return _("The person who started this import may no longer import this data.")


def execute_run(job_id: int) -> ImportJob:
    """The import of a job queued by ``request_run`` or ``request_resume``. Idempotent."""
    if not ImportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(status=Status.RUNNING):
        return ImportJob.objects.get(pk=job_id)  # cancelled before it started, or already run
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    with translation.override(_language(job)):
        if not may_import(job.created_by, job.target):
            _fail(job_id, _no_longer())
            return ImportJob.objects.get(pk=job_id)
        try:
            engine.run(job)
        except readers.ReadError as exc:
            logger.warning("import job %s stopped: the file could not be read", job_id, exc_info=True)
            if job.status != Status.FAILED:  # raised before the engine could say so itself
                _fail(job_id, exc.message)
        except Exception:
            logger.exception("import job %s failed", job_id)
            if job.resume_after:
                message = _("The import stopped at row %(row)d because of an unexpected error. The rows "
                            "before it were imported: resume it, or undo it. An administrator can find "
                            "the details in the server log.") % {"row": job.resume_after + 1}
            else:
                message = _("The import failed because of an unexpected error; nothing was imported. "
                            "An administrator can find the details in the server log.")
            _fail(job_id, message)
    job.refresh_from_db()
    return job
