"""Running an import: read → parse → plan → (write) in chunks, with a report of every bad row.

Two passes when needed. The *check* pass (a dry run, or the first half of an "abort" import) reads
the whole file, writes nothing and counts what would be created, updated, flagged as a possible
duplicate or rejected. The *apply* pass commits one chunk per transaction and records where it got
(``resume_after``), so a crashed import resumes after its last committed chunk and a cancelled
one stops there; every created or changed row is recorded in ``ImportChange`` for undo.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.exports.writers import safe_cell
from kehu.imports import fields, readers, writing
from kehu.imports.models import ImportChange, ImportJob
from kehu.imports.seen import SeenKeys
from kehu.imports.targets import handler_for
from kehu.imports.targets.base import DUPLICATE
from kehu.imports.validate import Row, RowError, RowParser, custom_field

CHUNK = 5_000
PREVIEW_DUPLICATES = 200  # possible duplicates listed in the dry run for the user to decide on


class Changes:
    """Collects what a chunk created and changed; written with the chunk, read by undo."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.cols = {"job_id": [], "model": [], "object_id": [], "action": [], "before": []}

    def _add(self, model: str, pk: int, action: str, before) -> None:
        self.cols["job_id"].append(self.job.pk)
        self.cols["model"].append(model)
        self.cols["object_id"].append(int(pk))
        self.cols["action"].append(action)
        self.cols["before"].append(None if before is None else writing.as_json([before])[0])

    def created(self, model, ids) -> None:
        for pk in ids:
            self._add(model._meta.label_lower, pk, ImportChange.Action.CREATED, None)

    def updated(self, model, pk, before: dict) -> None:
        self._add(model._meta.label_lower, pk, ImportChange.Action.UPDATED, before)

    def tagged(self, customer_id: int, tag_ids: list[int]) -> None:
        self._add("customers.customer_tags", customer_id, ImportChange.Action.CREATED, {"tags": tag_ids})

    def flush(self) -> None:
        writing.write(ImportChange, self.cols)
        self.cols = {k: [] for k in self.cols}


def extra_fields(target: str) -> list:
    if target != "customers":
        return []
    from kehu.customers.models import CustomFieldDefinition

    return [custom_field(d) for d in CustomFieldDefinition.objects.all()]


def open_job_table(job: ImportJob):
    return readers.open_table(job.path, encoding=job.encoding or None, sheet=job.sheet or None)


class _Pass:
    def __init__(self, job: ImportJob, table, *, error_file: Path | None):
        self.job = job
        self.table = table
        self.target = fields.targets()[job.target]
        self.parser = RowParser(self.target, table.headers, job.mapping, extra_fields=extra_fields(job.target))
        self.handler = handler_for(job, job.created_by)
        self.seen = SeenKeys()  # (field, value) → first row, for duplicate keys inside the file
        self.closed_groups = SeenKeys()  # order numbers whose lines are behind us
        self.open_group: str | None = None
        self.errors = 0
        self.bad_rows: set[int] = set()
        self.error_file = error_file
        self._writer = None
        self._out = None
        if error_file is not None:
            self._out = error_file.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._out)
            self._writer.writerow([_safe(h) for h in table.headers] + [_safe(_("error"))])

    def close(self):
        if self._out:
            self._out.close()

    def chunks(self, after: int = 0) -> Iterator[tuple[list[Row], list[RowError], dict]]:
        """Parsed chunks after file row ``after`` (rows up to it only fill the in-file keys): the
        good rows, the problems, and the original cells of every row (for the error file)."""
        group_key = getattr(self.handler, "group_key", None)
        rows, errors, cells_of, last_group = [], [], {}, None
        for number, cells in self.table.rows():
            row, problems = self.parser.parse(number, cells)
            problems += self._in_file(row, group_key)
            if number <= after:
                continue
            group = str(row.data.get(group_key)) if group_key and row.data.get(group_key) else None
            if len(cells_of) >= CHUNK and (group is None or group != last_group):
                # an order's lines stay together: cut before the first line of the next order
                self.seen.flush()
                self.closed_groups.flush()
                yield rows, errors, cells_of
                rows, errors, cells_of = [], [], {}
            last_group = group
            cells_of[number] = cells
            if problems:
                errors.extend(problems)
            else:
                rows.append(row)
        if cells_of:
            yield rows, errors, cells_of

    def _in_file(self, row: Row, group_key) -> list[RowError]:
        problems = []
        for key, value in self.handler.file_keys(row):
            first = self.seen.first_row((key, value), row.number)
            if first != row.number:
                problems.append(RowError(row.number, key, value, _("the same %(field)s as row %(row)d")
                                         % {"field": key.replace("_", " "), "row": first}))
        group = str(row.data[group_key]) if group_key and row.data.get(group_key) else None
        if group is not None and group in self.closed_groups:
            problems.append(RowError(row.number, group_key, group,
                                     _("the lines of one order must be next to each other")))
        elif group is not None:
            if self.open_group not in (None, group):
                self.closed_groups.add(self.open_group)
            self.open_group = group
        return problems

    def report(self, errors: list[RowError], cells_of: dict) -> None:
        by_row: dict[int, list[RowError]] = {}
        for e in errors:
            by_row.setdefault(e.row, []).append(e)
        self.errors += len(errors)
        self.bad_rows.update(by_row)
        if self._writer is None:
            return
        # the original rows, in file order, with every reason in one column
        for number in sorted(by_row):
            cells = cells_of.get(number) or []
            text = "; ".join(f"{e.column}: {e.reason}" + (f" ({e.value})" if e.value else "") if e.column else e.reason
                             for e in by_row[number])
            self._writer.writerow([_safe(c) for c in cells] + [_safe(text)])


