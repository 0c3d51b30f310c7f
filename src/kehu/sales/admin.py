"""Setting up sales: lead sources, pipelines and their stages, lost and disqualification reasons,
competitors (the lists the course's concepts name; admins add their own)."""

from django.contrib import admin

from kehu.sales.models import (
    Competitor,
    DisqualifyReason,
    LeadSource,
    LostReason,
    Pipeline,
    PipelineStage,
)


@admin.register(LeadSource)
class LeadSourceAdmin(admin.ModelAdmin):
    list_display = ("code", "label_en", "label_zh_hans", "label_zh_hant", "customer_source", "needs_referrer",
                    "active", "position")
    list_editable = ("needs_referrer", "active", "position")


class StageInline(admin.TabularInline):
    model = PipelineStage
    extra = 0
    fields = ("position", "code", "label_en", "label_zh_hans", "label_zh_hant", "probability", "kind")


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ("label_en", "label_zh_hans", "is_default", "active", "position")
    inlines = [StageInline]


@admin.register(LostReason, DisqualifyReason)
class ReasonAdmin(admin.ModelAdmin):
    list_display = ("code", "label_en", "label_zh_hans", "label_zh_hant", "active", "position")
    list_editable = ("active", "position")


@admin.register(Competitor)
class CompetitorAdmin(admin.ModelAdmin):
    list_display = ("name", "active")
    search_fields = ("name",)
