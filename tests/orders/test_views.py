from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.orders.models import Order, Product
from kehu.orders.services import save_order


def test_order_list_shows_only_visible_customers_with_constant_queries(client, make_user, make_customer,
                                                                       team, other_team):
    east, west = make_user("sales", team=team), make_user("sales", team=other_team)
    product = Product.objects.create(sku="T1", name="Tea", price=10)
    mine, theirs = make_customer(east, display_name="Mine"), make_customer(west, display_name="Theirs")
    save_order(west, Order(customer=theirs), ordered_at="2026-02-01T10:00:00+08:00",
               lines=[{"product": product.pk, "quantity": 1}])
    save_order(east, Order(customer=mine), ordered_at="2026-02-01T10:00:00+08:00",
               lines=[{"product": product.pk, "quantity": 1}])
    client.force_login(east)
    client.get("/orders/")
    with CaptureQueriesContext(connection) as first:
        html = client.get("/orders/").content.decode()
    assert "Mine" in html and "Theirs" not in html
    for day in range(2, 20):
        save_order(east, Order(customer=mine), ordered_at=f"2026-02-{day:02d}T10:00:00+08:00",
                   lines=[{"product": product.pk, "quantity": 1}])
    with CaptureQueriesContext(connection) as second:
        html = client.get("/orders/?status=completed&from=2026-02-10").content.decode()
    assert html.count("Mine</a>") == 10
    assert len(second.captured_queries) == len(first.captured_queries)


def test_products_page_search(client, rep):
    Product.objects.create(sku="TEA-1", name="Longjing tea", price=10)
    Product.objects.create(sku="CUP-1", name="Cup", price=5)
    client.force_login(rep)
    html = client.get("/orders/products/?q=tea").content.decode()
    assert "Longjing tea" in html and "CUP-1" not in html
