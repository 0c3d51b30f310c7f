"""The customer information file (CIF): the C series and the touchpoints that feed it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Customer(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    class Nature(models.TextChoices):
        # CONCEPTS §1 客户性质
        GOVERNMENT = "government", _("Government & non-profit")
        SPECIAL = "special", _("Special business partner")
        COMPANY = "company", _("Ordinary company")
        INDIVIDUAL = "individual", _("Individual / trading partner")

    class Stage(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        NEW = "new", _("New")
        ACTIVE = "active", _("Active")
        AT_RISK = "at_risk", _("At risk")
        LOST = "lost", _("Lost")
        WON_BACK = "won_back", _("Won back")

    class Tier(models.TextChoices):
        A = "A", _("A · VIP")
        B = "B", _("B · Major")
        C = "C", _("C · Ordinary")
        D = "D", _("D · Small")

    class Source(models.TextChoices):
        # CONCEPTS §4: the seed's lead sources, so their yield can be compared later.
        DOOR_TO_DOOR = "door_to_door", _("Door-to-door visit")
        ADVERTISING = "advertising", _("Advertising")
        DATA_LOOKUP = "data_lookup", _("Data look-up")
        TRADE_SHOW = "trade_show", _("Meeting or trade show")
        CLUB = "club", _("Club")
        TELEPHONE = "telephone", _("Telephone")
        CONSULTING = "consulting", _("Consulting")
        COMPETITOR = "competitor", _("Won from a competitor")
        DIRECT_MAIL = "direct_mail", _("Direct mail")
        REFERRAL = "referral", _("Referral")
        CELEBRITY = "celebrity", _("Celebrity referral")
        KEY_OPINION = "key_opinion", _("Key-opinion customer")
        SMS = "sms", pgettext_lazy("lead source", "SMS")
        ONLINE = "online", _("Online")
        STORE = "store", _("Walk-in / store")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PERSON)
    # The customer's id in another system (ERP, shop, spreadsheet): imports update by it.
    # Unique as a table constraint, not a field option: on PostgreSQL the field option adds a
    # second (LIKE-pattern) index that imports keep up to date and no query uses.
    external_id = models.CharField(_("external id"), max_length=64, null=True, blank=True)
    display_name = models.CharField(_("name"), max_length=200)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=64, blank=True)
    id_number = models.CharField(_("ID number"), max_length=64, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    nature = models.CharField(_("nature"), max_length=12, choices=Nature.choices,
                              default=Nature.INDIVIDUAL)
    lifecycle_stage = models.CharField(_("lifecycle stage"), max_length=10, choices=Stage.choices,
                                       default=Stage.PROSPECT)
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    acquisition_source = models.CharField(_("acquisition source"), max_length=16,
                                          choices=Source.choices, blank=True)
    # who introduced this customer (chain referral, CONCEPTS §4): the referral graph's edges
    referred_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="referrals", db_index=False, verbose_name=_("referred by"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="owned_customers", db_index=False,
                              verbose_name=_("owner"))
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="customers", db_index=False, verbose_name=_("team"))
    tags = models.ManyToManyField("Tag", blank=True, related_name="customers", verbose_name=_("tags"))
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # Set by a merge (identity app): the record stays, hidden, so the merge can be undone.
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", db_index=False, verbose_name=_("merged into"))

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at", "-id"]
        permissions = [("view_all_customers", _("Can see every customer, whoever owns it"))]
        constraints = [models.UniqueConstraint(fields=["external_id"], name="uniq_customer_external_id")]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="customer_created"),
            models.Index(fields=["display_name"], name="customer_name"),
            models.Index(fields=["owner", "-created_at"], name="customer_owner"),
            models.Index(fields=["team", "-created_at"], name="customer_team"),
            models.Index(fields=["lifecycle_stage"], name="customer_stage"),
            models.Index(fields=["nature"], name="customer_nature"),
            models.Index(fields=["tier"], name="customer_tier"),
            models.Index(fields=["merged_into"], name="customer_merged_into",
                         condition=models.Q(merged_into__isnull=False)),
            models.Index(fields=["referred_by"], name="customer_referred_by",
                         condition=models.Q(referred_by__isnull=False)),
        ]

    def __str__(self):
        return self.display_name


class CustomerShare(models.Model):
    """Share a customer with another team (Salesforce-style sharing rule, one row per grant)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="shares")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="shared_customers")

    class Meta:
        verbose_name = _("customer share")
        verbose_name_plural = _("customer shares")
        constraints = [models.UniqueConstraint(fields=["customer", "team"], name="uniq_customer_share")]
        indexes = [models.Index(fields=["team", "customer"], name="share_team")]

    def __str__(self):
        return f"{self.customer_id} → {self.team_id}"


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CustomFieldDefinition(models.Model):
    """A field an admin adds to customers; values live in ``Customer.custom_fields``."""

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        INTEGER = "integer", _("Whole number")
        DECIMAL = "decimal", _("Decimal number")
        DATE = "date", _("Date")
        BOOLEAN = "boolean", _("Yes / no")
        CHOICE = "choice", _("One of a list")
        MULTI_CHOICE = "multi_choice", _("Several of a list")

    key = models.SlugField(_("key"), max_length=50, unique=True)
    type = models.CharField(_("type"), max_length=12, choices=Type.choices)
    label_en = models.CharField(_("label (English)"), max_length=100)
    label_zh = models.CharField(_("label (Chinese)"), max_length=100, blank=True)
    required = models.BooleanField(_("required"), default=False)
    choices = models.JSONField(_("choices"), default=list, blank=True,
                               help_text=_("For choice fields: a list of allowed values."))
    applies_to = models.CharField(_("applies to"), max_length=12, blank=True,
                                  choices=Customer.Kind.choices,
                                  help_text=_("Leave empty for every customer."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["position", "key"]

    def __str__(self):
        return self.key

    def clean(self):
        from django.core.exceptions import ValidationError

        choice_types = (self.Type.CHOICE, self.Type.MULTI_CHOICE)
        if self.type in choice_types:
            if not isinstance(self.choices, list) or not self.choices or not all(
                    isinstance(c, str) and c for c in self.choices):
                raise ValidationError({"choices": _("List the allowed values, e.g. [\"gold\", \"silver\"].")})
        elif self.choices:
            raise ValidationError({"choices": _("Only choice fields have a list of values.")})

    def label(self, language_code: str | None) -> str:
        if language_code and language_code.startswith("zh") and self.label_zh:
            return self.label_zh
        return self.label_en


class Contact(models.Model):
    """A person at an organisation customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts",
                                 verbose_name=_("customer"))
    name = models.CharField(_("name"), max_length=120)
    role = models.CharField(_("role"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=models.Q(is_primary=True),
                                    name="one_primary_contact"),
        ]

    def __str__(self):
        return self.name


class Address(models.Model):
    class Kind(models.TextChoices):
        HOME = "home", _("Home")
        WORK = "work", _("Work")
        BILLING = "billing", _("Billing")
        SHIPPING = "shipping", _("Shipping")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses",
                                 verbose_name=_("customer"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOME)
    country = models.CharField(_("country"), max_length=2, default="CN")
    province = models.CharField(_("province"), max_length=60, blank=True)
    city = models.CharField(_("city"), max_length=60, blank=True)
    district = models.CharField(_("district"), max_length=60, blank=True)
    line1 = models.CharField(_("street address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    is_primary = models.BooleanField(_("primary address"), default=False)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_primary", "id"]

    def __str__(self):
        return " ".join(p for p in (self.province, self.city, self.district, self.line1) if p)


class ChannelIdentity(models.Model):
    """How a customer is recognised on one channel (CONCEPTS §2, Identify)."""

    merge_primary_per = ("channel",)  # one primary phone, one primary email … (identity.merge)

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        WECHAT = "wechat", _("WeChat")
        STORE_CARD = "store_card", _("Store card")
        WEB_ACCOUNT = "web_account", _("Web account")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities", db_index=False,
                                 verbose_name=_("customer"))
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    value = models.CharField(_("value as entered"), max_length=200)
    normalized = models.CharField(_("normalised value"), max_length=200)
    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by staff")
        API = "api", _("API")
        IMPORT = "import", _("Import")
        WEB = "web", _("Web form")
        MATCH = "match", _("Recognised on entry")

    verified = models.BooleanField(_("verified"), default=False)
    is_primary = models.BooleanField(_("primary"), default=False)
    source = models.CharField(_("came from"), max_length=8, choices=Source.choices,
                              default=Source.MANUAL)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("channel identity")
        verbose_name_plural = _("channel identities")
        ordering = ["channel", "-is_primary", "id"]
        constraints = [
            # One phone number (or email …) belongs to one customer until an explicit merge.
            models.UniqueConstraint(fields=["channel", "normalized"], name="uniq_channel_identity"),
        ]
        indexes = [models.Index(fields=["customer", "channel"], name="identity_customer")]

    def __str__(self):
        return f"{self.channel}:{self.normalized}"


class Interaction(models.Model):
    """A touchpoint: every contact is logged and feeds the record (CONCEPTS §2, Interact)."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        WECHAT = "wechat", _("WeChat")
        STORE = "store", _("Store")
        WEB = "web", _("Web")
        IN_PERSON = "in_person", _("In person")
        SMS = "sms", _("SMS")
        OTHER = "other", _("Other")

    class Direction(models.TextChoices):
        INBOUND = "in", _("Inbound")
        OUTBOUND = "out", _("Outbound")

    class Type(models.TextChoices):
        CALL = "call", _("Call")
        VISIT = "visit", _("Visit")
        EMAIL = "email", _("Email")
        CHAT = "chat", _("Chat")
        MEETING = "meeting", _("Meeting")
        STORE_VISIT = "store_visit", _("Store visit")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="interactions", db_index=False,
                                 verbose_name=_("customer"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    type = models.CharField(_("type"), max_length=12, choices=Type.choices)
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    occurred_at = models.DateTimeField(_("when"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+", verbose_name=_("by"))

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["customer", "-occurred_at", "-id"], name="interaction_customer_at")]

    def __str__(self):
        return self.subject
