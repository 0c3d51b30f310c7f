"""What the matcher stores: features and keys per customer, the learned model, the review queue,
the pairs people said are different, and every merge (so it can be undone)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MatchProfile(models.Model):
    """A customer as the matcher sees it (``identity.features``), kept in step on every write.

    Derived data: rebuilt from the customer by ``services.refresh_profiles``, never merged.
    """

    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE, primary_key=True,
                                    related_name="match_profile")
    hanzi = models.CharField(max_length=100, null=True)
    pinyin_key = models.CharField(max_length=200, null=True)
    latin_key = models.CharField(max_length=200, null=True)
    surname_key = models.CharField(max_length=50, null=True)
    initials = models.CharField(max_length=20, null=True)
    phone1 = models.CharField(max_length=32, null=True)
    phone2 = models.CharField(max_length=32, null=True)
    mailbox1 = models.CharField(max_length=200, null=True)
    mailbox2 = models.CharField(max_length=200, null=True)
    dob = models.DateField(null=True)
    city = models.CharField(max_length=60, null=True)
    addr = models.CharField(max_length=300, null=True)
    addr_num = models.CharField(max_length=60, null=True)
    postcode = models.CharField(max_length=12, null=True)
    id_number = models.CharField(max_length=80, null=True)
    strong_phone = models.CharField(max_length=32, null=True)

    class Meta:
        verbose_name = _("match profile")
        verbose_name_plural = _("match profiles")

    def __str__(self):
        return f"profile {self.customer_id}"


class MatchKey(models.Model):
    """Blocking keys of a customer, so one new record finds its candidates through an index."""

    merge_policy = "keep"  # stays with its customer on a merge (see identity.merge)

    key = models.CharField(max_length=250)
    # No database constraint: about nine keys a customer made the per-row foreign-key checks
    # nearly half of an import's commit. The keys are derived (``kehu identity index`` rebuilds
    # them), every delete of a customer goes through the ORM, which still cascades, and
    # ``profiles.remove`` drops them on undo and merge.
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+",
                                 db_index=False, db_constraint=False)

    class Meta:
        indexes = [
            models.Index(fields=["key", "customer"], name="matchkey_key"),
            models.Index(fields=["customer"], name="matchkey_customer"),
        ]

    def __str__(self):
        return self.key


class MatchModelVersion(models.Model):
    """The learned m/u weights. The newest one scores; older ones stay for comparison."""

    params = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    records = models.PositiveIntegerField(default=0)
    pairs = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("match model")
        verbose_name_plural = _("match models")
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]

    def __str__(self):
        return f"match model {self.pk} ({self.records} records)"


class ScanRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    step = models.CharField(_("step"), max_length=40, blank=True)
    records = models.PositiveIntegerField(_("customers"), default=0)
    pairs = models.PositiveBigIntegerField(_("pairs compared"), default=0)
    clusters = models.PositiveIntegerField(_("duplicate groups"), default=0)
    proposed = models.PositiveIntegerField(_("pairs proposed"), default=0)
    stats = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("duplicate scan")
        verbose_name_plural = _("duplicate scans")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"scan {self.pk} ({self.status})"


class DuplicateCandidate(models.Model):
    """One proposed pair in the review queue, with the evidence per field."""

    merge_policy = "keep"  # stays with its customer on a merge (see identity.merge)

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MERGED = "merged", _("Merged")
        REJECTED = "rejected", _("Not a duplicate")

    run = models.ForeignKey(ScanRun, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="candidates")
    group = models.PositiveIntegerField(_("group"), default=0)
    customer_a = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("customer"))
    customer_b = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("possible duplicate"))
    probability = models.FloatField(_("match probability"))
    match_weight = models.FloatField(_("match weight"), default=0)
    evidence = models.JSONField(_("evidence"), default=list)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["-probability", "id"]
        constraints = [models.UniqueConstraint(fields=["customer_a", "customer_b"],
                                               name="uniq_duplicate_pair")]
        indexes = [
            models.Index(fields=["status", "-probability"], name="duplicate_queue"),
            models.Index(fields=["customer_b"], name="duplicate_b"),
        ]

    def __str__(self):
        return f"{self.customer_a_id} ≈ {self.customer_b_id}"


class NotDuplicate(models.Model):
    """Two customers someone said are different people: never proposed again."""

    merge_policy = "keep"  # stays with its customer on a merge (see identity.merge)

    customer_a = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    customer_b = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("not a duplicate")
        verbose_name_plural = _("not duplicates")
        constraints = [
            models.UniqueConstraint(fields=["customer_a", "customer_b"], name="uniq_not_duplicate"),
            models.CheckConstraint(condition=models.Q(customer_a__lt=models.F("customer_b")),
                                   name="not_duplicate_ordered"),
        ]
        indexes = [models.Index(fields=["customer_b"], name="not_duplicate_b")]

    def __str__(self):
        return f"{self.customer_a_id} ≠ {self.customer_b_id}"


class Merge(models.Model):
    """One merge, with everything needed to undo it exactly."""

    merge_policy = "keep"  # stays with its customer on a merge (see identity.merge)

    survivor = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="merges",
                                 verbose_name=_("kept customer"))
    merged = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("merged customer"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    field_choices = models.JSONField(default=dict, blank=True)  # field → "survivor" | "merged"
    survivor_before = models.JSONField(default=dict, blank=True)  # survivor's fields before
    moved = models.JSONField(default=dict, blank=True)  # "app.model:fk" → [pk, …] moved over
    changed = models.JSONField(default=dict, blank=True)  # "app.model" → {pk: {field: old}}
    conflicts = models.JSONField(default=list, blank=True)  # rows left with the merged customer
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-created_at", "-id"]
        permissions = [("merge_customers", _("Can merge customers and undo merges"))]
        indexes = [models.Index(fields=["merged", "-created_at"], name="merge_merged")]

    def __str__(self):
        return f"{self.merged_id} → {self.survivor_id}"
