from django.contrib import admin

from kehu.exports.models import ExportJob
from kehu.privacy.admin import ReadOnlyAdmin


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    """Read-only history of exports (files are downloaded from "My exports")."""

    list_display = ["created_at", "requested_by", "kind", "format", "status", "row_count", "streamed"]
    list_filter = ["kind", "format", "status", "streamed"]
    show_full_result_count = False
