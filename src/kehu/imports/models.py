"""An import is a job over one file: what was mapped, what it changed (to undo it), how far it got."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MappingTemplate(models.Model):
    """A saved column mapping ({header: field key}) to reuse for the next file of the same shape."""

    name = models.CharField(_("name"), max_length=100)
    target = models.CharField(_("imports"), max_length=20)
    mapping = models.JSONField(_("mapping"), default=dict)
    options = models.JSONField(_("options"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("mapping template")
        verbose_name_plural = _("mapping templates")
        constraints = [models.UniqueConstraint(fields=["target", "name"], name="uniq_mapping_template")]

    def __str__(self):
        return self.name


class ImportJob(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        CHECKING = "checking", _("Checking (dry run)")  # the dry run is queued or running
        CHECKED = "checked", _("Checked (dry run)")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        UNDONE = "undone", _("Undone")

    class OnError(models.TextChoices):
        SKIP = "skip", _("Skip invalid rows, import the rest")
        ABORT = "abort", _("Import nothing if any row is invalid")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("by"))
    target = models.CharField(_("imports"), max_length=20)
    path = models.CharField(_("stored file"), max_length=500)
    original_name = models.CharField(_("file"), max_length=255)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    mapping = models.JSONField(_("mapping"), default=dict)
    upsert_key = models.CharField(_("match existing records by"), max_length=40, blank=True)
    on_error = models.CharField(_("invalid rows"), max_length=5, choices=OnError.choices,
                                default=OnError.SKIP)
    duplicates = models.CharField(_("possible duplicates"), max_length=8, default="review")
    decisions = models.JSONField(_("decisions on duplicates"), default=dict, blank=True)  # row → action
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    summary = models.JSONField(_("dry run"), default=dict, blank=True)
    counts = models.JSONField(_("result"), default=dict, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    resume_after = models.PositiveIntegerField(default=0)  # last file row of the last committed chunk
    error_count = models.PositiveIntegerField(_("invalid rows"), default=0)
    error_path = models.CharField(max_length=500, blank=True)
    message = models.TextField(_("message"), blank=True)
    # the requester's language: the background worker writes messages and the error file in it
    language = models.CharField(max_length=10, blank=True)
    cancel_requested = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        permissions = [("import_data", _("Can import data from files"))]

    def __str__(self):
        return f"{self.target}: {self.original_name}"


class ImportChange(models.Model):
    """Rows an import created or updated: an updated row with its previous values (``before``),
    or the rows of one model one chunk created, as id ranges (``ranges``: [[first, last], …];
    ``object_id`` is the first id) — one record per chunk, not per row: an import of a million
    order lines created 400,000 orders, and writing a record for each cost more than the orders."""

    class Action(models.TextChoices):
        CREATED = "c", _("created")
        UPDATED = "u", _("updated")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="changes", db_index=False)
    model = models.CharField(max_length=40)  # app_label.model
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=1, choices=Action.choices)
    before = models.JSONField(null=True, blank=True)
    ranges = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["job", "model", "action"], name="import_change_job")]

    def __str__(self):
        return f"{self.get_action_display()} {self.model} #{self.object_id}"

    def ids(self) -> list[int]:
        if self.ranges is None:
            return [self.object_id]
        return [i for first, last in self.ranges for i in range(first, last + 1)]
