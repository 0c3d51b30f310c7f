"""Running an import: read → parse → plan → (write) in chunks, with a report of every bad row.

Two passes when needed. The *check* pass (a dry run, or the first half of an "abort" import) reads
the whole file, writes nothing and counts what would be created, updated, flagged as a possible
duplicate or rejected. The *apply* pass commits one chunk per transaction and records where it got
(``resume_after``), so a crashed import resumes after its last committed chunk and a cancelled
one stops there; every created or changed row is recorded in ``ImportChange`` for undo.
"""

from __future__ import annotations

import csv
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.db import id_ranges
from kehu.exports.writers import safe_cell
from kehu.imports import fields, readers, writing
from kehu.imports.models import ImportChange, ImportJob
from kehu.imports.seen import SeenKeys, hashes
from kehu.imports.targets import handler_for
from kehu.imports.targets.base import DUPLICATE, Chunk
from kehu.imports.validate import ROW, BatchParser, RowError, custom_field
from kehu.imports.writer import ChunkWriter

CHUNK = 20_000


def chunk_rows(handler) -> int:
    """SQLite has one writer at a time, and a chunk's transaction makes a user's save wait for it:
    there a chunk holds about a second of writing (5,000 customers, 20,000 order lines)."""
    if connection.vendor == "sqlite":
        return min(CHUNK, handler.sqlite_chunk)
    return CHUNK
ANALYZE_AFTER = 50_000  # rows: a bigger import refreshes the planner's statistics of what it grew
PREVIEW_DUPLICATES = 200  # possible duplicates listed in the dry run for the user to decide on


