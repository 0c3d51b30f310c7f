"""The wizard's forms: shape and widgets only; ``kehu.imports.services`` applies the rules."""

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kehu.imports.fields import Target
from kehu.imports.models import ImportJob

ENCODINGS = [
    ("", _("Detect automatically")),
    ("utf-8", "UTF-8"),
    ("gb18030", _("GB18030 / GBK (Simplified Chinese)")),
    ("cp950", _("Big5 (Traditional Chinese)")),  # cp950: Big5 as Windows and Excel write it
    ("utf-16", "UTF-16"),
]
DUPLICATE_ACTIONS = [
    ("create", _("Create a new customer (and queue the pair for review)")),
    ("link", _("Update the existing customer")),
    ("skip", _("Skip the row")),
]
# the per-row choice on the dry-run page, shorter
DECISIONS = [("link", _("Link to the existing customer")), ("create", _("Create new")), ("skip", _("Skip"))]


class UploadForm(forms.Form):
    target = forms.ChoiceField(label=_("What to import"))
    file = forms.FileField(label=_("File"), help_text=_("CSV (.csv, .txt) or Excel (.xlsx), with a header row."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}))
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODINGS, required=False,
                                 help_text=_("For CSV files only. Change it if the preview shows garbled characters."))
    sheet = forms.CharField(label=_("Sheet"), required=False, max_length=100,
                            help_text=_("For Excel files: the sheet's name (the first sheet when empty)."))

    def __init__(self, *args, targets: list[Target], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(t.name, t.label) for t in targets]


def field_choices(target: Target, custom_definitions=()) -> list[tuple[str, str]]:
    """"— do not import —", then the target's fields (required ones marked *), then custom fields."""
    choices = [("", _("— do not import —"))]
    choices += [(f.key, f"{f.label} *" if f.required else str(f.label)) for f in target.fields]
    lang = get_language()
    choices += [(f"custom:{d.key}", d.label(lang)) for d in custom_definitions]
    return choices


class MappingForm(forms.Form):
    """One select per column of the file (``col_<i>``), then the import's options."""

    upsert_key = forms.ChoiceField(label=_("Match existing records by"), required=False,
                                   help_text=_("A row with the same value updates that record instead of creating "
                                               "a new one."))
    on_error = forms.ChoiceField(label=_("Invalid rows"), choices=ImportJob.OnError.choices,
                                 widget=forms.RadioSelect)
    duplicates = forms.ChoiceField(label=_("Possible duplicates of existing customers"), choices=DUPLICATE_ACTIONS,
                                   help_text=_("The default; after the dry run you can decide row by row."))
    save_as = forms.CharField(label=_("Save this mapping as"), required=False, max_length=100,
                              help_text=_("A name, to reuse this mapping for the next file of the same shape."))

    def __init__(self, *args, headers: list[str], target: Target, custom_definitions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = field_choices(target, custom_definitions)
        self.columns = []
        for i, header in enumerate(headers):
            name = f"col_{i}"
            self.fields[name] = forms.ChoiceField(label=header, choices=choices, required=False)
            self.columns.append(name)
        if target.upsert_keys:
            labels = {f.key: str(f.label) for f in target.fields}
            self.fields["upsert_key"].choices = ([(k, labels.get(k, k)) for k in target.upsert_keys]
                                                 + [("", _("— never: always create new records —"))])
        else:
            del self.fields["upsert_key"]
        if target.name != "customers":
            del self.fields["duplicates"]

    def column_fields(self):
        return [self[name] for name in self.columns]

    def mapping(self) -> dict[str, str | None]:
        return {header: self.cleaned_data.get(f"col_{i}") or None for i, header in enumerate(self.headers)}

    @staticmethod
    def initial_for(job: ImportJob, headers: list[str], chosen: dict, options: dict | None = None) -> dict:
        options = options or {}
        initial = {f"col_{i}": chosen.get(h) or "" for i, h in enumerate(headers)}
        duplicates = options.get("duplicates", job.duplicates)
        initial.update(upsert_key=options.get("upsert_key", job.upsert_key),
                       on_error=options.get("on_error", job.on_error),
                       duplicates=duplicates if duplicates in dict(DUPLICATE_ACTIONS) else "create")
        return initial
