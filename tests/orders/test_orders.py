from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.orders.models import Order, Product
from kehu.orders.services import save_order
from kehu.privacy.models import AuditEntry


@pytest.fixture
def products(db):
    return [Product.objects.create(sku="A", name="Tea", price=Decimal("12.50"), cost=Decimal("5")),
            Product.objects.create(sku="B", name="Cup", price=Decimal("30.00"))]


def test_total_is_the_sum_of_lines_in_decimal(rep, make_customer, products):
    customer = make_customer(rep)
    order = save_order(rep, Order(customer=customer), ordered_at="2026-03-01T10:00:00+08:00",
                       lines=[{"product": products[0].pk, "quantity": 3},
                              {"product": products[1].pk, "quantity": 1, "unit_price": "29.99",
                               "discount": "0.99"}])
    assert order.total == Decimal("66.50")
    assert order.lines.count() == 2
    assert AuditEntry.objects.get(object_type="orders.order").changes["lines"] == [None, 2]


def test_bad_lines_are_reported_per_line_and_nothing_is_saved(rep, make_customer, products):
    customer = make_customer(rep)
    with pytest.raises(ValidationError) as exc:
        save_order(rep, Order(customer=customer), ordered_at="2026-03-01T10:00:00+08:00",
                   lines=[{"product": 999, "quantity": 1}, {"product": products[0].pk, "quantity": 0},
                          {"product": products[0].pk, "quantity": 1, "discount": "100"}])
    assert set(exc.value.message_dict) == {"lines.0.product", "lines.1.quantity", "lines.2.discount"}
    assert Order.objects.count() == 0


def test_api_order_with_lines_and_idempotent_external_id(api, rep, make_customer, products):
    customer = make_customer(rep)
    payload = {"customer": customer.pk, "ordered_at": "2026-03-01T10:00:00+08:00", "channel": "online",
               "external_id": "SHOP-1", "lines": [{"product": products[1].pk, "quantity": 2}]}
    first = api(rep).post("/api/v1/orders/", payload, format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["total"] == "60.00"
    again = api(rep).post("/api/v1/orders/", payload, format="json")
    assert again.status_code == 400
    assert "external_id" in again.json()
    assert Order.objects.count() == 1


def test_order_list_hides_invisible_customers_and_has_constant_queries(api, make_user, make_customer,
                                                                        products, team, other_team):
    east, west = make_user("sales", team=team), make_user("sales", team=other_team)
    mine, theirs = make_customer(east), make_customer(west)
    for c, who in ((mine, east), (theirs, west)):
        save_order(who, Order(customer=c), ordered_at="2026-03-01T10:00:00+08:00",
                   lines=[{"product": products[0].pk, "quantity": 1}])
    results = api(east).get("/api/v1/orders/").json()["results"]
    assert [r["customer"] for r in results] == [mine.pk]
    client = api(east)
    client.get("/api/v1/orders/")
    with CaptureQueriesContext(connection) as before:
        client.get("/api/v1/orders/")
    for _ in range(10):
        save_order(east, Order(customer=mine), ordered_at="2026-03-02T10:00:00+08:00",
                   lines=[{"product": products[0].pk, "quantity": 1}, {"product": products[1].pk, "quantity": 1}])
    with CaptureQueriesContext(connection) as after:
        assert len(client.get("/api/v1/orders/").json()["results"]) == 11
    assert len(after.captured_queries) == len(before.captured_queries)


def test_sales_cannot_edit_products(api, rep, products):
    response = api(rep).patch(f"/api/v1/products/{products[0].pk}/", {"price": "1.00"}, format="json")
    assert response.status_code == 403
    products[0].refresh_from_db()
    assert products[0].price == Decimal("12.50")
