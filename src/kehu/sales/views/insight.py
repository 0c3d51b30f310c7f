"""Sales pages: insight — the referral leaders and a customer's referral tree, the lead score's
model page, the sales dashboard. Thin: numbers come from ``kehu.sales.referrals``,
``kehu.sales.lead_scoring`` and ``kehu.sales.reports``, each already scoped to the user."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.analytics import lead_score as ls
from kehu.sales import lead_scoring, referrals, reports
from kehu.sales.models import LeadScoreModel, Pipeline

REFERRALS_PERMISSION = "sales.view_lead"
HISTORY = 20


def _period_context(period: reports.Period) -> dict:
    return {"period": period, "periods": reports.PERIODS}


# --- referrals ----------------------------------------------------------------------------------

@login_required
@permission_required(REFERRALS_PERMISSION, raise_exception=True)
def referral_leaders(request):
    period = reports.period_from(request.GET, default_days=365)
    sort = request.GET.get("sort") if request.GET.get("sort") in referrals.LEADER_SORTS else "referred"
    leaders = referrals.top_introducers(request.user, since=period.since, until=period.until, sort=sort)
    comparison = referrals.source_comparison(request.user, since=period.since, until=period.until)
    chart = {"leads": [{"label": r["label"], "conversion": r["conversion"] or 0, "referral": r["referral"]}
                       for r in comparison["leads"]],
             "customers": [{"label": r["label"], "revenue": float(r["revenue_per_customer"] or 0),
                            "clv": float(r["clv_per_customer"] or 0), "referral": r["referral"]}
                           for r in comparison["customers"]]}
    return render(request, "sales/insight/referrals.html", {
        "nav": "sales", **_period_context(period), "sort": sort, "sorts": referrals.LEADER_SORTS,
        "leaders": leaders, "comparison": comparison, "chart": chart, "leader_depth": referrals.LEADER_DEPTH})


def _echarts_tree(node: referrals.Node, hidden_label: str) -> dict:
    """The tree for ECharts' tree series: names and values only (nothing of hidden customers)."""
    return {"name": node.name if node.visible else hidden_label,
            "value": float(node.revenue) if node.visible else None,
            "children": [_echarts_tree(c, hidden_label) for c in node.children]}


@login_required
@permission_required(REFERRALS_PERMISSION, raise_exception=True)
def referral_tree(request, customer_id: int):
    tree = referrals.referral_tree(request.user, customer_id)  # Http404 when the root is invisible
    shown, stack = [], [tree.root]
    while stack:
        node = stack.pop()
        shown.append(node)
        stack.extend(node.children)
    leads = referrals.open_leads_of(request.user, [n.id for n in shown if n.visible and n.open_leads])
    for node in shown:
        node.leads = leads.get(node.id, []) if node.visible else []
    return render(request, "sales/insight/referral_tree.html", {
        "nav": "sales", "tree": tree, "root": tree.root,
        "ancestors": referrals.ancestors(request.user, customer_id),
        "chart": _echarts_tree(tree.root, _("a customer you cannot see")),
        "display_depth": referrals.DISPLAY_DEPTH, "display_nodes": referrals.DISPLAY_NODES})


# --- the lead score -----------------------------------------------------------------------------

@login_required
@permission_required("sales.view_leadscoremodel", raise_exception=True)
def lead_score(request):
    history = list(LeadScoreModel.objects.order_by("-trained_at", "-id")[:HISTORY])
    model = next((m for m in history if m.is_active), None) or lead_scoring.active_model()
    sources = lead_scoring.source_labels()
    coefficients, rules = [], None
    if model is not None and model.kind == LeadScoreModel.Kind.MODEL:
        coefficients = [{"label": lead_scoring.column_label(c, sources=sources), "name": c["name"], "coef": c["coef"],
                         "scaled": c.get("scaled", False)}
                        for c in ls.LeadScorer.from_params(model.parameters).coefficients()]
    elif model is not None:
        rules = _rules_rows()
    return render(request, "sales/insight/lead_score.html", {
        "nav": "sales", "model": model, "history": history, "coefficients": coefficients, "rules": rules,
        "note": lead_scoring.model_note(model) if model else "",
        "calibration": [b for b in (model.calibration if model else []) if b.get("n")],
        "chart": {"bins": model.calibration if model else []},
        "can_train": request.user.has_perm(lead_scoring.TRAIN_PERMISSION),
        "min_closed": lead_scoring.MIN_CLOSED, "min_class": lead_scoring.MIN_PER_CLASS})


def _rules_rows() -> list[tuple[str, str]]:
    """The rule score's points in words, for its page."""
    label = lead_scoring.reason_label
    rows = [(label(name, 1), f"{yes:+d}" + (f" / {no:+d}" if no else "")) for name, (yes, no) in ls.RULE_POINTS.items()]
    rows += [(label(name, 1), _("%(points)+d each, up to %(cap)+d") % {"points": per, "cap": cap})
             for name, (per, cap) in ls.RULE_PER_UNIT.items()]
    rows.append((_("the source is a referral"), f"{ls.RULE_REFERRAL_SOURCE:+d}"))
    rows.append((_("age past the first month"), _("%(points)+d a week, down to %(floor)+d") % {
        "points": ls.RULE_AGE["per_week"], "floor": ls.RULE_AGE["floor"]}))
    return rows


@login_required
@permission_required(lead_scoring.TRAIN_PERMISSION, raise_exception=True)
@require_POST
def lead_score_train(request):
    lead_scoring.request_retraining(request.user)
    messages.success(request, _("Retraining queued: the worker trains the lead score and rescores every open "
                                "lead in a minute or two."))
    return redirect(reverse("sales:lead-score"))


# --- the dashboard ------------------------------------------------------------------------------

@login_required
@permission_required("sales.view_sales_dashboard", raise_exception=True)
def dashboard(request):
    period = reports.period_from(request.GET)
    pipelines = list(Pipeline.objects.active())
    chosen = next((p for p in pipelines if str(p.pk) == request.GET.get("pipeline")), None)
    # the list is in default-first order: its head is the default, no second query for it
    data = reports.dashboard(request.user, period, pipeline=chosen or next(iter(pipelines), None))
    return render(request, "sales/insight/dashboard.html", {
        "nav": "sales", **_period_context(period), "pipelines": pipelines, "m": data,
        "chart": reports.as_json(data)})


urlpatterns = [
    path("referrals/", referral_leaders, name="referrals"),
    path("referrals/<int:customer_id>/", referral_tree, name="referral-tree"),
    path("lead-score/", lead_score, name="lead-score"),
    path("lead-score/train/", lead_score_train, name="lead-score-train"),
    path("dashboard/", dashboard, name="dashboard"),
]
