"""Review queue, side-by-side comparison, merge and undo. Thin: the services decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.customers.access import access_customer
from kehu.customers.services import StaleVersion
from kehu.identity import merge as merging
from kehu.identity import presentation, services
from kehu.identity.models import DuplicateCandidate, Merge, ScanRun

QUEUE_PAGE = 25


@login_required
@permission_required("identity.view_duplicatecandidate", raise_exception=True)
def queue(request):
    order = request.GET.get("sort", "-probability")
    if order not in ("-probability", "probability"):
        order = "-probability"
    page = Paginator(services.visible_queue(request.user).select_related("customer_a", "customer_b")
                     .order_by(order, "id"), QUEUE_PAGE).get_page(
        request.GET.get("page"))
    for item in page:
        item.rows = presentation.evidence_rows(item.evidence)
        item.percent = presentation.percent(item.probability)
    return render(request, "identity/queue.html", {
        "page": page, "sort": order, "nav": "duplicates",
        "last_scan": ScanRun.objects.first(),
        "can_scan": request.user.has_perm("identity.add_scanrun"),
    })


@login_required
@permission_required("identity.add_scanrun", raise_exception=True)
@require_POST
def start_scan(request):
    try:
        run = services.request_scan(request.user)
    except services.ScanAlreadyActive as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(request, _("Duplicate scan #%(id)s queued: the review queue refills when it "
                                    "finishes.") % {"id": run.pk})
    return redirect("identity:queue")


def _candidate(request, pk):
    candidate = get_object_or_404(DuplicateCandidate, pk=pk)
    # Both customers must be visible; otherwise the pair does not exist for this user.
    access_customer(request.user, candidate.customer_a_id)
    access_customer(request.user, candidate.customer_b_id)
    return candidate


@login_required
@permission_required("identity.view_duplicatecandidate", raise_exception=True)
def compare(request, pk):
    candidate = _candidate(request, pk)
    return _compare_page(request, candidate.customer_a_id, candidate.customer_b_id, candidate)


@login_required
def compare_customers(request, a, b):
    """Side by side for any two customers (from an on-entry warning or a customer page)."""
    if not (request.user.has_perm("identity.view_duplicatecandidate")
            or request.user.has_perm(merging.MERGE_PERMISSION)):
        raise PermissionDenied
    return _compare_page(request, a, b, None)


def _compare_page(request, a_id, b_id, candidate):
    a = access_customer(request.user, a_id)
    b = access_customer(request.user, b_id)
    if a.pk == b.pk:
        raise Http404
    can_merge = request.user.has_perm(merging.MERGE_PERMISSION)
    choices = merging.default_field_choices(a, b)
    if request.method == "POST":
        if not can_merge:
            raise PermissionDenied
        survivor, merged = (a, b) if request.POST.get("survivor", "a") == "a" else (b, a)
        picked = {}
        for field in merging.MERGE_FIELDS:
            value = request.POST.get(f"field_{field}")
            if value in ("a", "b"):
                picked[field] = merging.SURVIVOR if (value == "a") == (survivor is a) else merging.MERGED
        try:
            merge = merging.do_merge_customers(
                request.user, survivor, merged, field_choices=picked,
                expected_versions={a.pk: int(request.POST.get("version_a", 0)),
                                   b.pk: int(request.POST.get("version_b", 0))})
        except StaleVersion as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Merged %(merged)s into %(kept)s. You can undo this from the "
                                        "customer page.") % {"merged": merged.display_name,
                                                            "kept": survivor.display_name})
            return redirect(reverse("customers:detail", args=[merge.survivor_id]) + "#merges")
        a, b = access_customer(request.user, a_id), access_customer(request.user, b_id)
    evidence = candidate.evidence if candidate else _live_evidence(a, b)
    return render(request, "identity/compare.html", {
        "a": a, "b": b, "candidate": candidate, "nav": "duplicates",
        "rows": presentation.field_rows(request.user, a, b, choices),
        "evidence": presentation.evidence_rows(evidence),
        "preview": merging.merge_preview(a, b) if can_merge else None,
        "can_merge": can_merge,
        "can_reject": request.user.has_perm("identity.change_duplicatecandidate"),
    })


def _live_evidence(a, b):
    from kehu.identity import profiles

    frame = profiles.profile_features(profiles.raw_records([a.pk, b.pk]))
    if frame.height < 2:
        return []
    first = frame.filter(frame["id"] == str(a.pk))
    other = frame.filter(frame["id"] == str(b.pk))
    matches = services.score_candidates(first, other, services.current_model())
    return matches[0].evidence if matches else []


@login_required
@permission_required("identity.change_duplicatecandidate", raise_exception=True)
@require_POST
def reject(request, pk):
    candidate = _candidate(request, pk)
    try:
        services.reject_candidate(request.user, candidate)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Marked as different customers; this pair will not be proposed "
                                    "again."))
    return redirect("identity:queue")


@login_required
@permission_required("identity.change_duplicatecandidate", raise_exception=True)
@require_POST
def not_duplicate(request, a, b):
    access_customer(request.user, a)
    access_customer(request.user, b)
    services.mark_not_duplicate(request.user, a, b)
    messages.success(request, _("Marked as different customers; this pair will not be proposed again."))
    return redirect("customers:detail", a)


@login_required
@permission_required(merging.MERGE_PERMISSION, raise_exception=True)
@require_POST
def undo_merge(request, pk):
    merge = get_object_or_404(Merge, pk=pk)
    access_customer(request.user, merge.survivor_id)
    try:
        merging.unmerge(request.user, merge)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("customers:detail", merge.survivor_id)
    messages.success(request, _("Merge undone: both customers are back as they were."))
    return redirect("customers:detail", merge.merged_id)
