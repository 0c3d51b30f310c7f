from django.contrib import admin

from kehu.customers.models import (
    Address,
    ChannelIdentity,
    Contact,
    Customer,
    CustomerShare,
    CustomFieldDefinition,
    Interaction,
    Tag,
)
from kehu.privacy.admin_mixins import AuditedAdmin


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


class IdentityInline(admin.TabularInline):
    model = ChannelIdentity
    extra = 0
    readonly_fields = ["normalized"]


@admin.register(Customer)
class CustomerAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["display_name", "kind", "nature", "lifecycle_stage", "tier", "owner", "team", "created_at"]
    list_filter = ["kind", "nature", "lifecycle_stage", "tier"]
    search_fields = ["display_name", "legal_name"]
    list_select_related = ["owner", "team"]
    raw_id_fields = ["owner", "team"]
    readonly_fields = ["version", "created_at", "updated_at"]
    show_full_result_count = False  # no COUNT(*) over a million rows
    inlines = [IdentityInline, ContactInline]


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["key", "type", "label_en", "label_zh", "required", "applies_to", "position"]


@admin.register(Tag)
class TagAdmin(AuditedAdmin, admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(CustomerShare)
class CustomerShareAdmin(AuditedAdmin, admin.ModelAdmin):
    raw_id_fields = ["customer"]


@admin.register(Address)
class AddressAdmin(AuditedAdmin, admin.ModelAdmin):
    raw_id_fields = ["customer"]


@admin.register(Interaction)
class InteractionAdmin(AuditedAdmin, admin.ModelAdmin):
    raw_id_fields = ["customer"]
    list_display = ["subject", "type", "occurred_at"]
