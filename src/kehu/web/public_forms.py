"""What every form the public fills in without an account shares (the complaint form, the
web-to-lead form): a phone we can call, and at least one way to answer."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ReachableMixin:
    """For a ``forms.Form`` with ``phone`` and ``email`` fields: the phone normalised to E.164 with
    a message a visitor understands, and ``require_a_way_to_answer`` for its ``clean``."""

    def clean_phone(self):
        from kehu.customers.normalize import normalize_phone

        phone = self.cleaned_data["phone"].strip()
        if not phone:
            return ""
        try:
            return normalize_phone(phone)
        except forms.ValidationError:
            raise forms.ValidationError(_("This is not a phone number we can call.")) from None

    def require_a_way_to_answer(self, data: dict) -> None:
        if not (data.get("phone") or data.get("email")) and not self.has_error("phone") and not self.has_error("email"):
            raise forms.ValidationError(_("Give a phone number or an email address, so we can answer you."))
