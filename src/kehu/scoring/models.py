"""Differentiate (CONCEPTS §3): the value scores written back to the customer file, with history.

``kehu.analytics`` computes; this app stores what it computed, the settings it used and how the
fit went, so lists, the API and dashboards filter and sort on indexed columns.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ScoringSettings(models.Model):
    """The model settings an admin may change; one row (pk=1). Each run keeps a copy."""

    class PurchaseModel(models.TextChoices):
        BGNBD = "bgnbd", _("BG/NBD (beta-geometric)")
        PARETONBD = "paretonbd", _("Pareto/NBD")

    class TimeUnit(models.TextChoices):
        DAY = "D", _("Days")
        WEEK = "W", _("Weeks")

    class TierBy(models.TextChoices):
        CLV = "clv", _("Customer lifetime value (future margin)")
        PROFIT = "profit", _("Historical profit (past margin)")

    purchase_model = models.CharField(_("purchase model"), max_length=10, choices=PurchaseModel.choices,
                                      default=PurchaseModel.BGNBD)
    time_unit = models.CharField(_("time unit"), max_length=1, choices=TimeUnit.choices,
                                 default=TimeUnit.DAY)
    horizon_months = models.PositiveSmallIntegerField(
        _("CLV horizon (months)"), default=12, validators=[MinValueValidator(1), MaxValueValidator(120)])
    monthly_discount_rate = models.FloatField(
        _("monthly discount rate"), default=0.01, validators=[MinValueValidator(0), MaxValueValidator(0.5)],
        help_text=_("0.01 = 1% per month (about 12.7% per year)."))
    margin_rate = models.FloatField(
        _("margin rate"), default=0.3, validators=[MinValueValidator(0.001), MaxValueValidator(1)],
        help_text=_("Share of revenue that is profit, used for CLV and profit (0.3 = 30%)."))
    expected_purchases_days = models.PositiveSmallIntegerField(
        _("expected purchases window (days)"), default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)])
    tier_by = models.CharField(_("tiers ranked by"), max_length=6, choices=TierBy.choices, default=TierBy.CLV)
    tier_a_share = models.FloatField(_("tier A: top share"), default=0.01,
                                     validators=[MinValueValidator(0.0001), MaxValueValidator(0.99)])
    tier_b_share = models.FloatField(_("tiers A+B: top share"), default=0.05,
                                     validators=[MinValueValidator(0.0001), MaxValueValidator(0.99)])
    tier_c_share = models.FloatField(_("tiers A+B+C: top share"), default=0.20,
                                     validators=[MinValueValidator(0.0001), MaxValueValidator(0.99)])
    rfm_bins = models.PositiveSmallIntegerField(_("RFM score bins"), default=5,
                                                validators=[MinValueValidator(2), MaxValueValidator(10)])
    holdout_days = models.PositiveSmallIntegerField(
        _("holdout period for the fit check (days)"), default=180,
        validators=[MinValueValidator(7), MaxValueValidator(1825)])
    rescore_every_hours = models.PositiveSmallIntegerField(
        _("rescore every (hours)"), default=24, validators=[MaxValueValidator(24 * 31)],
        help_text=_("How often the background worker scores all customers again; 0 = only on demand."))
    update_customer_tier = models.BooleanField(
        _("write the tier to the customer record"), default=True,
        help_text=_("The customer list, filters and service levels read the customer's tier."))
    keep_runs = models.PositiveSmallIntegerField(
        _("runs of history to keep"), default=30, validators=[MinValueValidator(2), MaxValueValidator(1000)])
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("updated by"))

    class Meta:
        verbose_name = _("value model settings")
        verbose_name_plural = _("value model settings")

    def __str__(self):
        return str(self._meta.verbose_name)

    def clean(self):
        from django.core.exceptions import ValidationError

        if not self.tier_a_share < self.tier_b_share < self.tier_c_share:
            raise ValidationError({"tier_b_share": _("Tier shares must grow: A < A+B < A+B+C.")})

    @property
    def cutoffs(self) -> tuple[float, float, float]:
        return (self.tier_a_share, self.tier_b_share, self.tier_c_share)


class ScoreRun(models.Model):
    """One scoring of the whole customer file: progress while it runs, fit and diagnostics after."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        CLI = "cli", _("Command line")
        WEB = "web", pgettext_lazy("started from", "Web page")
        SCHEDULE = "schedule", _("Schedule")

    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    done = models.BigIntegerField(_("done"), default=0)
    total = models.BigIntegerField(_("total"), default=0)
    trigger = models.CharField(_("started from"), max_length=8, choices=Trigger.choices, default=Trigger.WEB)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("requested by"))
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    observation_end = models.DateTimeField(_("data up to"), null=True, blank=True)
    settings = models.JSONField(_("settings used"), default=dict, blank=True)
    fit = models.JSONField(_("model fit"), default=dict, blank=True)
    diagnostics = models.JSONField(_("diagnostics"), default=dict, blank=True)
    timings = models.JSONField(_("timings (s)"), default=dict, blank=True)
    customers = models.BigIntegerField(_("customers scored"), default=0)
    buyers = models.BigIntegerField(_("customers with purchases"), default=0)
    transactions = models.BigIntegerField(_("orders read"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="scorerun_status")]

    def __str__(self):
        return f"#{self.pk} {self.status}"

    STAGES = {
        "reading orders": _("reading orders"), "reading customers": _("reading customers"),
        "computing": _("computing"), "summarising": _("summarising purchases"),
        "fitting": _("fitting the models"), "checking fit": _("checking the fit"),
        "writing": _("writing scores"), "done": _("done"),
    }

    @property
    def stage_label(self) -> str:
        return str(self.STAGES.get(self.stage, self.stage))

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class CustomerScore(models.Model):
    """The latest scores of one customer (one row per customer, replaced by each run)."""

    # Derived rows, written only by kehu.scoring.writing (which skips customers deleted meanwhile):
    # no database-level foreign keys, whose per-row triggers cost half a run's write time at a
    # million customers. Deleting a customer still deletes its scores (Django's CASCADE).
    customer = models.OneToOneField("customers.Customer", primary_key=True, on_delete=models.CASCADE,
                                    related_name="score", verbose_name=_("customer"), db_constraint=False)
    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="+", db_index=False,
                            verbose_name=_("scoring run"), db_constraint=False)
    # the purchase summary the models read (periods in the run's time unit)
    purchases = models.PositiveIntegerField(_("purchases"), default=0)
    frequency = models.PositiveIntegerField(_("repeat purchases"), default=0)
    recency = models.FloatField(_("recency"), default=0)
    age = models.FloatField(_("customer age (T)"), default=0)
    monetary_value = models.DecimalField(_("average repeat spend"), max_digits=14, decimal_places=2, default=0)
    total_spend = models.DecimalField(_("total spend"), max_digits=16, decimal_places=2, default=0)
    first_purchase_at = models.DateTimeField(_("first purchase"), null=True, blank=True)
    last_purchase_at = models.DateTimeField(_("last purchase"), null=True, blank=True)
    # differentiate
    r_score = models.PositiveSmallIntegerField(_("R score"), null=True, blank=True)
    f_score = models.PositiveSmallIntegerField(_("F score"), null=True, blank=True)
    m_score = models.PositiveSmallIntegerField(_("M score"), null=True, blank=True)
    rfm_code = models.CharField(_("RFM code"), max_length=6, blank=True)
    segment = models.CharField(_("RFM segment"), max_length=20, blank=True)
    clv = models.DecimalField(_("CLV"), max_digits=14, decimal_places=2, default=0)
    p_alive = models.FloatField(_("P(alive)"), null=True, blank=True)
    expected_purchases = models.FloatField(_("expected purchases"), default=0)
    tier = models.CharField(_("tier"), max_length=1, blank=True)
    loyalty = models.CharField(_("loyalty"), max_length=10, blank=True)
    behaviour = models.FloatField(_("repeat behaviour"), null=True, blank=True)
    attitude = models.FloatField(_("attitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer score")
        verbose_name_plural = _("customer scores")
        indexes = [
            models.Index(fields=["segment"], name="score_segment"),
            models.Index(fields=["-clv"], name="score_clv"),
            models.Index(fields=["-p_alive"], name="score_alive"),
            models.Index(fields=["r_score", "f_score"], name="score_rf"),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.tier} {self.segment}"


class ScoreHistory(models.Model):
    """What each run said of each customer, compactly, so tier and segment movement can be shown."""

    merge_policy = "keep"  # history stays with the customer it was computed for (identity.merge)

    # no database-level foreign keys, as for CustomerScore
    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="+", db_index=False,
                            verbose_name=_("scoring run"), db_constraint=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+",
                                 db_index=False, verbose_name=_("customer"), db_constraint=False)
    tier = models.CharField(_("tier"), max_length=1, blank=True)
    segment = models.CharField(_("RFM segment"), max_length=20, blank=True)
    clv = models.FloatField(_("CLV"), default=0)
    p_alive = models.FloatField(_("P(alive)"), null=True, blank=True)

    class Meta:
        verbose_name = _("score history")
        verbose_name_plural = _("score history")
        indexes = [
            models.Index(fields=["customer", "-run"], name="scorehistory_customer"),
            models.Index(fields=["run"], name="scorehistory_run"),
        ]

    def __str__(self):
        return f"{self.run_id}/{self.customer_id} {self.tier} {self.segment}"
