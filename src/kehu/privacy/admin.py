from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kehu.privacy.models import AuditEntry, Consent


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that are only ever written by services (append-only history)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the audit trail is written by services, never edited."""

    list_display = ["at", "actor", "action", "object_type", "object_id", "object_repr"]
    list_filter = ["action", "object_type"]
    show_full_result_count = False
    actions = ["undo_merges"]

    @admin.action(description=_("Undo the merges these entries record"))
    def undo_merges(self, request, queryset):
        from django.core.exceptions import PermissionDenied, ValidationError

        from kehu.identity.merge import unmerge
        from kehu.identity.models import Merge

        ids = [e.changes["merge"][1] for e in queryset.filter(action="merge") if "merge" in e.changes]
        for merge in Merge.objects.filter(pk__in=ids, undone_at__isnull=True):
            try:
                unmerge(request.user, merge)
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"#{merge.pk}: {exc}", level="error")
            else:
                self.message_user(request, _("Merge #%(id)s undone.") % {"id": merge.pk})


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    """Read-only: consent history is append-only (record a new decision on the customer page)."""

    list_display = ["customer", "purpose", "channel", "granted", "recorded_at", "source", "is_current"]
    list_filter = ["purpose", "channel", "granted", "is_current"]
    raw_id_fields = ["customer"]
    show_full_result_count = False
