"""Developing customers (CONCEPTS §4): leads with the seed's sources and their referrers,
opportunities moving through configurable pipelines, and the activities (calls, meetings, visits,
emails, to-dos) that move both along.

- A **lead** is a person or company not (yet) a customer. Its ``source`` is one of the seed's
  channels (door-to-door, advertising, … chain referral, celebrity referral, key-opinion
  customer …, an editable list); referral sources need the **referrer** (a customer or a contact).
  Conversion makes it a customer (or links it to the one the identity matcher finds) and carries
  the source and referrer over: the referral graph is ``Customer.referred_by`` plus
  ``Lead.referrer_customer``.
- An **opportunity** is a deal: amount in CNY, expected close, a stage of its pipeline (with a win
  probability), lines, competitors, a lost reason. Every stage move is a ``StageChange`` (time in
  stage), written by ``services`` under the opportunity's version check.
- An **activity** is work to do or done; completing one for a customer logs the interaction on
  the customer's timeline.
- The **lead score** is the probability a lead converts, from a model trained on history
  (``LeadScoreModel`` keeps its coefficients and its holdout quality) or a transparent rule score.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.customers.models import Customer
from kehu.labels import LabelledMixin

ZERO = 0


class LeadSource(LabelledMixin, models.Model):
    """Where leads come from (the seed's list, codes stable, labels in three languages; admins add
    more). ``customer_source`` is what a converted customer's acquisition source becomes."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    label_en = models.CharField(_("label (English)"), max_length=100)
    label_zh_hans = models.CharField(_("label (Simplified Chinese)"), max_length=100, blank=True)
    label_zh_hant = models.CharField(_("label (Traditional Chinese)"), max_length=100, blank=True)
    customer_source = models.CharField(_("customer's acquisition source"), max_length=16,
                                       choices=Customer.Source.choices, default=Customer.Source.OTHER)
    needs_referrer = models.BooleanField(_("a referrer is required"), default=False,
                                         help_text=_("Referral sources: who introduced the lead must be recorded."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")
        ordering = ["position", "code"]

    def __str__(self):
        return self.label()


class ReasonList(LabelledMixin, models.Model):
    """An editable list of reasons (why a lead was disqualified, why a deal was lost): a stable
    code, labels in three languages, an order; retired ones stay for the records that use them."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    label_en = models.CharField(_("label (English)"), max_length=100)
    label_zh_hans = models.CharField(_("label (Simplified Chinese)"), max_length=100, blank=True)
    label_zh_hant = models.CharField(_("label (Traditional Chinese)"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["position", "code"]

    def __str__(self):
        return self.label()


class DisqualifyReason(ReasonList):
    class Meta(ReasonList.Meta):
        verbose_name = _("disqualification reason")
        verbose_name_plural = _("disqualification reasons")


class Lead(models.Model):
    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("lead status", "New")
        CONTACTED = "contacted", _("Contacted")
        QUALIFIED = "qualified", _("Qualified")
        DISQUALIFIED = "disqualified", _("Disqualified")
        CONVERTED = "converted", _("Converted")

    class CompanySize(models.TextChoices):
        # headcount bands, as a feature of the lead score and a filter
        MICRO = "1-9", _("1–9 people")
        SMALL = "10-49", _("10–49 people")
        MEDIUM = "50-249", _("50–249 people")
        LARGE = "250+", _("250 or more")

    class Channel(models.TextChoices):
        # how the lead reached us / was reached (a scoring feature, not the source)
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        WECHAT = "wechat", _("WeChat")
        WEB = "web", _("Web")
        IN_PERSON = "in_person", _("In person")
        SMS = "sms", _("SMS")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=12, choices=Customer.Kind.choices, default=Customer.Kind.PERSON)
    name = models.CharField(_("name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    # contact data as entered, and normalised like customers' identities (E.164, lower-case …)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    phone_normalized = models.CharField(_("phone (normalised)"), max_length=32, blank=True, editable=False)
    email = models.CharField(_("email"), max_length=254, blank=True)
    email_normalized = models.CharField(_("email (normalised)"), max_length=254, blank=True, editable=False)
    wechat = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True,
                              help_text=_("Province or city, e.g. 浙江 or 杭州."))
    company_size = models.CharField(_("company size"), max_length=8, choices=CompanySize.choices, blank=True)
    nature = models.CharField(_("nature"), max_length=12, choices=Customer.Nature.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)

    source = models.ForeignKey(LeadSource, on_delete=models.PROTECT, related_name="leads", verbose_name=_("source"))
    campaign = models.CharField(_("campaign or event"), max_length=200, blank=True)
    referrer_customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="referred_leads", db_index=False,
                                          verbose_name=_("referred by (customer)"))
    referrer_contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="referred_leads", db_index=False,
                                         verbose_name=_("referred by (contact)"))

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="leads", db_index=False, verbose_name=_("owner"))
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="leads", db_index=False, verbose_name=_("team"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    disqualify_reason = models.ForeignKey(DisqualifyReason, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name=_("disqualification reason"))
    disqualify_note = models.CharField(_("why (details)"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    # conversion: the customer it became or was linked to
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="leads", db_index=False, verbose_name=_("customer"))
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    converted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("converted by"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True,
                                     help_text=_("When it was converted or disqualified (the label for the score)."))

    # the lead score (probability to convert) and its top reasons, written by ``scoring``
    score = models.FloatField(_("lead score"), null=True, blank=True)
    score_reasons = models.JSONField(_("score reasons"), default=list, blank=True)
    score_model = models.ForeignKey("LeadScoreModel", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("score model"))
    scored_at = models.DateTimeField(_("scored"), null=True, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        permissions = [("convert_lead", _("Can convert a lead into a customer")),
                       ("view_all_leads", _("Can see every lead, whoever owns it"))]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="lead_created"),
            models.Index(fields=["owner", "status", "-created_at"], name="lead_owner"),
            models.Index(fields=["team", "status", "-created_at"], name="lead_team"),
            models.Index(fields=["status", "source"], name="lead_status_source"),
            models.Index(fields=["source", "-created_at"], name="lead_source"),
            models.Index(fields=["phone_normalized"], name="lead_phone",
                         condition=~models.Q(phone_normalized="")),
            models.Index(fields=["email_normalized"], name="lead_email",
                         condition=~models.Q(email_normalized="")),
            models.Index(fields=["referrer_customer"], name="lead_referrer",
                         condition=models.Q(referrer_customer__isnull=False)),
            models.Index(fields=["referrer_contact"], name="lead_referrer_contact",
                         condition=models.Q(referrer_contact__isnull=False)),
            models.Index(fields=["customer"], name="lead_customer", condition=models.Q(customer__isnull=False)),
            models.Index(fields=["-score"], name="lead_score", condition=models.Q(score__isnull=False)),
        ]

    def __str__(self):
        return self.name


# --- opportunities ----------------------------------------------------------------------------------

class PipelineQuerySet(models.QuerySet):
    def active(self):
        """The pipelines in use, the default one first (what every picker and report offers)."""
        return self.filter(active=True).order_by("-is_default", "position", "pk")


class Pipeline(LabelledMixin, models.Model):
    """A sales process (e.g. new business, key accounts), with its own stages."""

    label_en = models.CharField(_("name (English)"), max_length=100)
    label_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=100, blank=True)
    label_zh_hant = models.CharField(_("name (Traditional Chinese)"), max_length=100, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    objects = PipelineQuerySet.as_manager()

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["position", "id"]

    def __str__(self):
        return self.label()


class PipelineStage(LabelledMixin, models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages",
                                 verbose_name=_("pipeline"))
    code = models.SlugField(_("code"), max_length=32)
    label_en = models.CharField(_("label (English)"), max_length=100)
    label_zh_hans = models.CharField(_("label (Simplified Chinese)"), max_length=100, blank=True)
    label_zh_hant = models.CharField(_("label (Traditional Chinese)"), max_length=100, blank=True)
    probability = models.PositiveSmallIntegerField(_("win probability (%)"), default=10,
                                                   validators=[MaxValueValidator(100)])
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices, default=Kind.OPEN)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("pipeline stage")
        verbose_name_plural = _("pipeline stages")
        ordering = ["pipeline", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["pipeline", "code"], name="uniq_stage_code")]

    def __str__(self):
        return self.label()


class LostReason(ReasonList):
    class Meta(ReasonList.Meta):
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")


class Competitor(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Opportunity(models.Model):
    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="opportunities",
                                 db_index=False, verbose_name=_("customer"))
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities",
                             db_index=False, verbose_name=_("from lead"))
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="opportunities",
                                 verbose_name=_("pipeline"), db_index=False)
    stage = models.ForeignKey(PipelineStage, on_delete=models.PROTECT, related_name="opportunities",
                              verbose_name=_("stage"), db_index=False)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2, default=ZERO,
                                 validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="opportunities", db_index=False, verbose_name=_("owner"))
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="opportunities", db_index=False, verbose_name=_("team"))
    competitors = models.ManyToManyField(Competitor, blank=True, related_name="opportunities",
                                         verbose_name=_("competitors"))
    lost_reason = models.ForeignKey(LostReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("lost reason"))
    lost_note = models.CharField(_("lost: details"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    stage_entered_at = models.DateTimeField(_("in this stage since"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("order"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-created_at", "-id"]
        permissions = [("view_all_opportunities", _("Can see every opportunity, whoever owns it")),
                       ("view_sales_dashboard", _("Can see the sales dashboard"))]
        indexes = [
            models.Index(fields=["pipeline", "stage", "-updated_at"], name="opp_board"),
            models.Index(fields=["owner", "expected_close"], name="opp_owner_close"),
            models.Index(fields=["team", "expected_close"], name="opp_team_close"),
            models.Index(fields=["customer", "-created_at"], name="opp_customer"),
            models.Index(fields=["lead"], name="opp_lead", condition=models.Q(lead__isnull=False)),
            models.Index(fields=["closed_at"], name="opp_closed", condition=models.Q(closed_at__isnull=False)),
        ]

    def __str__(self):
        return self.name

    @property
    def weighted_amount(self) -> Decimal:
        """The amount weighed by the stage's win probability (the forecast's measure)."""
        return self.amount * self.stage.probability / 100


class OpportunityLine(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="lines",
                                    verbose_name=_("opportunity"))
    product = models.ForeignKey("orders.Product", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("product"))
    quantity = models.PositiveIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2,
                                     validators=[MinValueValidator(0)])
    discount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=ZERO,
                                   validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("opportunity line")
        verbose_name_plural = _("opportunity lines")
        ordering = ["id"]

    def __str__(self):
        return f"{self.quantity} × {self.product_id}"

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price - self.discount  # as an order line's (OrderLine.amount)


class StageChange(models.Model):
    """One stage move of an opportunity: the funnel's conversion and time in stage come from here."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes",
                                    db_index=False)
    from_stage = models.ForeignKey(PipelineStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(PipelineStage, on_delete=models.PROTECT, related_name="+")
    seconds_in_from = models.BigIntegerField(_("seconds in the previous stage"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["opportunity", "at"], name="opp_stage_change"),
                   models.Index(fields=["to_stage", "at"], name="opp_stage_to")]

    def __str__(self):
        return f"{self.from_stage_id} → {self.to_stage_id}"


# --- activities ---------------------------------------------------------------------------------

class Activity(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        VISIT = "visit", _("Visit")
        EMAIL = "email", _("Email")
        TODO = "todo", _("To-do")

    class Outcome(models.TextChoices):
        DONE = "done", _("Done")
        NO_ANSWER = "no_answer", _("No answer")
        INTERESTED = "interested", _("Interested")
        NOT_INTERESTED = "not_interested", _("Not interested")
        FOLLOW_UP = "follow_up", _("Needs a follow-up")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.CALL)
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True,
                                                   validators=[MaxValueValidator(24 * 60)])
    remind_minutes_before = models.PositiveIntegerField(_("remind me (minutes before)"), null=True, blank=True,
                                                        validators=[MaxValueValidator(7 * 24 * 60)])
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activities",
                              db_index=False, verbose_name=_("owner"))
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="activities", db_index=False, verbose_name=_("customer"))
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="activities",
                             db_index=False, verbose_name=_("lead"))
    opportunity = models.ForeignKey(Opportunity, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="activities", db_index=False, verbose_name=_("opportunity"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome: details"), blank=True)
    # the customer's timeline entry written when the activity is completed
    interaction = models.OneToOneField("customers.Interaction", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="activity", verbose_name=_("interaction"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["owner", "due_at"], name="activity_open", condition=models.Q(done_at__isnull=True)),
            models.Index(fields=["owner", "-done_at"], name="activity_done", condition=models.Q(done_at__isnull=False)),
            models.Index(fields=["customer", "due_at"], name="activity_customer",
                         condition=models.Q(customer__isnull=False)),
            models.Index(fields=["lead", "due_at"], name="activity_lead", condition=models.Q(lead__isnull=False)),
            models.Index(fields=["opportunity", "due_at"], name="activity_opportunity",
                         condition=models.Q(opportunity__isnull=False)),
            models.Index(fields=["remind_minutes_before", "due_at"], name="activity_remind",
                         condition=models.Q(done_at__isnull=True, reminded_at__isnull=True,
                                            remind_minutes_before__isnull=False)),
        ]

    def __str__(self):
        return self.subject


def _feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A user's private iCalendar subscription address (/sales/calendar/<token>.ics); a new token
    revokes the old address."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return f"calendar of {self.user_id}"


# --- lead scoring ---------------------------------------------------------------------------------

class LeadScoreModel(models.Model):
    """One training of the lead score: a logistic regression kept as its coefficients (no pickle),
    or the rule score when history is too thin; with its quality on a time-based holdout."""

    class Kind(models.TextChoices):
        MODEL = "model", _("Trained model")
        RULES = "rules", _("Rule score (too little history)")

    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    trained_at = models.DateTimeField(_("trained"), auto_now_add=True)
    trained_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    history_from = models.DateTimeField(_("history from"), null=True, blank=True)
    holdout_from = models.DateTimeField(_("holdout from"), null=True, blank=True)
    n_train = models.PositiveIntegerField(_("leads trained on"), default=0)
    n_holdout = models.PositiveIntegerField(_("leads in the holdout"), default=0)
    positives = models.PositiveIntegerField(_("converted leads in the history"), default=0)
    auc = models.FloatField(_("AUC (holdout)"), null=True, blank=True)
    brier = models.FloatField(_("Brier score (holdout)"), null=True, blank=True)
    baseline_auc = models.FloatField(_("AUC of the source-frequency baseline (holdout)"), null=True, blank=True)
    calibration = models.JSONField(_("calibration (holdout)"), default=list, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    is_active = models.BooleanField(_("in use"), default=False)

    class Meta:
        verbose_name = _("lead score model")
        verbose_name_plural = _("lead score models")
        ordering = ["-trained_at", "-id"]
        permissions = [("train_lead_score", _("Can retrain the lead score"))]

    def __str__(self):
        return f"{self.kind} {self.trained_at:%Y-%m-%d %H:%M}"
