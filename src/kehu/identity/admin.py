"""Admin views of what the matcher did (read-only: scans, learned weights, queue, merges)."""

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kehu.identity.models import DuplicateCandidate, MatchModelVersion, Merge, NotDuplicate, ScanRun
from kehu.privacy.admin import ReadOnlyAdmin


@admin.register(ScanRun)
class ScanRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "status", "created_at", "finished_at", "records", "pairs", "clusters", "proposed"]
    list_filter = ["status"]
    readonly_fields = ["stats_pretty"]

    @admin.display(description=_("statistics"))
    def stats_pretty(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.stats, indent=2, ensure_ascii=False))


@admin.register(MatchModelVersion)
class MatchModelVersionAdmin(ReadOnlyAdmin):
    """The learned m/u probabilities per comparison level, as the scan estimated them."""

    list_display = ["pk", "created_at", "records", "pairs"]
    exclude = ["params"]
    readonly_fields = ["weights"]

    @admin.display(description=_("weights"))
    def weights(self, obj):
        from kehu.identity.fellegi_sunter import MatchModel

        model = MatchModel.from_json(obj.params)
        summary = {"prior": model.prior, "m": model.m, "u": model.u, "trained_on": model.trained_on}
        return format_html("<pre>{}</pre>", json.dumps(summary, indent=1, ensure_ascii=False))


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(ReadOnlyAdmin):
    list_display = ["customer_a", "customer_b", "probability", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["customer_a", "customer_b"]
    show_full_result_count = False


@admin.register(NotDuplicate)
class NotDuplicateAdmin(ReadOnlyAdmin):
    list_display = ["customer_a", "customer_b", "decided_by", "created_at"]
    raw_id_fields = ["customer_a", "customer_b"]


@admin.register(Merge)
class MergeAdmin(ReadOnlyAdmin):
    list_display = ["pk", "survivor", "merged", "actor", "created_at", "undone_at"]
    raw_id_fields = ["survivor", "merged"]
