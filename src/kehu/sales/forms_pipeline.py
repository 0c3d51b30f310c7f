"""Forms of the pipeline pages: shapes and widgets only; the rules (owners, amounts, lines, stage
moves) are in ``kehu.sales.pipeline``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.labels import LabelledChoiceField
from kehu.sales.models import Competitor, LostReason, Pipeline, PipelineStage


class OwnerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class OpportunityForm(forms.Form):
    name = forms.CharField(label=_("Opportunity"), max_length=200,
                           help_text=_("What is being sold, e.g. “200 rice cookers for the spring catalogue”."))
    pipeline = LabelledChoiceField(label=_("Pipeline"), queryset=Pipeline.objects.none(), required=False,
                              empty_label=None)
    amount = forms.DecimalField(label=_("Amount (CNY)"), required=False, min_value=0, max_digits=14,
                                decimal_places=2, help_text=_("Leave empty to use the total of the lines below."))
    expected_close = forms.DateField(label=_("Expected close"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    owner = OwnerChoice(label=_("Owner"), queryset=None, empty_label=None)
    competitors = forms.ModelMultipleChoiceField(label=_("Competitors"), required=False,
                                                 queryset=Competitor.objects.none(),
                                                 widget=forms.CheckboxSelectMultiple)
    new_competitor = forms.CharField(label=_("Another competitor"), required=False, max_length=200,
                                     help_text=_("A competitor not in the list yet."))
    description = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, owners, creating: bool, may_add_competitor: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["competitors"].queryset = Competitor.objects.filter(active=True).order_by("name")
        if creating:
            self.fields["pipeline"].queryset = Pipeline.objects.active()
        else:
            del self.fields["pipeline"]
        if not may_add_competitor:
            del self.fields["new_competitor"]


class LineForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=None, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1, required=False)
    unit_price = forms.DecimalField(label=_("Unit price"), required=False, min_value=0, max_digits=12,
                                    decimal_places=2, help_text=_("Empty: the product's price."))
    discount = forms.DecimalField(label=_("Discount"), required=False, min_value=0, max_digits=12, decimal_places=2)

    def __init__(self, *args, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products

    def as_line(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("product") or data.get("DELETE"):
            return None
        return {"product": data["product"], "quantity": data.get("quantity") or 1,
                "unit_price": data.get("unit_price"), "discount": data.get("discount") or 0}


LineFormSet = forms.formset_factory(LineForm, extra=2, can_delete=True, max_num=100, validate_max=True)


class MoveForm(forms.Form):
    to_stage = LabelledChoiceField(label=_("Move to"), queryset=PipelineStage.objects.none(), empty_label=None)
    version = forms.IntegerField(widget=forms.HiddenInput)
    lost_reason = LabelledChoiceField(label=_("Lost reason"), queryset=LostReason.objects.none(), required=False,
                                 help_text=_("Needed when the opportunity is lost."))
    lost_note = forms.CharField(label=_("Lost: details"), required=False, max_length=500)

    def __init__(self, *args, pipeline, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].queryset = pipeline.stages.order_by("position", "pk")
        self.fields["lost_reason"].queryset = LostReason.objects.filter(active=True)


class WinForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    create_order = forms.BooleanField(label=_("Create the order (P series) from the lines"), required=False,
                                      initial=True)
