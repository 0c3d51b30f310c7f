"""What the value pages show, computed with a few aggregate queries within the user's visibility."""

from __future__ import annotations

import numpy as np
from django.db.models import Count, Sum
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kehu.customers.access import customer_scope_for, sees_all_customers
from kehu.customers.models import Customer
from kehu.scoring.models import CustomerScore, ScoreHistory, ScoringSettings
from kehu.scoring.presentation import LOYALTY, SEGMENTS, TIER_METHODS, alive_sentence
from kehu.web.money import format_money

TIERS = ["A", "B", "C", "D"]
TIER_LABELS = dict(Customer.Tier.choices)


def _scores_for(user):
    return CustomerScore.objects.filter(customer_scope_for(user, "customer__"))


def dashboard_data(user, run) -> dict:
    scores = _scores_for(user)
    tiers = {row["tier"]: row for row in scores.values("tier").annotate(
        customers=Count("pk"), clv=Sum("clv"), revenue=Sum("total_spend")).order_by()}
    total_customers = sum(r["customers"] for r in tiers.values()) or 0
    total_clv = float(sum((r["clv"] or 0) for r in tiers.values()))
    pyramid = []
    for tier in TIERS:
        row = tiers.get(tier, {"customers": 0, "clv": 0, "revenue": 0})
        clv = float(row["clv"] or 0)
        pyramid.append({
            "tier": tier, "label": str(TIER_LABELS[tier]), "method": str(TIER_METHODS[tier]),
            "customers": row["customers"], "clv": clv, "clv_display": format_money(clv),
            "customer_share": round(100 * row["customers"] / total_customers, 1) if total_customers else 0,
            "value_share": round(100 * clv / total_clv, 1) if total_clv else 0,
        })
    bins = int(run.settings.get("rfm_bins", 5))
    cells = scores.filter(r_score__isnull=False).values("r_score", "f_score").annotate(
        customers=Count("pk"), revenue=Sum("total_spend")).order_by()
    grid = [{"r": c["r_score"], "f": c["f_score"], "customers": c["customers"],
             "revenue": float(c["revenue"] or 0)} for c in cells]
    segments = []
    seg_rows = {r["segment"]: r for r in scores.values("segment").annotate(
        customers=Count("pk"), revenue=Sum("total_spend"), clv=Sum("clv")).order_by()}
    for key, (label, advice) in SEGMENTS.items():
        row = seg_rows.get(key)
        if row:
            segments.append({"key": key, "label": str(label), "advice": str(advice),
                             "customers": row["customers"], "revenue": format_money(row["revenue"] or 0),
                             "clv": format_money(row["clv"] or 0)})
    histograms = run.diagnostics.get("histograms", {}) if sees_all_customers(user) else _histograms(scores)
    return {
        "pyramid": pyramid, "grid": grid, "bins": list(range(1, bins + 1)), "segments": segments,
        "histograms": histograms, "tracking": run.diagnostics.get("tracking"),
        "holdout": run.diagnostics.get("holdout"), "holdout_error": run.diagnostics.get("holdout_error"),
        "fit_rows": _fit_rows(run.fit.get("purchase")), "spend_rows": _fit_rows(run.fit.get("spend")),
        "holdout_rows": _holdout_rows(run.diagnostics.get("holdout")),
        "fit": run.fit, "settings_rows": settings_rows(run.settings), "total_customers": total_customers,
        "total_clv": format_money(total_clv),
        "charts": {"pyramid": pyramid, "grid": grid, "bins": bins, "histograms": histograms,
                   "tracking": run.diagnostics.get("tracking"),
                   "holdout": (run.diagnostics.get("holdout") or {}).get("by_frequency")},
    }


