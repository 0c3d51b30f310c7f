"""Customer service: cases (complaints handled in the course's four steps, enquiries, requests,
praise), their messages, solution proposals and follow-ups; SLA policies and the business
calendar the clocks run on; the categories cases are routed by.

A complaint moves through four stages (CONCEPTS §5, 顾客投诉处理): listen (the customer's own
words, a first response), record the key points, propose a mutually acceptable solution (again,
with what the customer asked for, when one is rejected), follow up; it closes only after the
follow-up's outcome is recorded. Stage moves go through ``services`` (which check each step's
data); the fields here are what those steps fill in, queryable for churn analysis later.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kehu.customers.models import Customer


class CaseCategory(models.Model):
    """What a case is about; an editable list with labels in the three languages and where cases
    of it are routed (a team, round-robin or least-loaded)."""

    class Routing(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("Round-robin")
        LEAST_LOADED = "least_loaded", _("Least loaded")
        MANUAL = "manual", _("Manual (team queue)")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    label_en = models.CharField(_("label (English)"), max_length=100)
    label_zh_hans = models.CharField(_("label (Simplified Chinese)"), max_length=100, blank=True)
    label_zh_hant = models.CharField(_("label (Traditional Chinese)"), max_length=100, blank=True)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("team"))
    routing = models.CharField(_("routing"), max_length=12, choices=Routing.choices, default=Routing.ROUND_ROBIN)
    last_assigned = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", editable=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        ordering = ["position", "code"]

    def __str__(self):
        return self.label()

    def label(self, language: str | None = None) -> str:
        language = (language or get_language() or "en").lower()
        if language.startswith("zh"):
            hant = language in ("zh-hant", "zh-tw", "zh-hk", "zh-mo")
            return (self.label_zh_hant if hant else self.label_zh_hans) or self.label_zh_hans or self.label_en
        return self.label_en


class Case(models.Model):
    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        ENQUIRY = "enquiry", _("Enquiry")
        REQUEST = "request", _("Service request")
        PRAISE = "praise", _("Praise")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        STORE = "store", _("Store")
        EMAIL = "email", _("Email")
        WEB = "web", _("Web form")
        WECHAT = "wechat", _("WeChat")
        OTHER = "other", _("Other")

    class Stage(models.TextChoices):
        # the four steps of complaint handling, in order; other kinds are open → closed
        LISTEN = "listen", _("1 · Listen")
        RECORD = "record", _("2 · Record key points")
        PROPOSE = "propose", _("3 · Propose a solution")
        FOLLOW_UP = "follow_up", _("4 · Follow up")
        OPEN = "open", pgettext_lazy("case stage", "Open")
        CLOSED = "closed", pgettext_lazy("case stage", "Closed")

    class RootCause(models.TextChoices):
        PRODUCT_DEFECT = "product_defect", _("Product defect")
        SERVICE_FAILURE = "service_failure", _("Service failure")
        POLICY = "policy", _("Policy or price")
        LOGISTICS = "logistics", _("Delivery or logistics")
        STAFF = "staff", _("Staff behaviour")
        BILLING_ERROR = "billing_error", _("Billing error")
        MISUNDERSTANDING = "misunderstanding", _("Misunderstanding")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        NOT_SATISFIED = "not_satisfied", _("Not satisfied")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.COMPLAINT)
    category = models.ForeignKey(CaseCategory, on_delete=models.PROTECT, related_name="cases",
                                 verbose_name=_("category"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    subject = models.CharField(_("subject"), max_length=200)
    # who: a customer, or a contact not (yet) linked to one — the identity matcher proposes
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="cases", verbose_name=_("customer"), db_index=False)
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="cases", verbose_name=_("owner"))
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="cases", verbose_name=_("team"))
    orders = models.ManyToManyField("orders.Order", blank=True, related_name="cases", verbose_name=_("orders"))
    # step 1, listen: the customer's own words, verbatim; when somebody first answered them
    customer_words = models.TextField(_("the customer's words"), blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    # step 2, record the key points
    what_happened = models.TextField(_("what happened"), blank=True)
    happened_on = models.DateField(_("when it happened"), null=True, blank=True)
    product = models.ForeignKey("orders.Product", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("product"))
    expectation = models.TextField(_("what the customer expects"), blank=True)
    root_cause = models.CharField(_("root cause"), max_length=20, choices=RootCause.choices, blank=True)
    # step 4 and the end
    outcome = models.CharField(_("outcome"), max_length=14, choices=Outcome.choices, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # SLA: due times computed on the business calendar when the case opens
    sla_policy = models.ForeignKey("SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("SLA policy"))
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_response_breached = models.BooleanField(_("first response late"), default=False)
    resolution_breached = models.BooleanField(_("resolution late"), default=False)
    breach_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # the customer's status page: /service/status/<token>/ (unguessable, not the reference)
    public_token = models.CharField(max_length=43, unique=True, editable=False)
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("opened by"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        permissions = [("view_service_dashboard", _("Can see the service dashboard"))]
        indexes = [
            models.Index(fields=["customer", "-created_at", "-id"], name="case_customer_at"),
            models.Index(fields=["owner", "stage"], name="case_owner_stage"),
            models.Index(fields=["team", "stage"], name="case_team_stage"),
            models.Index(fields=["stage", "resolution_due"], name="case_stage_due"),
            models.Index(fields=["kind", "category", "-created_at"], name="case_kind_category"),
        ]

    def __str__(self):
        return f"{self.reference} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.stage != self.Stage.CLOSED

    @property
    def is_complaint(self) -> bool:
        return self.kind == self.Kind.COMPLAINT

    @property
    def who(self) -> str:
        return self.customer.display_name if self.customer_id else (self.contact_name or self.contact_email
                                                                     or self.contact_phone)


COMPLAINT_STAGES = [Case.Stage.LISTEN, Case.Stage.RECORD, Case.Stage.PROPOSE, Case.Stage.FOLLOW_UP,
                    Case.Stage.CLOSED]


class CaseMessage(models.Model):
    """What was said on a case: the customer's messages (any channel), our replies, notes."""

    class Direction(models.TextChoices):
        INBOUND = "in", _("From the customer")
        OUTBOUND = "out", _("To the customer")
        NOTE = "note", _("Internal note")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Case.Channel.choices)
    body = models.TextField(_("message"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("by"))
    from_address = models.CharField(max_length=254, blank=True)
    # mail threading: our outgoing Message-ID, or the incoming one (never two cases from one mail)
    message_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    sent_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("case message")
        verbose_name_plural = _("case messages")
        ordering = ["sent_at", "id"]
        indexes = [models.Index(fields=["case", "sent_at"], name="case_message_case")]

    def __str__(self):
        return f"{self.case_id} {self.direction}"


class Proposal(models.Model):
    """Step 3: a solution offered to the customer and their answer."""

    class Kind(models.TextChoices):
        REFUND = "refund", _("Refund")
        REPLACE = "replace", _("Replacement")
        REPAIR = "repair", _("Repair")
        COMPENSATION = "compensation", _("Compensation")
        APOLOGY = "apology", _("Apology")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for the customer")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(_("solution"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True,
                                 validators=[MinValueValidator(0)])
    description = models.TextField(_("details"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    customer_wants = models.TextField(_("what the customer asked for instead"), blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    proposed_at = models.DateTimeField(_("proposed"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["proposed_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_status_display()})"


class FollowUp(models.Model):
    """A task for somebody to get back to a customer: step 4 of a complaint, or after a detractor
    answered a satisfaction survey."""

    class Source(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint follow-up")
        SURVEY = "survey", _("Unhappy survey answer")
        OTHER = "other", _("Other")

    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups")
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="follow_ups", db_index=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="follow_ups", verbose_name=_("owner"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.COMPLAINT)
    title = models.CharField(_("title"), max_length=200)
    detail = models.TextField(_("details"), blank=True)
    due_at = models.DateTimeField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=14, choices=Case.Outcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["owner", "done_at", "due_at"], name="follow_up_owner_due"),
                   models.Index(fields=["customer", "-due_at"], name="follow_up_customer")]

    def __str__(self):
        return self.title


class StageChange(models.Model):
    """Every stage move of a case (time in stage, the audit of the workflow)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=10, choices=Case.Stage.choices, blank=True)
    to_stage = models.CharField(max_length=10, choices=Case.Stage.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.case_id}: {self.from_stage} → {self.to_stage}"


class SlaPolicy(models.Model):
    """Due times for a kind of case, in business minutes (or clock minutes for 24×7 service).
    The most specific policy wins: severity and tier > severity > tier > neither. VIP (tier A)
    customers can have a stricter one (CONCEPTS §3: each tier its own service)."""

    name = models.CharField(_("name"), max_length=100)
    severity = models.CharField(_("severity"), max_length=10, choices=Case.Severity.choices, blank=True,
                                help_text=_("Empty: any severity."))
    tier = models.CharField(_("customer tier"), max_length=1, blank=True, choices=Customer.Tier.choices,
                            help_text=_("Empty: any tier (and cases without a customer)."))
    first_response_minutes = models.PositiveIntegerField(_("first response within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))
    business_hours = models.BooleanField(_("count business hours only"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["name"]

    def __str__(self):
        return self.name


class BusinessHours(models.Model):
    """The service centre's opening hours (one row): working days are Monday–Friday, the Chinese
    public holidays off and their make-up working days (调休) on, from the official calendar;
    ``Holiday`` rows override single days."""

    start = models.TimeField(_("opens"), default="09:00")
    end = models.TimeField(_("closes"), default="18:00")
    saturday = models.BooleanField(_("open on Saturdays"), default=False)
    sunday = models.BooleanField(_("open on Sundays"), default=False)
    official_holidays = models.BooleanField(_("follow China's official holidays and make-up days"), default=True)

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")

    def __str__(self):
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


class Holiday(models.Model):
    """A day that is not what the calendar says: closed (a company holiday, or a public holiday the
    official calendar does not know yet) or open (a make-up working day)."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_workday = models.BooleanField(_("working day"), default=False)

    class Meta:
        verbose_name = _("holiday or working day")
        verbose_name_plural = _("holidays and working days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"
