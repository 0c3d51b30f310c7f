from django.contrib import admin

from kehu.orders.models import Order, OrderLine, Product
from kehu.privacy.admin_mixins import AuditedAdmin


class LineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["product"]


@admin.register(Order)
class OrderAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["__str__", "customer", "ordered_at", "channel", "status", "total"]
    raw_id_fields = ["customer"]
    list_filter = ["channel", "status"]
    show_full_result_count = False
    inlines = [LineInline]


@admin.register(Product)
class ProductAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["sku", "name", "category", "price", "cost", "is_active"]
    search_fields = ["sku", "name"]
