"""Forms of the activity pages: shapes and widgets only; the rules (who may own it, which
records it may be linked to, when it may be done) are in ``kehu.sales.activities``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.sales.access import visible_leads, visible_opportunities
from kehu.sales.activities import assignable_owners
from kehu.sales.models import Activity, Lead
from kehu.web.params import int_or_none

DATETIME_INPUTS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
REMINDERS = [
    ("", _("No reminder")),
    ("0", _("At the time")),
    ("5", _("5 minutes before")),
    ("15", _("15 minutes before")),
    ("30", _("30 minutes before")),
    ("60", _("1 hour before")),
    ("120", _("2 hours before")),
    ("1440", _("1 day before")),
]
CHOICES_SHOWN = 200  # the most recent leads / opportunities offered in a form's list


def _when(label, **kwargs):
    return forms.DateTimeField(label=label, input_formats=DATETIME_INPUTS, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), **kwargs)


class ActivityForm(forms.Form):
    """Plan an activity, or log one that already happened (``done`` ticked). ``compact`` is the
    activities panel's short version (kind, subject, when, done and outcome; links are hidden)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices, initial=Activity.Kind.CALL)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    due_at = _when(_("When"), required=False, help_text=_("When it is due; for a logged activity, when it happened "
                                                          "(empty: now)."))
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), required=False, min_value=1,
                                          max_value=24 * 60)
    remind_minutes_before = forms.TypedChoiceField(label=_("Reminder by email"), choices=REMINDERS, required=False,
                                                   coerce=int, empty_value=None)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    opportunity = forms.TypedChoiceField(label=_("Opportunity"), required=False, coerce=int, empty_value=None)
    lead = forms.TypedChoiceField(label=_("Lead"), required=False, coerce=int, empty_value=None)
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    done = forms.BooleanField(label=_("Already done (log it)"), required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Activity.Outcome.choices, initial=Activity.Outcome.DONE,
                                required=False)
    outcome_note = forms.CharField(label=_("What came of it"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, compact: bool = False, editing: Activity | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        fixed = {k: int_or_none(self.initial.get(k)) for k in ("lead", "opportunity")}
        if compact:
            for name in ("duration_minutes", "remind_minutes_before", "notes", "owner", "outcome_note"):
                del self.fields[name]
            for name in ("lead", "opportunity"):  # the panel's record: fixed, checked by the service
                self.fields[name] = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
        else:
            self._link_choices(fixed, editing)
            owners = list(assignable_owners(user).order_by("username").values_list("pk", "username")[:CHOICES_SHOWN])
            if editing is not None and editing.owner_id not in {pk for pk, _name in owners}:
                owners.append((editing.owner_id, editing.owner.get_username()))
            if len(owners) > 1:
                self.fields["owner"].choices = owners
                self.fields["owner"].required = True
                self.initial.setdefault("owner", user.pk)
            else:
                del self.fields["owner"]
        if editing is not None:
            for name in ("done", "outcome", "outcome_note"):
                self.fields.pop(name, None)

    def _link_choices(self, fixed, editing):
        opportunities = list(visible_opportunities(self.user).filter(closed_at__isnull=True)
                             .order_by("-updated_at", "-pk").values_list("pk", "name")[:CHOICES_SHOWN])
        leads = list(visible_leads(self.user).exclude(status__in=[Lead.Status.CONVERTED, Lead.Status.DISQUALIFIED])
                     .order_by("-created_at", "-pk").values_list("pk", "name")[:CHOICES_SHOWN])
        for name, rows in (("opportunity", opportunities), ("lead", leads)):
            current = fixed[name] or (getattr(editing, f"{name}_id", None) if editing else None)
            if current and current not in {pk for pk, _label in rows}:
                record = getattr(editing, name, None) if editing else None
                rows.insert(0, (current, str(record) if record else f"#{current}"))
            self.fields[name].choices = [("", "—"), *rows]

    def clean(self):
        data = super().clean()
        if data.get("done") and data.get("remind_minutes_before") is not None:
            data["remind_minutes_before"] = None  # nothing to remind of
        return data


class CompleteForm(forms.Form):
    """The quick "done" of an open activity: an outcome and a note (and the version seen)."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=Activity.Outcome.choices, initial=Activity.Outcome.DONE)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