def _histograms(scores) -> dict:
    rows = np.array(list(scores.filter(purchases__gt=0).values_list("clv", "p_alive")), dtype=float)
    if not len(rows):
        return {}
    clv, p_alive = rows[:, 0], rows[:, 1]
    top = float(np.quantile(clv, 0.99)) or 1.0
    edges = np.linspace(0, top, 21)
    clv_counts, _unused = np.histogram(np.minimum(clv, top), bins=edges)
    alive = p_alive[np.isfinite(p_alive)]
    alive_counts, alive_edges = np.histogram(alive, bins=np.linspace(0, 1, 11))
    return {"clv": {"edges": np.round(edges, 2).tolist(), "counts": clv_counts.tolist()},
            "p_alive": {"edges": np.round(alive_edges, 2).tolist(), "counts": alive_counts.tolist()}}


def _holdout_rows(holdout: dict | None) -> list[tuple]:
    if not holdout:
        return []
    table = holdout["by_frequency"]
    labels = [str(f) for f in table["frequency"]]
    if labels:
        labels[-1] += "+"  # the last bucket holds everyone at or above it
    return list(zip(labels, table["customers"], table["predicted"], table["actual"], strict=True))


def _fit_rows(fit: dict | None) -> list[dict]:
    if not fit:
        return []
    errors = fit.get("standard_errors", {})
    names = fit.get("names") or list(fit["params"])  # jsonb (PostgreSQL) does not keep key order
    return [{"name": name, "value": fit["params"][name], "se": errors.get(name)} for name in names]


def settings_rows(values: dict) -> list[tuple[str, str]]:
    """The settings a run used, as (label, value) in the user's language."""
    if not values:
        return []
    field = ScoringSettings._meta.get_field
    model_labels = dict(ScoringSettings.PurchaseModel.choices)
    unit_labels = dict(ScoringSettings.TimeUnit.choices)
    tier_by = dict(ScoringSettings.TierBy.choices)
    a, b, c = (values.get("cutoffs") or [0.01, 0.05, 0.2])[:3]
    return [
        (capfirst(field("purchase_model").verbose_name), str(model_labels.get(values.get("purchase_model"), ""))),
        (capfirst(field("time_unit").verbose_name), str(unit_labels.get(values.get("time_unit"), ""))),
        (capfirst(field("horizon_months").verbose_name), str(values.get("horizon_months"))),
        (capfirst(field("monthly_discount_rate").verbose_name), f"{100 * values.get('monthly_discount_rate', 0):g}%"),
        (capfirst(field("margin_rate").verbose_name), f"{100 * values.get('margin_rate', 0):g}%"),
        (capfirst(field("tier_by").verbose_name), str(tier_by.get(values.get("tier_by"), ""))),
        (_("Tier cut-offs (A / A+B / A+B+C)"), f"{100 * a:g}% / {100 * b:g}% / {100 * c:g}%"),
        (capfirst(field("rfm_bins").verbose_name), str(values.get("rfm_bins"))),
    ]


def value_card(customer) -> dict:
    score = CustomerScore.objects.filter(customer=customer).select_related("run").first()
    context = {"customer": customer, "score": score}
    if score is None:
        return context
    history = list(ScoreHistory.objects.filter(customer=customer).select_related("run")
                   .order_by("-run_id")[:12])
    segment = SEGMENTS.get(score.segment)
    loyalty = LOYALTY.get(score.loyalty)
    context.update(
        segment_label=segment[0] if segment else score.segment, segment_advice=segment[1] if segment else "",
        tier_method=TIER_METHODS.get(score.tier, ""), tier_label=TIER_LABELS.get(score.tier, score.tier),
        alive=alive_sentence(score.p_alive),
        loyalty_label=loyalty[0] if loyalty else "", loyalty_advice=loyalty[1] if loyalty else "",
        clv=format_money(score.clv), monetary=format_money(score.monetary_value),
        horizon=score.run.settings.get("horizon_months", 12),
        window=score.run.settings.get("expected_purchases_days", 90),
        history=[{"run": h.run, "tier": h.tier, "segment": SEGMENTS.get(h.segment, (h.segment,))[0],
                  "clv": format_money(h.clv)} for h in history],
    )
    return context
