"""kehu export customers|orders|customer ID: the export engine from the command line, as a user.

Thin, like the export pages: the rows (visibility, filters, sort), masking, permission and audit
are ``kehu.exports.services``; this command picks the user and writes the engine's chunks to a file.
"""

import os
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils import timezone, translation

from kehu.customers import listing as customer_listing
from kehu.customers.access import access_customer
from kehu.customers.models import Customer
from kehu.exports import services
from kehu.exports.models import ExportJob
from kehu.orders import listing as order_listing

KINDS = {"customers": ExportJob.Kind.CUSTOMERS, "orders": ExportJob.Kind.ORDERS,
         "customer": ExportJob.Kind.CUSTOMER_FILE}
LIST_PARAMS = {ExportJob.Kind.CUSTOMERS: customer_listing.PARAMS,
               ExportJob.Kind.ORDERS: order_listing.PARAMS}
# A list from the command line is always written at once, however long (the web hands a long one
# to the background worker): the engine's "stream limit" is set past any table's size.
NO_LIMIT = sys.maxsize - 1
STDOUT = "-"


class Command(BaseCommand):
    help = ("Export the customer list, the order list (with the list pages' filters) or one "
            "customer's whole file to CSV or Excel, as USER: only the rows they may see, masked as "
            "they see them, audited like an export from the web. Needs exports.export_data.")

    def add_arguments(self, parser):
        parser.add_argument("what", choices=list(KINDS),
                            help="customers, orders, or customer ID (one customer's whole file)")
        parser.add_argument("customer_id", nargs="?", metavar="ID", help="the customer (with 'customer')")
        parser.add_argument("--format", required=True, choices=ExportJob.Format.values,
                            help="csv or xlsx (a customer file as csv is a zip of one CSV per part)")
        parser.add_argument("--encoding", choices=ExportJob.Encoding.values,
                            help="CSV only: utf-8 with a byte-order mark (default, opens in Excel) "
                                 "or gb18030 (older Chinese software)")
        parser.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE",
                            help="a list filter, as in the list page's query string (repeatable). "
                                 f"customers: {', '.join(customer_listing.PARAMS)}; "
                                 f"orders: {', '.join(order_listing.PARAMS)}")
        parser.add_argument("--user", required=True,
                            help="export as this user: their visibility, masking and permission")
        parser.add_argument("-o", "--output", metavar="FILE",
                            help="the file (or folder) to write; default: customers-YYYYMMDD-HHMM.csv … "
                                 "in the current folder; '-' for standard output (CSV lists only)")
        parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES],
                            default=settings.LANGUAGE_CODE,
                            help=f"language of headers and values (default {settings.LANGUAGE_CODE})")

    def handle(self, *args, **opts):
        kind = KINDS[opts["what"]]
        fmt = opts["format"]
        encoding = opts["encoding"]
        if encoding and fmt != ExportJob.Format.CSV:
            raise CommandError("--encoding applies to CSV only")
        encoding = encoding or ExportJob.Encoding.UTF8
        customer_id = self._customer_id(kind, opts["customer_id"])
        filters = self._filters(kind, opts["filter"])
        to_stdout = opts["output"] == STDOUT
        if to_stdout and (fmt != ExportJob.Format.CSV or kind == ExportJob.Kind.CUSTOMER_FILE):
            raise CommandError("only a CSV list can go to standard output; give -o FILE "
                               "for Excel or a customer file (a zip of CSV files)")
        user = self._user(opts["user"], kind)
        with translation.override(opts["language"]):
            # Everything that can be refused is checked before the export (which is audited).
            if kind == ExportJob.Kind.CUSTOMER_FILE:
                self._check_customer(user, customer_id)
            path = None if to_stdout else self._path(opts["output"], kind, fmt, customer_id, opts["force"])
            export = self._export(user, kind, fmt, encoding, filters, customer_id)
            try:
                if to_stdout:
                    complete = self._to_stdout(export.chunks, encoding)
                else:
                    _write_file(path, export.chunks)
            finally:
                export.chunks.close()  # a spooled file is let go even if writing failed
        job = export.job
        if to_stdout and not complete:
            self.stderr.write(f"export #{job.pk}: standard output was closed before the end")
            return
        rows = f"{job.row_count:,} row{'' if job.row_count == 1 else 's'}"
        where = "standard output" if to_stdout else str(path)
        (self.stderr if to_stdout else self.stdout).write(f"export #{job.pk}: {rows} → {where}")

    # --- arguments ------------------------------------------------------------------------

    def _customer_id(self, kind, raw):
        if kind != ExportJob.Kind.CUSTOMER_FILE:
            if raw is not None:
                raise CommandError(f"unexpected argument {raw!r}: only 'customer' takes an ID")
            return None
        if raw is None:
            raise CommandError("give the customer's ID: kehu export customer ID --format …")
        try:
            return int(raw)
        except ValueError:
            raise CommandError(f"{raw!r} is not a customer ID (a number)") from None

    def _filters(self, kind, given):
        if kind == ExportJob.Kind.CUSTOMER_FILE:
            if given:
                raise CommandError("--filter applies to the customer and order lists only")
            return None
        known = LIST_PARAMS[kind]
        filters = {}
        for item in given:
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep or not key:
                raise CommandError(f"--filter {item!r}: write KEY=VALUE, e.g. lifecycle_stage=active")
            if key not in known:
                raise CommandError(f"unknown filter {key!r} for {kind}; known: {', '.join(known)}")
            if key in filters:
                raise CommandError(f"filter {key!r} given twice")
            filters[key] = value
        return filters

    def _user(self, username, kind):
        users = get_user_model().objects
        try:
            user = users.get(**{users.model.USERNAME_FIELD: username})
        except users.model.DoesNotExist:
            raise CommandError(f"no user {username!r}") from None
        if not user.is_active:
            raise CommandError(f"user {username!r} is inactive")
        if not user.has_perm(services.EXPORT_PERMISSION):
            raise CommandError(f"user {username!r} may not export data "
                               f"(needs the {services.EXPORT_PERMISSION} permission)")
        if not services.can_export(user, kind):
            raise CommandError(f"user {username!r} may not export orders "
                               f"(needs the {services.ORDERS_PERMISSION} permission)")
        return user

    def _check_customer(self, user, customer_id):
        """A clear reason for a customer the user cannot export (the web shows a plain 404)."""
        customer = Customer.objects.filter(pk=customer_id).only("pk", "merged_into").first()
        if customer is None:
            raise CommandError(f"no customer {customer_id}")
        if customer.merged_into_id:
            raise CommandError(f"customer {customer_id} was merged into customer "
                               f"{customer.merged_into_id}; export that one")
        try:
            access_customer(user, customer_id)
        except Http404:
            raise CommandError(f"customer {customer_id} is not visible to "
                               f"{user.get_username()!r}") from None

    def _path(self, output, kind, fmt, customer_id, force) -> Path:
        name = services.download_name(kind, fmt, customer_id=customer_id, at=timezone.now())
        path = Path(output) if output else Path.cwd() / name
        if path.is_dir():
            path = path / name
        if not path.parent.is_dir():
            raise CommandError(f"{path.parent}: no such folder")
        if not os.access(path.parent, os.W_OK):
            raise CommandError(f"{path.parent}: not writable")
        if path.exists() and not force:
            raise CommandError(f"{path} exists; use --force to overwrite it")
        return path.absolute()

    # --- exporting ------------------------------------------------------------------------

    def _export(self, user, kind, fmt, encoding, filters, customer_id) -> services.Export:
        try:
            if kind == ExportJob.Kind.CUSTOMER_FILE:
                return services.export_customer_file(user, customer_id, fmt, encoding=encoding)
            export = services.export_list(user, kind, filters, fmt, encoding=encoding, limit=NO_LIMIT)
            if export.queued:  # cannot happen: no list is past NO_LIMIT
                raise CommandError(f"export #{export.job.pk} was queued for the background worker")
            return export
        except PermissionDenied:
            raise CommandError(f"{user.get_username()!r} may not export this") from None
        except Http404:
            raise CommandError(f"customer {customer_id} is not visible to "
                               f"{user.get_username()!r}") from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None

    def _to_stdout(self, chunks, encoding) -> bool:
        """Write the CSV to standard output; False if the reader stopped early (``| head``)."""
        binary = getattr(self.stdout, "buffer", None)  # the real stdout; a StringIO has none
        try:
            self.stdout.flush()
            for chunk in chunks:
                if binary is not None:
                    binary.write(chunk)
                else:
                    self.stdout.write(chunk.decode(encoding), ending="")
            if binary is not None:
                binary.flush()
        except BrokenPipeError:
            # Python's advice: point stdout at /dev/null so its flush at exit does not fail again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
            return False
        return True

def _write_file(path: Path, chunks) -> None:
    """The chunks as they come into a temporary file beside ``path`` (mode 600: an export holds
    personal data), renamed to ``path`` once complete; a failed export leaves no partial file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
