"""Forms of the survey pages: shape and widgets only; the rules are in ``services``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.surveys.models import Question, Survey
from kehu.surveys.services import SURVEY_FIELDS


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = SURVEY_FIELDS
        widgets = {
            "intro_en": forms.Textarea(attrs={"rows": 3}),
            "intro_zh_hans": forms.Textarea(attrs={"rows": 3}),
            "intro_zh_hant": forms.Textarea(attrs={"rows": 3}),
        }


class QuestionForm(forms.ModelForm):
    choices_en = forms.CharField(label=_("Choices (English), one per line"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}))
    choices_zh_hans = forms.CharField(label=_("Choices (Simplified Chinese), one per line"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 4}))
    choices_zh_hant = forms.CharField(label=_("Choices (Traditional Chinese), one per line"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 4}))

    class Meta:
        model = Question
        fields = ["kind", "text_en", "text_zh_hans", "text_zh_hant", "required", "scale", "dimension",
                  "custom_dimension"]
        widgets = {"scale": forms.Select(choices=[(5, "5"), (7, "7")])}
        help_texts = {"scale": _("For expectation vs perception pairs: a 5- or 7-point scale.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.choices:
            for lang in ("en", "zh_hans", "zh_hant"):
                self.initial[f"choices_{lang}"] = "\n".join(c.get(lang, "") for c in self.instance.choices)


class InviteForm(forms.Form):
    customer = forms.IntegerField(widget=forms.HiddenInput)
    channel = forms.ChoiceField(label=_("Channel"), choices=Survey.Channel.choices)
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=Survey.Language.choices)


class SendForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Survey.Channel.choices)
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=Survey.Language.choices)
