"""Export jobs: who exported what, how it went, and where a background export's file is kept."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    """One export. A small list is streamed straight to the browser (a ``done`` job without a
    file, kept as history); a large one, an API request or a customer file asked for through the
    API is written by the background worker to a file only its requester (or an admin) downloads.
    """

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customer list")
        ORDERS = "orders", _("Order list")
        CUSTOMER_FILE = "customer_file", _("Customer file")

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("Excel (XLSX)")

    class Encoding(models.TextChoices):
        UTF8 = "utf-8", _("UTF-8 (opens in Excel)")
        GB18030 = "gb18030", _("GB18030 (older Chinese software)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+", db_index=False, verbose_name=_("requested by"))
    kind = models.CharField(_("what"), max_length=16, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    encoding = models.CharField(_("encoding"), max_length=8, choices=Encoding.choices,
                                default=Encoding.UTF8)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    # The customer of a customer-file export (an id, like the audit trail: a merge does not move it).
    customer_id = models.BigIntegerField(_("customer"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    streamed = models.BooleanField(_("sent directly"), default=False,
                                   help_text=_("Sent to the browser as it was written; no file is kept."))
    row_count = models.BigIntegerField(_("rows"), null=True, blank=True)
    file = models.CharField(_("file"), max_length=200, blank=True)  # name inside the export folder
    file_name = models.CharField(_("download name"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expired_at = models.DateTimeField(_("file deleted"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        permissions = [("export_data", _("Can export data"))]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="exportjob_user"),
            models.Index(fields=["status", "finished_at"], name="exportjob_status"),
        ]

    def __str__(self):
        return f"{self.kind} {self.format} #{self.pk}"

    @property
    def active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def downloadable(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file)