def _safe(value) -> str:
    """A cell of the error file: as text, never run as a formula by a spreadsheet."""
    return safe_cell("" if value is None else str(value))


def _error_path(job: ImportJob) -> Path:
    return Path(job.path).with_name(Path(job.path).name + ".errors.csv")


def check(job: ImportJob, *, progress: Callable[[int], None] | None = None) -> ImportJob:
    """The dry run: nothing is written; ``job.summary`` says what the import would do."""
    table = open_job_table(job)
    run = _Pass(job, table, error_file=_error_path(job))
    counts = {"create": 0, "update": 0, "duplicate": 0, "skip": 0, "invalid": 0, "rows": 0}
    duplicates = []
    try:
        for rows, errors, cells_of in run.chunks():
            plan = run.handler.plan(rows)
            run.report(errors + plan.errors, cells_of)
            for p in plan.rows:
                counts[p.action if p.action in counts else "skip"] += 1
                if p.action == DUPLICATE and len(duplicates) < PREVIEW_DUPLICATES:
                    duplicates.append({"row": p.row.number, "customer_id": p.target_id,
                                       "probability": round(p.probability, 3), "reason": str(p.reason),
                                       "name": str(p.row.data.get("display_name") or p.row.data.get("legal_name") or "")})
            counts["rows"] += len(cells_of)
            if progress:
                progress(counts["rows"])
    finally:
        run.close()
    counts["invalid"] = len(run.bad_rows)
    job.summary = {**counts, "duplicates": duplicates, "errors": run.errors}
    job.rows_total = counts["rows"]
    job.error_count = len(run.bad_rows)
    job.error_path = str(run.error_file) if run.bad_rows else ""
    job.status = ImportJob.Status.CHECKED
    job.save()
    return job


def run(job: ImportJob, *, progress: Callable[[int], None] | None = None) -> ImportJob:
    """Apply the import (after a check pass when invalid rows must abort it)."""
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.UNDONE):
        return job
    # A dry run the user confirmed (its summary stands until the mapping changes) is the check
    # pass an "abort" import needs; repeating it would also move the job back to "checked".
    checked = job.status == ImportJob.Status.CHECKED or (bool(job.summary) and not job.resume_after)
    if job.on_error == ImportJob.OnError.ABORT and not checked:
        check(job)
    if job.on_error == ImportJob.OnError.ABORT and job.error_count:
        job.status = ImportJob.Status.FAILED
        job.message = _("%(n)d rows are invalid; nothing was imported (see the error file).") % {"n": job.error_count}
        job.finished_at = timezone.now()
        job.save()
        return job
    job.status = ImportJob.Status.RUNNING
    job.started_at = job.started_at or timezone.now()
    job.save(update_fields=["status", "started_at"])
    table = open_job_table(job)
    resuming = job.resume_after > 0
    path = _error_path(job)
    run_ = _Pass(job, table, error_file=None if resuming else path)
    counts = dict(job.counts) if resuming else {}
    try:
        for rows, errors, cells_of in run_.chunks(after=job.resume_after):
            if ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists():
                job.status = ImportJob.Status.CANCELLED
                break
            last = max(cells_of)
            with transaction.atomic():
                plan = run_.handler.plan(rows)
                changes = Changes(job)
                done = run_.handler.apply(plan, changes)
                changes.flush()
                for key, value in done.items():
                    counts[key] = counts.get(key, 0) + value
                counts["invalid"] = counts.get("invalid", 0) + len({e.row for e in errors + plan.errors})
                job.resume_after = last
                job.rows_done += len(cells_of)
                job.counts = counts
                job.save(update_fields=["resume_after", "rows_done", "counts"])
            run_.report(errors + plan.errors, cells_of)
            if progress:
                progress(job.rows_done)
        else:
            job.status = ImportJob.Status.DONE
    except Exception as exc:
        job.status = ImportJob.Status.FAILED
        job.message = _("The import stopped at row %(row)d: %(error)s") % {"row": job.resume_after + 1, "error": exc}
        raise
    finally:
        run_.close()
        job.error_count = counts.get("invalid", 0)
        if not resuming:
            job.error_path = str(path) if job.error_count else ""
        job.finished_at = timezone.now()
        job.save()
        if job.status in (ImportJob.Status.DONE, ImportJob.Status.CANCELLED):
            _audit(job)
    return job


def _audit(job: ImportJob) -> None:
    from kehu.privacy import audit

    audit.record(job.created_by, "create", job, changes={"counts": [None, job.counts]})

