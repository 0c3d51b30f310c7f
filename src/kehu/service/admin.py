"""Setting up customer service: categories and routing, SLA policies, opening hours, holidays."""

from django.contrib import admin

from kehu.service.models import BusinessHours, Case, CaseCategory, Holiday, SlaPolicy


@admin.register(CaseCategory)
class CaseCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "label_en", "label_zh_hans", "label_zh_hant", "team", "routing", "active", "position")
    list_editable = ("team", "routing", "active", "position")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "severity", "tier", "first_response_minutes", "resolution_minutes", "business_hours",
                    "active")


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    list_display = ("start", "end", "saturday", "sunday", "official_holidays")

    def has_add_permission(self, request):
        return not BusinessHours.objects.exists() and super().has_add_permission(request)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name", "is_workday")
    date_hierarchy = "date"


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change through the service pages (the steps check their data there)."""

    list_display = ("reference", "kind", "category", "stage", "severity", "owner", "created_at")
    list_filter = ("kind", "stage", "severity", "category")
    search_fields = ("reference", "subject")
    raw_id_fields = ("customer", "owner", "orders", "product")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
