"""Forms of the service pages: shapes and widgets only; the rules are in ``services``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.labels import LabelledChoiceField
from kehu.service.models import Case, CaseCategory, Proposal
from kehu.web.public_forms import ReachableMixin


def _categories():
    return CaseCategory.objects.filter(active=True)


class CaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Case.Kind.choices, initial=Case.Kind.COMPLAINT)
    category = LabelledChoiceField(label=_("Category"), queryset=CaseCategory.objects.none())
    severity = forms.ChoiceField(label=_("Severity"), choices=Case.Severity.choices, initial=Case.Severity.NORMAL)
    channel = forms.ChoiceField(label=_("Channel"), choices=Case.Channel.choices, initial=Case.Channel.PHONE)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    words = forms.CharField(label=_("What the customer said"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
                            help_text=_("In their own words: let them vent, and write it down as they say it."))
    contact_name = forms.CharField(label=_("Contact name"), max_length=120, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories()
        self.customer = customer
        if customer is not None:
            for name in ("contact_name", "contact_phone", "contact_email"):
                del self.fields[name]


class WordsForm(forms.Form):
    customer_words = forms.CharField(label=_("The customer's own words"), widget=forms.Textarea(attrs={"rows": 5}))


class KeyPointsForm(forms.Form):
    what_happened = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))
    happened_on = forms.DateField(label=_("When it happened"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    expectation = forms.CharField(label=_("What the customer expects"), widget=forms.Textarea(attrs={"rows": 2}))
    root_cause = forms.ChoiceField(label=_("Root cause"), choices=[("", "—"), *Case.RootCause.choices])
    orders = forms.MultipleChoiceField(label=_("Orders concerned"), required=False,
                                       widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, order_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orders"].choices = order_choices
        if not order_choices:
            del self.fields["orders"]


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply to the customer"), widget=forms.Textarea(attrs={"rows": 4}))
    send_email = forms.BooleanField(label=_("Send it by email"), required=False, initial=True)


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 2}))


class ProposalForm(forms.Form):
    kind = forms.ChoiceField(label=_("Solution"), choices=Proposal.Kind.choices)
    amount = forms.DecimalField(label=_("Amount (CNY)"), required=False, min_value=0, max_digits=12, decimal_places=2)
    description = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AnswerForm(forms.Form):
    accepted = forms.TypedChoiceField(label=_("The customer's answer"), coerce=lambda v: v == "yes",
                                      choices=[("yes", _("Accepted")), ("no", _("Rejected"))],
                                      widget=forms.RadioSelect)
    customer_wants = forms.CharField(label=_("If rejected: what the customer asked for instead"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpForm(forms.Form):
    due_at = forms.DateTimeField(label=_("Follow up on"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                 input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    title = forms.CharField(label=_("What to do"), max_length=200, required=False)


class FollowUpDoneForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Was the customer satisfied?"), choices=Case.Outcome.choices,
                                widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PublicComplaintForm(ReachableMixin, forms.Form):
    """No account needed: who you are, what happened, what you expect."""

    name = forms.CharField(label=_("Your name"), max_length=120)
    phone = forms.CharField(label=_("Mobile phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    category = LabelledChoiceField(label=_("What is it about?"), queryset=CaseCategory.objects.none())
    order_number = forms.CharField(label=_("Order number (if any)"), max_length=64, required=False)
    words = forms.CharField(label=_("What happened?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    expectation = forms.CharField(label=_("What would you like us to do?"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    # a field people cannot see and bots fill in
    website = forms.CharField(required=False, label=_("Leave this empty"),
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories()

    def clean(self):
        data = super().clean()
        self.require_a_way_to_answer(data)
        for name in ("words", "expectation", "name"):
            if "\x00" in (data.get(name) or ""):
                self.add_error(name, _("This text contains characters that are not allowed."))
        return data


class StatusMessageForm(forms.Form):
    body = forms.CharField(label=_("Add a message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class MoveForm(forms.Form):
    to_stage = forms.ChoiceField(choices=Case.Stage.choices)
    version = forms.IntegerField(min_value=1)

