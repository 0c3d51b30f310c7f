from django.contrib import admin

from kehu.privacy.admin import ReadOnlyAdmin
from kehu.scoring.models import ScoreRun, ScoringSettings


@admin.register(ScoringSettings)
class ScoringSettingsAdmin(admin.ModelAdmin):
    """One row of model settings; saved through the service (validated and audited)."""

    readonly_fields = ["updated_at", "updated_by"]
    fieldsets = [
        (None, {"fields": ["purchase_model", "time_unit", "horizon_months", "monthly_discount_rate",
                           "margin_rate", "expected_purchases_days"]}),
        ("ABCD", {"fields": ["tier_by", "tier_a_share", "tier_b_share", "tier_c_share",
                             "update_customer_tier"]}),
        ("RFM", {"fields": ["rfm_bins"]}),
        (None, {"fields": ["holdout_days", "rescore_every_hours", "keep_runs", "updated_at", "updated_by"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        from django.shortcuts import redirect

        from kehu.scoring import services  # not at import: it loads the numeric stack (0.4 s)

        services.current_settings()
        return redirect("admin:scoring_scoringsettings_change", 1)

    def save_model(self, request, obj, form, change):
        from kehu.scoring import services

        # ``obj`` already carries the form's values; the service diffs against the stored row
        stored = ScoringSettings.objects.get(pk=obj.pk)
        services.save_settings(request.user, stored, **{name: form.cleaned_data[name] for name in form.changed_data})


@admin.register(ScoreRun)
class ScoreRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "status", "trigger", "created_at", "finished_at", "customers", "buyers"]
    list_filter = ["status", "trigger"]