class Changes:
    """Collects what a chunk created and changed; written with the chunk, read by undo."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.cols = {"job_id": [], "model": [], "object_id": [], "action": [], "before": [], "ranges": []}

    def _add(self, model: str, pk: int, action: str, before, ranges=None) -> None:
        self.cols["job_id"].append(self.job.pk)
        self.cols["model"].append(model)
        self.cols["object_id"].append(int(pk))
        self.cols["action"].append(action)
        self.cols["before"].append(None if before is None else writing.as_json([before])[0])
        self.cols["ranges"].append(None if ranges is None else writing.as_json([ranges])[0])

    def created(self, model, ids) -> None:
        ids = np.unique(np.asarray(ids, dtype=np.int64))
        if len(ids):
            self._add(model._meta.label_lower, ids[0], ImportChange.Action.CREATED, None, id_ranges(ids))

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


@dataclass
class _Part:
    """Parsed rows of the file not yet handed out (all of them, valid or not)."""

    frame: pl.DataFrame
    errors: list[RowError]
    raw: readers.Batch

    def split(self, at: int) -> tuple[_Part, _Part]:
        """Rows before position ``at`` and from it on."""
        head_rows = set(self.frame[ROW][:at].to_list())
        head_errors = [e for e in self.errors if e.row in head_rows]
        tail_errors = [e for e in self.errors if e.row not in head_rows]
        return (_Part(self.frame[:at], head_errors, _slice(self.raw, 0, at)),
                _Part(self.frame[at:], tail_errors, _slice(self.raw, at, len(self.raw))))

    @staticmethod
    def join(a: _Part | None, b: _Part) -> _Part:
        if a is None or not a.frame.height:
            return b
        raw = readers.Batch(np.concatenate([a.raw.numbers, b.raw.numbers]), pl.concat([a.raw.frame, b.raw.frame]),
                            {**a.raw.long_rows, **b.raw.long_rows})
        return _Part(pl.concat([a.frame, b.frame]), a.errors + b.errors, raw)


def _slice(batch: readers.Batch, start: int, stop: int) -> readers.Batch:
    numbers = batch.numbers[start:stop]
    kept = set(numbers.tolist()) if batch.long_rows else set()
    return readers.Batch(numbers, batch.frame[start:stop], {n: c for n, c in batch.long_rows.items() if n in kept})


@dataclass
class Piece:
    """One chunk for the handler: its valid rows, its problems, its raw rows (error file)."""

    chunk: Chunk
    errors: list[RowError]
    raw: readers.Batch
    last: int  # the file row the chunk ends at


class _Pass:
    def __init__(self, job: ImportJob, table, *, error_file: Path | None):
        self.job = job
        self.table = table
        self.target = fields.targets()[job.target]
        extra = extra_fields(job.target)
        self.parser = BatchParser(self.target, table.headers, job.mapping, extra_fields=extra)
        self.fields = {f.key: f for f in (*self.target.fields, *extra)}
        self.handler = handler_for(job, job.created_by)
        # value → first row, per key; a key may span columns (phone, phone2: one phone is one customer's)
        self.seen = {(k if isinstance(k, str) else k[0]): ((k,) if isinstance(k, str) else tuple(k[1]), SeenKeys())
                     for k in self.handler.unique_in_file}
        self.groups = SeenKeys()  # order numbers whose lines have begun
        self.open_group: str | None = None
        self.errors = 0
        self.bad_rows = 0
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
            if not self.bad_rows:  # a header alone: no error file to offer
                self.error_file.unlink(missing_ok=True)

    def chunks(self, after: int = 0) -> Iterator[Piece]:
        """``_chunks``, read ahead by a thread: reading, parsing and the handler's ``prepare`` (no
        database) of the next chunks overlap the database work on this one (polars and the
        database driver release the GIL while they work)."""
        return ahead(self._chunks(after), language=translation.get_language())

    def _chunks(self, after: int = 0) -> Iterator[Piece]:
        """Chunks of about CHUNK rows after file row ``after`` (rows up to it only fill the in-file
        keys). An order's lines stay in one chunk: a chunk ends before the first line of the order
        that is still open at the end of a batch."""
        group_key = self.handler.group_key
        carry: _Part | None = None
        for batch in self.table.batches(chunk_rows(self.handler)):
            frame, problems = self.parser.parse(batch)
            problems += self._in_file(frame, group_key)
            part = _Part.join(carry, _Part(frame, problems, batch))
            if after and part.frame[ROW][-1] <= after:
                carry = None
                continue
            if after and part.frame[ROW][0] <= after:
                part = part.split(int((part.frame[ROW] <= after).sum()))[1]
            cut = _last_run_start(part.frame, group_key)
            if cut == 0:
                carry = part
                continue
            ready, carry = part.split(cut) if cut is not None else (part, None)
            yield self._piece(ready)
        if carry is not None and carry.frame.height:
            yield self._piece(carry)

    def _piece(self, part: _Part) -> Piece:
        bad = {e.row for e in part.errors}
        good = part.frame.filter(~pl.col(ROW).is_in(list(bad))) if bad else part.frame
        chunk = Chunk(good, self.fields)
        self.handler.prepare(chunk)
        return Piece(chunk, part.errors, part.raw, int(part.frame[ROW][-1]))

    def _in_file(self, frame: pl.DataFrame, group_key: str | None) -> list[RowError]:
        """Keys that must be unique in the file, and orders whose lines are not together."""
        problems = []
        rows = frame[ROW].to_numpy()
        for label, (columns, seen) in self.seen.items():
            columns = [c for c in columns if c in frame.columns]
            if not columns:
                continue
            # every cell of the key's columns in file order (row, then column)
            cells = pl.concat([frame.select(pl.col(ROW), pl.lit(c).alias("column"), pl.lit(i).alias("i"),
                                            pl.col(c).cast(pl.Utf8).alias("value")) for i, c in enumerate(columns)])
            cells = cells.filter(pl.col("value").is_not_null()).sort(ROW, "i")
            if not cells.height:
                continue
            at = cells[ROW].to_numpy()
            first = seen.first_rows(hashes(cells["value"]), at)
            again = np.flatnonzero(first != at)
            name = label.replace("_", " ")
            for i in again.tolist():
                problems.append(RowError(int(at[i]), cells["column"][i], cells["value"][i],
                                         _("the same %(field)s as row %(row)d") % {"field": name, "row": int(first[i])}))
        if group_key and group_key in frame.columns:
            problems += self._scattered_groups(frame, group_key, rows)
        return problems

    def _scattered_groups(self, frame, group_key, rows) -> list[RowError]:
        present = frame[group_key].is_not_null().to_numpy()
        if not present.any():
            return []
        values = frame[group_key].filter(pl.Series(present)).cast(pl.Utf8)
        previous = values.shift(1, fill_value=self.open_group)
        starts = (values != previous).fill_null(True).to_numpy()
        self.open_group = values[-1]
        run = np.cumsum(starts) - 1  # the run each line belongs to
        start_rows = rows[present][starts]
        first = self.groups.first_rows(hashes(values.filter(pl.Series(starts))), start_rows)
        scattered = first != start_rows  # this order's lines began earlier, elsewhere
        if not scattered.any():
            return []
        message = _("the lines of one order must be next to each other")
        lines = np.flatnonzero(scattered[run])
        return [RowError(int(rows[present][i]), group_key, values[i], message) for i in lines.tolist()]

    def report(self, piece: Piece, extra: list[RowError] = ()) -> None:
        errors = piece.errors + list(extra)
        by_row: dict[int, list[RowError]] = {}
        for e in sorted(errors, key=lambda e: e.row):
            by_row.setdefault(e.row, []).append(e)
        self.errors += len(errors)
        self.bad_rows += len(by_row)
        if self._writer is None or not by_row:
            return
        # the original rows, in file order, with every reason in one column
        positions = np.flatnonzero(np.isin(piece.raw.numbers, list(by_row)))
        for number, cells in zip(piece.raw.numbers[positions].tolist(), piece.raw.cells(positions), strict=True):
            text = "; ".join(f"{e.column}: {e.reason}" + (f" ({e.value})" if e.value else "") if e.column else e.reason
                             for e in by_row[number])
            self._writer.writerow([_safe(c) for c in cells] + [_safe(text)])


AHEAD = 2  # chunks prepared ahead of the one being written


def ahead(items: Iterator, *, language: str | None, depth: int = AHEAD) -> Iterator:
    """Yield ``items``, produced by a thread up to ``depth`` ahead (in ``language``); its
    exceptions are raised here, and closing this generator stops it."""
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def send(entry) -> bool:
        """Put, unless the consumer has gone (it stops reading: a full queue would block for ever)."""
        while not stop.is_set():
            try:
                out.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        with translation.override(language):
            try:
                for item in items:
                    if not send((item, None)):
                        return
                send((done, None))
            except BaseException as exc:  # handed to the consumer, which raises it
                send((done, exc))
            finally:
                items.close()

    worker = threading.Thread(target=produce, name="import-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item, error = out.get()
            if item is done:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        worker.join()


def _last_run_start(frame: pl.DataFrame, group_key: str | None) -> int | None:
    """Where the last order of the frame begins (None: no groups, the frame can go whole)."""
    if not group_key or group_key not in frame.columns or not frame.height:
        return None
    values = frame[group_key]
    last = values[-1]
    if last is None:
        return None
    same = (values == last).fill_null(False).to_numpy()
    differs = np.flatnonzero(~same)
    return int(differs[-1]) + 1 if len(differs) else 0


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
        for piece in run.chunks():
            plan = run.handler.plan(piece.chunk)
            run.report(piece, plan.errors)
            for action, n in plan.frame.group_by("action").len().iter_rows():
                counts[action if action in counts else "skip"] += n
            wanted = PREVIEW_DUPLICATES - len(duplicates)
            if wanted > 0:
                for d in (plan.frame.filter(pl.col("action") == DUPLICATE).head(wanted)
                          .iter_rows(named=True)):
                    duplicates.append({"row": d[ROW], "customer_id": d["target_id"],
                                       "probability": round(d["probability"], 3), "reason": d["reason"] or "",
                                       "name": d["name"] or ""})
            counts["rows"] += len(piece.raw)
            if progress:
                progress(counts["rows"])
    finally:
        run.close()
    counts["invalid"] = run.bad_rows
    job.summary = {**counts, "duplicates": duplicates, "errors": run.errors}
    job.rows_total = counts["rows"]
    job.error_count = run.bad_rows
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

    def write(item) -> None:
        """One chunk, in its transaction (in the writer's thread): the rows, the job's progress."""
        piece, plan = item
        changes = Changes(job)
        done = run_.handler.apply(plan, changes)
        changes.flush()
        for key, value in done.items():
            counts[key] = counts.get(key, 0) + value
        counts["invalid"] = counts.get("invalid", 0) + len({e.row for e in piece.errors + plan.errors})
        job.resume_after = piece.last
        job.rows_done += len(piece.raw)
        job.counts = counts
        job.save(update_fields=["resume_after", "rows_done", "counts"])
        run_.report(piece, plan.errors)
        if progress:
            progress(job.rows_done)

    writer = ChunkWriter(write)
    try:
        try:
            for piece in run_.chunks(after=job.resume_after):
                if ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists():
                    job.status = ImportJob.Status.CANCELLED
                    break
                writer.submit((piece, run_.handler.plan(piece.chunk)))
        finally:
            writer.close()
        if job.status != ImportJob.Status.CANCELLED:
            job.status = ImportJob.Status.DONE
        if job.rows_done >= ANALYZE_AFTER:
            writing.analyze(run_.handler.grows)
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

