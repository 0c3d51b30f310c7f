from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kehu.accounts.models import Team
from kehu.customers.models import (
    Address,
    ChannelIdentity,
    Contact,
    Customer,
    CustomFieldDefinition,
    Interaction,
)
from kehu.customers.normalize import normalize_email, normalize_phone
from kehu.privacy.models import Consent

FIELD_FOR_TYPE = {
    "text": lambda **kw: forms.CharField(**kw),
    "integer": lambda **kw: forms.IntegerField(**kw),
    "decimal": lambda **kw: forms.DecimalField(**kw),
    "date": lambda **kw: forms.DateField(**kw),
    "boolean": lambda **kw: forms.BooleanField(**kw),
}


class CustomerForm(forms.Form):
    """Shape and widgets only; the service (create/update_customer) applies the rules."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Customer.Kind.choices)
    family_name = forms.CharField(label=_("Family name"), required=False, max_length=100)
    given_name = forms.CharField(label=_("Given name"), required=False, max_length=100)
    legal_name = forms.CharField(label=_("Legal name"), required=False, max_length=200)
    display_name = forms.CharField(label=_("Display name"), required=False, max_length=200,
                                   help_text=_("Leave empty to build it from the names."))
    registration_number = forms.CharField(label=_("Registration number"), required=False, max_length=64)
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=64)
    birth_date = forms.DateField(label=_("Date of birth"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    nature = forms.ChoiceField(label=_("Nature"), choices=Customer.Nature.choices)
    lifecycle_stage = forms.ChoiceField(label=_("Lifecycle stage"), choices=Customer.Stage.choices)
    acquisition_source = forms.ChoiceField(label=_("Acquisition source"), required=False,
                                           choices=[("", "—")] + list(Customer.Source.choices))
    owner = forms.ModelChoiceField(label=_("Owner"), required=False, empty_label="—",
                                   queryset=get_user_model().objects.none())
    team = forms.ModelChoiceField(label=_("Team"), required=False, empty_label="—", queryset=Team.objects.all())
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separate tags with commas."))
    phone = forms.CharField(label=_("Mobile phone"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    email = forms.CharField(label=_("Email"), required=False, max_length=200, widget=forms.EmailInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        if not creating:
            del self.fields["phone"], self.fields["email"]
        self.custom_definitions = list(CustomFieldDefinition.objects.all())
        lang = get_language()
        for defn in self.custom_definitions:
            kw = {"label": defn.label(lang), "required": False}
            if defn.type in ("choice", "multi_choice"):
                choices = [(c, c) for c in defn.choices]
                field = (forms.ChoiceField(choices=[("", "—")] + choices, **kw) if defn.type == "choice"
                         else forms.MultipleChoiceField(choices=choices, **kw))
            else:
                field = FIELD_FOR_TYPE[defn.type](**kw)
            self.fields[f"cf_{defn.key}"] = field

    def clean_phone(self):
        value = self.cleaned_data.get("phone", "").strip()
        if value:
            normalize_phone(value)  # raises ValidationError with the reason, shown by the field
        return value

    def clean_email(self):
        value = self.cleaned_data.get("email", "").strip()
        if value:
            normalize_email(value)
        return value

    def clean(self):
        data = super().clean()
        has_name = any(data.get(f) for f in ("display_name", "family_name", "given_name", "legal_name"))
        if not has_name:
            field = "legal_name" if data.get("kind") == Customer.Kind.ORGANISATION else "family_name"
            self.add_error(field, _("Enter the customer's name."))
        return data

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items()
                if k not in ("tags", "phone", "email", "version") and not k.startswith("cf_")}
        custom = {}
        for defn in self.custom_definitions:
            value = self.cleaned_data.get(f"cf_{defn.key}")
            if value not in (None, "", [], False) or defn.type == "boolean":
                custom[defn.key] = value.isoformat() if hasattr(value, "isoformat") else (
                    str(value) if defn.type == "decimal" and value is not None else value)
        data["custom_fields"] = custom
        return data

    def tag_names(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data.get("tags", "").replace("，", ",").split(",") if t.strip()]

    def add_service_errors(self, error_dict: dict):
        for field, messages in error_dict.items():
            name = field
            if field.startswith("custom_fields."):
                name = "cf_" + field.split(".", 1)[1]
            elif field.startswith("identities."):
                name = field.rsplit(".", 1)[1]
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)


class InteractionForm(forms.ModelForm):
    class Meta:
        model = Interaction
        fields = ["type", "channel", "direction", "subject", "notes", "occurred_at"]
        widgets = {"occurred_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                   "notes": forms.Textarea(attrs={"rows": 3})}


class IdentityForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=ChannelIdentity.Channel.choices)
    value = forms.CharField(label=_("Value"), max_length=200)
    verified = forms.BooleanField(label=_("Verified"), required=False)
    is_primary = forms.BooleanField(label=_("Primary"), required=False)


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "role", "phone", "email", "is_primary"]


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = ["kind", "province", "city", "district", "line1", "postal_code", "country", "is_primary"]


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Consent.Channel.choices)
    granted = forms.TypedChoiceField(label=_("Decision"), coerce=lambda v: v == "1",
                                     choices=[("1", _("Granted")), ("0", _("Withdrawn"))])
    source = forms.ChoiceField(label=_("How"), choices=Consent.Source.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=255)
