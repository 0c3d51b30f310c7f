"""Shapes and widgets of the editor's forms; the rules live in ``knowledge.services``."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.knowledge.models import LANGUAGE_NAMES, LANGUAGES, Article, Category, Topic, suffix

# The lang attribute of each version's inputs, so browsers pick the right fonts and input methods.
HTML_LANG = {"en": "en", "zh-hans": "zh-Hans", "zh-hant": "zh-Hant"}


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name()


class ArticleForm(forms.Form):
    title_en = forms.CharField(label=pgettext_lazy("knowledge", "Title"), required=False, max_length=200)
    body_en = forms.CharField(label=_("Text (HTML)"), required=False, widget=forms.Textarea(attrs={"rows": 12}))
    title_zh_hans = forms.CharField(label=pgettext_lazy("knowledge", "Title"), required=False, max_length=200)
    body_zh_hans = forms.CharField(label=_("Text (HTML)"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 12}))
    title_zh_hant = forms.CharField(label=pgettext_lazy("knowledge", "Title"), required=False, max_length=200)
    body_zh_hant = forms.CharField(label=_("Text (HTML)"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 12}))
    category = CategoryChoiceField(label=_("Category"), required=False, empty_label="—",
                                   queryset=Category.objects.all())
    tags = forms.CharField(label=_("Tags"), required=False, max_length=500,
                           help_text=_("Separate tags with commas."))
    topics = forms.MultipleChoiceField(
        label=_("Helps with cases about"), required=False, choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Articles about a case's category are suggested first on the case page."))
    visibility = forms.ChoiceField(label=_("Who may read it"), choices=Article.Visibility.choices,
                                   widget=forms.RadioSelect, initial=Article.Visibility.INTERNAL)
    last_reviewed = forms.DateField(label=_("Last reviewed"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for lang in LANGUAGES:
            for part in ("title", "body"):
                field = self.fields[f"{part}_{suffix(lang)}"]
                field.widget.attrs["lang"] = HTML_LANG[lang]
        for name in ("body_en", "body_zh_hans", "body_zh_hant"):
            self.fields[name].help_text = _(
                "Paragraphs, headings h2–h4, lists, links, bold, italic, code, quotes, tables and "
                "images (https) are kept; anything else, such as scripts or styles, is removed.")

    def language_sections(self):
        """(language, its own name, title field, body field) for the template's fieldsets."""
        return [(lang, LANGUAGE_NAMES[lang], self[f"title_{suffix(lang)}"], self[f"body_{suffix(lang)}"])
                for lang in LANGUAGES]

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.fields if name != "version"}
        data["topics"] = list(data.get("topics") or [])
        return data

    def add_service_errors(self, errors: dict) -> None:
        for field, messages in errors.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)


class CategoryForm(forms.Form):
    name_en = forms.CharField(label=_("Name in English"), required=False, max_length=100)
    name_zh_hans = forms.CharField(label=_("Name in simplified Chinese"), required=False, max_length=100,
                                   widget=forms.TextInput(attrs={"lang": "zh-Hans"}))
    name_zh_hant = forms.CharField(label=_("Name in traditional Chinese"), required=False, max_length=100,
                                   widget=forms.TextInput(attrs={"lang": "zh-Hant"}))
    position = forms.IntegerField(label=pgettext_lazy("knowledge", "Position"), required=False, min_value=0, max_value=32767,
                                  initial=0)
