"""kehu import TARGET FILE: the wizard's engine from the command line, with a progress bar."""

import json
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from kehu.imports import engine, fields, readers, services
from kehu.imports.models import ImportJob, MappingTemplate
from kehu.imports.undo import UndoRefused, undo


class Command(BaseCommand):
    help = ("Import customers, contacts, products, orders, interactions or consents from CSV/XLSX. "
            "Without --mapping the columns are matched by their headers (English or Chinese).")

    def add_arguments(self, parser):
        parser.add_argument("target", nargs="?", choices=sorted(fields.targets()))
        parser.add_argument("file", nargs="?")
        parser.add_argument("--mapping", help="a saved mapping template's name, or a JSON file {header: field}")
        parser.add_argument("--save-mapping", metavar="NAME", help="save the mapping used as a template")
        parser.add_argument("--dry-run", action="store_true", help="check and count, change nothing")
        parser.add_argument("--on-error", choices=["skip", "abort"], default="skip",
                            help="skip invalid rows and import the rest (default), or import nothing")
        parser.add_argument("--key", default=None,
                            help="match existing records by this field (external_id, phone, email, "
                                 "registration_number; sku for products)")
        parser.add_argument("--duplicates", choices=["create", "link", "skip"], default="create",
                            help="possible duplicates of existing customers: create (and queue for "
                                 "review), link (update the existing customer) or skip")
        parser.add_argument("--encoding", help="override the detected encoding (e.g. gb18030)")
        parser.add_argument("--sheet", help="XLSX sheet (default: the first)")
        parser.add_argument("--user", help="import as this user (owner of new customers, audit)")
        parser.add_argument("--resume", type=int, metavar="JOB", help="resume a crashed import job")
        parser.add_argument("--undo", type=int, metavar="JOB", help="undo an import job")

    def handle(self, *args, **opts):
        user = self._user(opts["user"])
        if opts["undo"]:
            try:
                result = undo(ImportJob.objects.get(pk=opts["undo"]), user)
            except (ImportJob.DoesNotExist, UndoRefused) as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"undone: {result['removed']:,} rows removed, {result['restored']:,} restored")
            return
        if opts["resume"]:
            job = ImportJob.objects.get(pk=opts["resume"])
            return self._run(job, dry_run=False)
        if not opts["target"] or not opts["file"]:
            raise CommandError("usage: kehu import TARGET FILE [options]")
        target = fields.targets()[opts["target"]]
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        key = opts["key"] if opts["key"] is not None else services.default_upsert_key(target)
        with transaction.atomic():  # a mapping that cannot run leaves no job behind
            try:
                job = services.create_job(user, opts["target"], path, path.name, encoding=opts["encoding"],
                                          sheet=opts["sheet"])
            except readers.ReadError as exc:
                raise CommandError(str(exc.message)) from None
            chosen = self._mapping(opts["mapping"], opts["target"])
            if chosen is None:
                chosen = job.mapping
            self.stdout.write("mapping: " + ", ".join(f"{h} → {k}" for h, k in chosen.items() if k))
            try:
                services.configure(job, chosen, key if key in target.upsert_keys else "", opts["on_error"],
                                   opts["duplicates"], save_as=opts["save_mapping"], actor=user)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None
        self._run(job, dry_run=opts["dry_run"])

    def _run(self, job, *, dry_run):
        bar = tqdm(unit=" rows", unit_scale=True, desc="checking" if dry_run else "importing",
                   total=job.rows_total or None)

        def progress(done):
            bar.update(done - bar.n)

        started = time.perf_counter()
        try:
            if dry_run:
                engine.check(job, progress=progress)
            else:
                engine.run(job, progress=progress)
        except readers.ReadError as exc:
            raise CommandError(str(exc.message)) from None
        finally:
            bar.close()
        seconds = time.perf_counter() - started
        job.refresh_from_db()
        rows = job.rows_total if dry_run else job.rows_done
        self.stdout.write(f"import #{job.pk}: {job.get_status_display()} "
                          f"({rows:,} rows in {seconds:.1f} s, {rows / max(seconds, 1e-9):,.0f} rows/s)")
        if dry_run:
            s = job.summary
            self.stdout.write(f"  would create {s['create']:,}, update {s['update']:,}; "
                              f"possible duplicates {s['duplicate']:,}; invalid rows {s['invalid']:,}")
        else:
            self.stdout.write("  " + ", ".join(f"{k} {v:,}" for k, v in job.counts.items()))
        if job.message:
            self.stdout.write("  " + job.message)
        if job.error_path:
            self.stdout.write(f"  invalid rows with their reasons: {job.error_path}")

    def _mapping(self, name, target_name):
        """The mapping named by --mapping (a template or a JSON file); None: the suggested one."""
        if not name:
            return None
        file = Path(name)
        if file.suffix == ".json" and file.is_file():
            return json.loads(file.read_text("utf-8"))
        template = MappingTemplate.objects.filter(target=target_name, name=name).first()
        if template is None:
            raise CommandError(f"no mapping template {name!r} for {target_name}")
        return template.mapping

    def _user(self, username):
        users = get_user_model().objects
        if username:
            try:
                return users.get(username=username)
            except users.model.DoesNotExist:
                raise CommandError(f"no user {username!r}") from None
        return users.filter(is_superuser=True).order_by("pk").first()

