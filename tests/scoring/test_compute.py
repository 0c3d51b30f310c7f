"""compute_scores on hand-made columns: what each kind of customer gets (no database)."""

import numpy as np
import pytest

from kehu.scoring.compute import Config, Inputs, compute_scores

DAY = 86_400
NOW = 1_790_000_000


def _inputs(orders, customers, attitude=None):
    cid, t, amount = (np.array(col) for col in zip(*orders, strict=True)) if orders else (np.zeros(0, int),) * 3
    ids, created = (np.array(col) for col in zip(*customers, strict=True))
    return Inputs(order_customer=cid.astype(np.int64), order_time=t.astype(np.int64),
                  order_amount=np.asarray(amount, dtype=float), customer_id=ids.astype(np.int64),
                  customer_created=created.astype(np.int64), now=NOW, attitude=attitude)


def test_customers_without_purchases_get_new_or_lost_tier_d_and_no_activity_estimate():
    orders = [(1, NOW - 300 * DAY, 100.0), (1, NOW - 200 * DAY, 80.0), (1, NOW - 10 * DAY, 120.0)]
    customers = [(1, NOW - 400 * DAY), (2, NOW - 20 * DAY), (3, NOW - 500 * DAY)]
    result = compute_scores(_inputs(orders, customers), Config())
    cols = result.columns
    assert cols["customer_id"].tolist() == [1, 2, 3]
    assert cols["segment"][1:].tolist() == ["new", "lost"]
    assert cols["tier"][1:].tolist() == ["D", "D"]
    assert np.isnan(cols["p_alive"][1:]).all()
    assert cols["clv"][1:].tolist() == [0.0, 0.0]
    assert cols["purchases"].tolist() == [3, 0, 0]
    assert cols["total_spend"][0] == pytest.approx(300.0)
    assert cols["frequency"][0] == 2 and cols["recency"][0] == pytest.approx(290.0)
    # three customers cannot identify a BG/NBD model: the run says so and still scores everyone
    assert "purchase_error" in result.fit
    assert cols["clv"][0] > 0


def test_customers_are_returned_sorted_whatever_the_input_order():
    customers = [(9, NOW - 10 * DAY), (4, NOW - 10 * DAY), (7, NOW - 10 * DAY)]
    result = compute_scores(_inputs([(7, NOW - DAY, 5.0)], customers), Config())
    assert result.columns["customer_id"].tolist() == [4, 7, 9]
    assert result.columns["purchases"].tolist() == [0, 1, 0]


def test_orders_of_unknown_customers_are_ignored():
    customers = [(1, NOW - 10 * DAY)]
    result = compute_scores(_inputs([(1, NOW - DAY, 5.0), (99, NOW - DAY, 7.0)], customers), Config())
    assert result.buyers == 1
    assert result.columns["total_spend"].tolist() == [5.0]


def test_no_orders_at_all():
    result = compute_scores(_inputs([], [(1, NOW - 10 * DAY), (2, NOW - 200 * DAY)]), Config())
    assert result.columns["segment"].tolist() == ["new", "lost"]
    assert result.buyers == 0 and result.fit == {}


def test_loyalty_uses_the_attitude_when_surveys_exist():
    orders = [(1, NOW - d * DAY, 50.0) for d in (300, 250, 200, 150, 100, 50, 5)] + [(2, NOW - 300 * DAY, 50.0)]
    customers = [(1, NOW - 400 * DAY), (2, NOW - 400 * DAY)]
    unknown = compute_scores(_inputs(orders, customers + [(3, NOW - 400 * DAY)]), Config()).columns["loyalty"]
    assert unknown.tolist() == ["unknown", "unknown", "unknown"]  # no survey: attitude unknown for all
    known = compute_scores(_inputs(orders, customers, attitude=np.array([0.9, 0.9])), Config()).columns["loyalty"]
    assert known.tolist() == ["true", "latent"]
