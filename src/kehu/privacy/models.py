from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditEntry(models.Model):
    """Who changed what, when: written by every service in the same transaction as the change."""

    class Action(models.TextChoices):
        CREATE = "create", pgettext_lazy("audit action", "created")
        UPDATE = "update", pgettext_lazy("audit action", "updated")
        DELETE = "delete", pgettext_lazy("audit action", "deleted")
        MERGE = "merge", pgettext_lazy("audit action", "merged")
        UNMERGE = "unmerge", pgettext_lazy("audit action", "merge undone")
        EXPORT = "export", pgettext_lazy("audit action", "exported")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", verbose_name=_("by"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("record type"), max_length=64)
    object_id = models.CharField(_("record id"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    # Denormalised so a customer's timeline reads its audit trail with one indexed query.
    customer_id = models.BigIntegerField(_("customer"), null=True, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)  # {field: [old, new]}

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer_id", "-at", "-id"], name="audit_customer_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]
        permissions = [
            ("view_pii", _("Can see personal data (phone, email, address, ID numbers) unmasked")),
        ]  # exporting is exports.export_data (kehu.exports.models.ExportJob)

    def __str__(self):
        return f"{self.action} {self.object_type}#{self.object_id}"


class Consent(models.Model):
    """One consent decision. Rows are never edited: a change adds a row and flips ``is_current``."""

    # On a merge the newer consent stays current (a later withdrawal must win; identity.merge).
    merge_latest_by = "recorded_at"

    class Purpose(models.TextChoices):
        MARKETING = "marketing", _("Marketing")
        PERSONALISATION = "personalisation", _("Personalisation")
        ANALYTICS = "analytics", _("Analytics")
        SERVICE = "service", _("Service messages")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        PHONE = "phone", _("Phone")
        WECHAT = "wechat", _("WeChat")
        POST = "post", _("Post")
        ANY = "any", _("Any channel")

    class Source(models.TextChoices):
        WEB_FORM = "web_form", _("Web form")
        PAPER = "paper", _("Paper form")
        PHONE = "phone", _("Phone call")
        STORE = "store", _("In store")
        EMAIL = "email", _("Email reply")
        IMPORT = "import", _("Import")
        API = "api", _("API")
        STAFF = "staff", _("Recorded by staff")

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="consents", verbose_name=_("customer"), db_index=False)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    granted = models.BooleanField(_("granted"))
    recorded_at = models.DateTimeField(_("when"))
    source = models.CharField(_("how"), max_length=12, choices=Source.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("recorded by"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    is_current = models.BooleanField(_("current"), default=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "purpose", "channel"],
                                    condition=models.Q(is_current=True), name="one_current_consent"),
        ]
        indexes = [models.Index(fields=["customer", "-recorded_at"], name="consent_customer_at")]

    def __str__(self):
        state = "granted" if self.granted else "withdrawn"
        return f"{self.purpose}/{self.channel}: {state}"
