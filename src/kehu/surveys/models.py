"""Satisfaction surveys (CONCEPTS §5): questionnaires, invitations (one link per recipient),
responses and their answers.

- A ``Survey`` holds ordered ``Question``s. Texts and choice labels are stored per language
  (English, 简体中文, 繁體中文); a respondent sees their language, or the next one filled in.
- An ``Invitation`` is one link for one customer on one channel. Only the SHA-256 of its token
  is kept; an SMS invitation also keeps its message text (with the link) until staff mark it sent.
- A ``Response`` answers one invitation (one-to-one: one response per link) and keeps the NPS and
  CSAT answers and the customer's tier at that moment, so results group responses without
  reading every answer. ``Answer`` rows hold the answers, one per question (one per chosen
  option for multiple choice).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

LANGUAGE_FIELDS = {"en": "en", "zh-hans": "zh_hans", "zh-hant": "zh_hant"}
# Which language to show when the respondent's own is not filled in.
FALLBACK = {"en": ("en", "zh-hans", "zh-hant"), "zh-hans": ("zh-hans", "zh-hant", "en"),
            "zh-hant": ("zh-hant", "zh-hans", "en")}


def language_key(code: str | None) -> str:
    """One of ``en``, ``zh-hans``, ``zh-hant`` for any language code (zh-TW, zh_Hant, zh-cn …)."""
    code = (code or "").lower().replace("_", "-")
    if code.startswith("zh"):
        return "zh-hant" if any(t in code for t in ("hant", "tw", "hk", "mo")) else "zh-hans"
    return "en"


def in_language(obj, field: str, language: str | None) -> str:
    """``obj.<field>_<lang>`` for the language, falling back to the others that are filled in."""
    for code in FALLBACK[language_key(language)]:
        value = getattr(obj, f"{field}_{LANGUAGE_FIELDS[code]}", "")
        if value:
            return value
    return ""


class Survey(models.Model):
    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Manual and segment sends only")
        CASE_CLOSED = "case_closed", _("After a service case closes")
        ORDER = "order", _("After an order")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", pgettext_lazy("channel", "SMS")

    class Language(models.TextChoices):
        EN = "en", _("English")
        ZH_HANS = "zh-hans", _("Simplified Chinese")
        ZH_HANT = "zh-hant", _("Traditional Chinese")

    name = models.CharField(_("name"), max_length=120, help_text=_("For staff; respondents see the title."))
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_zh_hans = models.CharField(_("title (Simplified Chinese)"), max_length=200, blank=True)
    title_zh_hant = models.CharField(_("title (Traditional Chinese)"), max_length=200, blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    intro_zh_hans = models.TextField(_("introduction (Simplified Chinese)"), blank=True)
    intro_zh_hant = models.TextField(_("introduction (Traditional Chinese)"), blank=True)
    default_language = models.CharField(_("default language"), max_length=8, choices=Language.choices,
                                        default=Language.ZH_HANS)
    trigger = models.CharField(_("sent automatically"), max_length=12, choices=Trigger.choices,
                               default=Trigger.MANUAL)
    channel = models.CharField(_("channel for automatic sends"), max_length=8, choices=Channel.choices,
                               default=Channel.EMAIL)
    order_delay_days = models.PositiveSmallIntegerField(
        _("days after the order"), default=3,
        help_text=_("For surveys sent after an order: invite this many days after a completed order."))
    is_active = models.BooleanField(pgettext_lazy("survey", "active"), default=False)
    template_key = models.CharField(_("made from template"), max_length=32, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("view_results", _("Can see survey results (of the customers they may see)")),
            ("send_survey", _("Can invite customers to a survey")),
            ("send_to_segment", _("Can send a survey to a segment of customers")),
        ]
        constraints = [
            # At most one active survey per automatic trigger: the signal knows which to send.
            models.UniqueConstraint(fields=["trigger"], name="one_active_survey_per_trigger",
                                    condition=models.Q(is_active=True) & ~models.Q(trigger="manual")),
        ]

    def __str__(self):
        return self.name

    def title(self, language=None) -> str:
        return in_language(self, "title", language) or self.name

    def intro(self, language=None) -> str:
        return in_language(self, "intro", language)


class Question(models.Model):
    class Kind(models.TextChoices):
        RATING = "rating", _("Rating (1–5)")
        NPS = "nps", _("Net Promoter Score (0–10)")
        CSAT = "csat", _("Satisfaction, CSAT (1–5)")
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TEXT = "text", _("Free text")
        PAIR = "pair", _("Expectation vs perception pair")

    class Dimension(models.TextChoices):
        # SERVQUAL's five service-quality dimensions, and one of your own.
        TANGIBLES = "tangibles", _("Tangibles")
        RELIABILITY = "reliability", _("Reliability")
        RESPONSIVENESS = "responsiveness", _("Responsiveness")
        ASSURANCE = "assurance", _("Assurance")
        EMPATHY = "empathy", _("Empathy")
        CUSTOM = "custom", _("Custom")

    SCORED = (Kind.RATING, Kind.NPS, Kind.CSAT, Kind.PAIR)
    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions",
                               verbose_name=_("survey"), db_index=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    text_zh_hans = models.CharField(_("question (Simplified Chinese)"), max_length=300, blank=True)
    text_zh_hant = models.CharField(_("question (Traditional Chinese)"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=True)
    scale = models.PositiveSmallIntegerField(_("scale"), default=5,
                                             help_text=_("Pairs: 5 or 7 points. Other kinds have a fixed scale."))
    dimension = models.CharField(_("service dimension"), max_length=16, choices=Dimension.choices, blank=True)
    custom_dimension = models.CharField(_("custom dimension"), max_length=60, blank=True)
    # [{"key": "c1", "en": "Yes", "zh_hans": "是", "zh_hant": "是"}, …] for choice questions
    choices = models.JSONField(_("choices"), default=list, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "position", "id"]
        indexes = [models.Index(fields=["survey", "position"], name="survey_question_position")]

    def __str__(self):
        return self.text() or f"#{self.pk}"

    def text(self, language=None) -> str:
        return in_language(self, "text", language)

    def choice_label(self, key: str, language=None) -> str:
        for choice in self.choices:
            if choice.get("key") == key:
                return choice_text(choice, language)
        return key

    def localized_choices(self, language=None) -> list[tuple[str, str]]:
        return [(c["key"], choice_text(c, language)) for c in self.choices]

    def dimension_label(self) -> str:
        if self.dimension == self.Dimension.CUSTOM:
            return self.custom_dimension
        return str(self.get_dimension_display()) if self.dimension else ""

    @property
    def low(self) -> int:
        return 0 if self.kind == self.Kind.NPS else 1

    @property
    def high(self) -> int:
        return {self.Kind.NPS: 10, self.Kind.RATING: 5, self.Kind.CSAT: 5}.get(self.kind, self.scale)


def choice_text(choice: dict, language=None) -> str:
    for code in FALLBACK[language_key(language)]:
        if choice.get(LANGUAGE_FIELDS[code]):
            return choice[LANGUAGE_FIELDS[code]]
    return choice.get("key", "")


class BatchSend(models.Model):
    """One batch of invitations: a send to a segment (the customer list's filters) or one daily
    run of an after-order survey; what it matched, invited and skipped, and why."""

    class Kind(models.TextChoices):
        SEGMENT = "segment", _("Segment send")
        ORDER = "order", _("After-order run")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Sending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="batches",
                               verbose_name=_("survey"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.SEGMENT)
    channel = models.CharField(_("channel"), max_length=8, choices=Survey.Channel.choices)
    language = models.CharField(_("language"), max_length=8, choices=Survey.Language.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("sent by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    matched = models.PositiveIntegerField(_("customers matched"), default=0)
    invited = models.PositiveIntegerField(_("invited"), default=0)
    skipped_opted_out = models.PositiveIntegerField(_("skipped: opted out"), default=0)
    skipped_no_contact = models.PositiveIntegerField(_("skipped: no address for the channel"), default=0)
    skipped_already = models.PositiveIntegerField(_("skipped: already invited"), default=0)
    emails_failed = models.PositiveIntegerField(_("emails not delivered"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("batch send")
        verbose_name_plural = _("batch sends")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.survey_id})"

    @property
    def skipped(self) -> int:
        return self.skipped_opted_out + self.skipped_no_contact + self.skipped_already


class Invitation(models.Model):
    """One link for one customer. The token itself is never stored, only its SHA-256."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To send")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not delivered")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Sent by staff")
        CASE_CLOSED = "case_closed", _("After a service case")
        ORDER = "order", _("After an order")
        SEGMENT = "segment", _("Segment send")

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations",
                               verbose_name=_("survey"), db_index=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="survey_invitations",
                                 verbose_name=_("customer"), db_index=False)
    channel = models.CharField(_("channel"), max_length=8, choices=Survey.Channel.choices)
    language = models.CharField(_("language"), max_length=8, choices=Survey.Language.choices)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    trigger = models.CharField(_("why"), max_length=12, choices=Trigger.choices, default=Trigger.MANUAL)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    # An SMS waiting for staff to send it: its text with the link (cleared once marked sent).
    sms_text = models.TextField(_("SMS text"), blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    case_id = models.BigIntegerField(_("service case"), null=True, blank=True)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("order"), db_index=False)
    batch = models.ForeignKey(BatchSend, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="invitations", verbose_name=_("batch"), db_index=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("invited by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A case or an order is surveyed once, however often its signal or the task runs.
            models.UniqueConstraint(fields=["survey", "case_id"], name="one_invitation_per_case",
                                    condition=models.Q(case_id__isnull=False)),
            models.UniqueConstraint(fields=["survey", "order"], name="one_invitation_per_order",
                                    condition=models.Q(order__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["survey", "customer"], name="survey_invitation_survey"),
            models.Index(fields=["customer", "-created_at"], name="survey_invitation_customer"),
            models.Index(fields=["batch"], name="survey_invitation_batch",
                         condition=models.Q(batch__isnull=False)),
            models.Index(fields=["order"], name="survey_invitation_order",
                         condition=models.Q(order__isnull=False)),
            # The "SMS to send" list: only the few rows waiting, newest first.
            models.Index(fields=["-created_at", "-id"], name="survey_invitation_sms_todo",
                         condition=models.Q(channel="sms", status="pending")),
        ]

    def __str__(self):
        return f"{self.survey_id} → {self.customer_id} ({self.channel})"


class Response(models.Model):
    """One completed questionnaire. ``invitation`` is one-to-one: a link is answered once."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses",
                               verbose_name=_("survey"), db_index=False)
    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT, related_name="response",
                                      verbose_name=_("invitation"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="survey_responses",
                                 verbose_name=_("customer"), db_index=False)
    language = models.CharField(_("language"), max_length=8, choices=Survey.Language.choices)
    submitted_at = models.DateTimeField(_("answered at"))
    # The survey's NPS and CSAT answers, and the customer's tier when they answered: results
    # group responses by these without reading the answers.
    nps = models.PositiveSmallIntegerField(_("NPS answer"), null=True, blank=True)
    csat = models.PositiveSmallIntegerField(_("CSAT answer"), null=True, blank=True)
    tier = models.CharField(_("tier when answered"), max_length=1, blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-submitted_at", "-id"], name="survey_response_customer_at"),
            models.Index(fields=["survey", "-submitted_at", "-id"], name="survey_response_survey_at"),
        ]

    def __str__(self):
        return f"{self.survey_id} ← {self.customer_id} {self.submitted_at:%Y-%m-%d}"


class Answer(models.Model):
    """One answer: ``number`` for ratings, NPS, CSAT and a pair's perception (with its
    ``expectation``), ``choice`` for a chosen option, ``text`` for free text (plain text)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers",
                                 verbose_name=_("response"), db_index=False)  # the unique constraint's index
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers",
                                 verbose_name=_("question"), db_index=False)
    number = models.SmallIntegerField(_("score"), null=True, blank=True)
    expectation = models.SmallIntegerField(_("expectation"), null=True, blank=True)
    choice = models.CharField(_("choice"), max_length=32, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["response", "question__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question", "choice"], name="one_answer_per_question"),
        ]
        indexes = [models.Index(fields=["question", "number"], name="survey_answer_question")]

    def __str__(self):
        return f"{self.question_id}: {self.number if self.number is not None else self.choice or self.text[:30]}"
