import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Identify customers across channels. "
            "scan: find duplicate groups in the customer file and fill the review queue; "
            "index: rebuild every customer's match keys; "
            "dedupe: deduplicate a CSV file before import (no database).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        scan = sub.add_parser("scan", help="Find duplicates across the customer file (progress bar).")
        scan.add_argument("--enqueue", action="store_true", help="Queue it for `kehu worker` instead.")
        scan.add_argument("--no-progress", action="store_true")
        index = sub.add_parser("index", help="Rebuild the match profiles and keys of every customer.")
        index.add_argument("--no-progress", action="store_true")
        dedupe = sub.add_parser("dedupe", help="Deduplicate a CSV file: id,cluster_id for every row.")
        dedupe.add_argument("input", type=Path)
        dedupe.add_argument("--out", type=Path, required=True, help="Write id,cluster_id here.")
        dedupe.add_argument("--pairs", type=Path, help="Also write id_l,id_r,match_probability here.")
        dedupe.add_argument("--column", action="append", default=[], metavar="FIELD=COLUMN",
                            help="Map a column to a field (repeat; COLUMN may be a+b to join several).")
        dedupe.add_argument("--threshold", type=float, default=None,
                            help="Match probability needed to put two rows in one group (default 0.7).")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _bar(self, unit, no_progress):
        if no_progress:
            return None
        from tqdm import tqdm

        return tqdm(total=0, unit=unit, unit_scale=True, file=self.stderr, dynamic_ncols=True)

    def _scan(self, *, enqueue, no_progress, **_):
        from kehu.identity import services

        try:
            run = services.request_scan(None, enqueue=enqueue)
        except services.ScanAlreadyActive as exc:
            raise CommandError(str(exc)) from None
        if enqueue:
            self.stdout.write(f"Duplicate scan #{run.pk} queued; `kehu worker` will execute it.")
            return
        bar = self._bar(" customers", no_progress)
        state = {"step": None}

        def progress(run, done, total):
            if bar is None:
                return
            if run.step != state["step"]:
                state["step"] = run.step
                bar.set_description(run.step)
                bar.reset(total=total or 0)
            bar.n = done
            bar.refresh()

        try:
            run = services.execute_scan(run.pk, progress=progress)
        except Exception as exc:
            raise CommandError(f"Duplicate scan #{run.pk} failed: {exc!r}") from None
        finally:
            if bar is not None:
                bar.close()
        timings = ", ".join(f"{k} {v:.1f} s" for k, v in run.stats.get("timings", {}).items())
        self.stdout.write(self.style.SUCCESS(
            f"Duplicate scan #{run.pk}: {run.records:,} customers, {run.pairs:,} pairs compared, "
            f"{run.clusters:,} groups, {run.proposed:,} pairs in the review queue ({timings})"))

    def _index(self, *, no_progress, **_):
        from kehu.identity import profiles

        bar = self._bar(" customers", no_progress)
        started = time.perf_counter()

        def progress(done, total):
            if bar is not None:
                bar.total = total
                bar.n = done
                bar.refresh()

        n = profiles.rebuild_all(progress=progress)
        if bar is not None:
            bar.close()
        self.stdout.write(self.style.SUCCESS(
            f"Indexed {n:,} customers in {time.perf_counter() - started:.1f} s"))

    def _dedupe(self, *, input, out, pairs, column, threshold, **_):  # noqa: A002
        from kehu.identity import files, pipeline

        started = time.perf_counter()
        try:
            raw = files.map_columns(files.read_table(input), column)
            result = files.dedupe(raw, threshold=threshold or pipeline.LINK_THRESHOLD)
        except (files.FileError, OSError) as exc:
            raise CommandError(str(exc)) from None
        result.clusters.write_csv(out)
        if pairs:
            result.pairs.write_csv(pairs)
        self.stdout.write(self.style.SUCCESS(
            f"{result.records:,} rows → {result.duplicate_groups:,} duplicate groups "
            f"({result.pairs.height:,} pairs at or above the threshold) in "
            f"{time.perf_counter() - started:.1f} s; wrote {out}" + (f" and {pairs}" if pairs else "")))
