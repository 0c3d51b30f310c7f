"""What the value pages show, computed with a few aggregate queries within the user's visibility."""

from __future__ import annotations

import numpy as np
from django.db.models import Count, Sum
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kehu.customers.access import customer_scope_for, sees_all_customers
from kehu.customers.models import Customer
from kehu.scoring.compute import value_histograms
from kehu.scoring.models import CustomerScore, ScoreHistory, ScoringSettings
from kehu.scoring.presentation import LOYALTY, SEGMENTS, TIER_METHODS, alive_sentence
from kehu.web.money import format_money

TIERS = ["A", "B", "C", "D"]
TIER_LABELS = dict(Customer.Tier.choices)


def _scores_for(user):
    return CustomerScore.objects.filter(customer_scope_for(user, "customer__"))


def dashboard_data(user, run) -> dict:
    scores = _scores_for(user)
    # one scan: at most 4 tiers × 11 segments × 25 R/F cells groups, folded three ways below
    groups = list(scores.values("tier", "segment", "r_score", "f_score").annotate(
        customers=Count("pk"), clv=Sum("clv"), revenue=Sum("total_spend")).order_by())
    tiers, segments_by_key, cells = _fold(groups, "tier"), _fold(groups, "segment"), _fold(
        [g for g in groups if g["r_score"] is not None], "r_score", "f_score")
    total_customers = sum(r["customers"] for r in tiers.values())
    total_clv = sum(r["clv"] for r in tiers.values())
    pyramid = []
    for tier in TIERS:
        row = tiers.get(tier, {"customers": 0, "clv": 0.0})
        pyramid.append({
            "tier": tier, "label": str(TIER_LABELS[tier]), "method": str(TIER_METHODS[tier]),
            "customers": row["customers"], "clv": row["clv"],
            "customer_share": round(100 * row["customers"] / total_customers, 1) if total_customers else 0,
            "value_share": round(100 * row["clv"] / total_clv, 1) if total_clv else 0,
        })
    bins = int(run.settings.get("rfm_bins", 5))
    grid = [{"r": r, "f": f, "customers": c["customers"], "revenue": c["revenue"]}
            for (r, f), c in sorted(cells.items())]
    segments = [{"key": key, "label": str(label), "advice": str(advice),
                 "customers": segments_by_key[key]["customers"],
                 "revenue": format_money(segments_by_key[key]["revenue"]),
                 "clv": format_money(segments_by_key[key]["clv"])}
                for key, (label, advice) in SEGMENTS.items() if key in segments_by_key]
    histograms = (run.diagnostics.get("histograms", {}) if sees_all_customers(user)
                  else _histograms(scores))
    return {
        "pyramid": pyramid, "grid": grid, "segments": segments,
        "histograms": histograms, "tracking": run.diagnostics.get("tracking"),
        "holdout": run.diagnostics.get("holdout"), "holdout_error": run.diagnostics.get("holdout_error"),
        "fit_rows": _fit_rows(run.fit.get("purchase")), "spend_rows": _fit_rows(run.fit.get("spend")),
        "holdout_rows": _holdout_rows(run.diagnostics.get("holdout")),
        "fit": run.fit, "settings_rows": settings_rows(run.settings), "total_customers": total_customers,
        "charts": {"pyramid": pyramid, "grid": grid, "bins": bins, "histograms": histograms,
                   "tracking": run.diagnostics.get("tracking")},
    }


def _fold(groups: list[dict], *keys: str) -> dict:
    """Sum customers, CLV and revenue of the grouped rows by ``keys`` (one key → its value)."""
    out: dict = {}
    for g in groups:
        key = g[keys[0]] if len(keys) == 1 else tuple(g[k] for k in keys)
        row = out.setdefault(key, {"customers": 0, "clv": 0.0, "revenue": 0.0})
        row["customers"] += g["customers"]
        row["clv"] += float(g["clv"] or 0)
        row["revenue"] += float(g["revenue"] or 0)
    return out


def _histograms(scores) -> dict:
    """The two distributions for a user who sees only some customers (computed on their rows)."""
    rows = np.array(list(scores.filter(purchases__gt=0).values_list("clv", "p_alive")), dtype=float)
    if not len(rows):
        return {}
    return value_histograms(rows[:, 0], rows[:, 1])


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
