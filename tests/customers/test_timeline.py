"""The unified timeline: merge order, keyset paging, query counts, PII masking."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kehu.customers import services
from kehu.customers.models import Interaction
from kehu.customers.timeline import sources, timeline_page
from kehu.orders.models import Order, Product
from kehu.orders.services import save_order
from kehu.privacy.services import record_consent

T0 = timezone.now().replace(microsecond=0) - timedelta(days=30)


@pytest.fixture
def busy_customer(rep, make_customer):
    """A customer with orders, interactions, a consent and edits, at known times."""
    customer = make_customer(rep, phone="13812345678")
    product = Product.objects.create(sku="TEA", name="Tea", price=10)
    for day in (1, 3, 5):
        save_order(rep, Order(customer=customer), ordered_at=T0 + timedelta(days=day),
                   lines=[{"product": product.pk, "quantity": day}])
    for day in (2, 4):
        services.save_interaction(rep, Interaction(customer=customer), channel="phone", direction="in",
                                  type="call", subject=f"call {day}", occurred_at=T0 + timedelta(days=day))
    record_consent(rep, customer, purpose="marketing", channel="sms", granted=True, source="store",
                   recorded_at=T0 + timedelta(days=6))
    return customer


def test_every_app_contributes_without_customers_importing_it():
    keys = [s.key for s in sources()]
    assert keys == ["customers.interaction", "orders.order", "privacy.audit", "privacy.consent", "service.case",
                    "surveys.response"]
    import kehu.customers.timeline as module

    source = open(module.__file__, encoding="utf-8").read()
    assert "kehu.orders" not in source and "kehu.privacy" not in source


def test_events_are_merged_newest_first(busy_customer):
    page = timeline_page(busy_customer.pk, limit=100, pii_visible=True,
                         only=["orders.order", "customers.interaction", "privacy.consent"])
    assert [(e.source, (e.occurred_at - T0).days) for e in page.events] == [
        ("privacy.consent", 6), ("orders.order", 5), ("customers.interaction", 4), ("orders.order", 3),
        ("customers.interaction", 2), ("orders.order", 1)]
    assert page.next_cursor is None
    # the title carries the order's own id (sequences are not reset between tests on PostgreSQL)
    assert page.events[1].title == f"Order #{page.events[1].pk}: CN¥50.00"


def test_paging_visits_every_event_exactly_once(busy_customer):
    everything = timeline_page(busy_customer.pk, limit=1000, pii_visible=True).events
    seen, cursor = [], None
    while True:
        page = timeline_page(busy_customer.pk, cursor=cursor, limit=2, pii_visible=True)
        seen.extend(page.events)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [(e.source, e.pk) for e in seen] == [(e.source, e.pk) for e in everything]
    # created + phone identity + 3 orders + 2 calls + consent
    assert len(seen) == len(everything) == 8


def test_same_instant_events_are_not_lost_between_pages(rep, make_customer):
    customer = make_customer(rep)
    at = T0
    for i in range(5):
        services.save_interaction(rep, Interaction(customer=customer), channel="phone", direction="in",
                                  type="call", subject=f"s{i}", occurred_at=at)
    subjects, cursor = [], None
    while True:
        page = timeline_page(customer.pk, cursor=cursor, limit=2, only=["customers.interaction"])
        subjects.extend(e.title for e in page.events)
        if not (cursor := page.next_cursor):
            break
    assert subjects == [f"Call: s{i}" for i in (4, 3, 2, 1, 0)]


def test_a_page_costs_one_query_per_source_even_with_10000_events(rep, make_customer):
    customer = make_customer(rep)
    Interaction.objects.bulk_create([
        Interaction(customer=customer, channel="phone", direction="in", type="call", subject=f"n{i}",
                    occurred_at=T0 + timedelta(minutes=i), user=rep)
        for i in range(10_000)
    ])
    with CaptureQueriesContext(connection) as ctx:
        page = timeline_page(customer.pk, limit=25, pii_visible=True, only=["customers.interaction"])
    assert len(page.events) == 25
    assert page.events[0].title == "Call: n9999"
    assert len(ctx.captured_queries) == 1
    with CaptureQueriesContext(connection) as ctx:
        mixed = timeline_page(customer.pk, limit=25, pii_visible=True)
    assert mixed.events[0].title == "Customer created"
    assert len(ctx.captured_queries) <= len(sources()) + 1
    with CaptureQueriesContext(connection) as ctx:
        deeper = timeline_page(customer.pk, cursor=page.next_cursor, limit=25, pii_visible=True,
                               only=["customers.interaction"])
    assert deeper.events[0].title == "Call: n9974"
    assert len(ctx.captured_queries) <= len(sources()) + 1


def test_pii_in_change_events_is_masked_without_permission(busy_customer):
    masked = timeline_page(busy_customer.pk, limit=100, pii_visible=False, only=["privacy.audit"]).events
    text = " ".join(line for e in masked for line in e.lines)
    assert "+8613812345678" not in text and "13812345678" not in text
    assert "138****5678" in text
    clear = timeline_page(busy_customer.pk, limit=100, pii_visible=True, only=["privacy.audit"]).events
    assert "+8613812345678" in " ".join(line for e in clear for line in e.lines)


def test_edit_shows_old_and_new_value(rep, make_customer):
    customer = make_customer(rep, lifecycle_stage="prospect")
    services.update_customer(rep, customer, expected_version=1, lifecycle_stage="active")
    newest = timeline_page(customer.pk, limit=1, only=["privacy.audit"]).events[0]
    assert newest.title == "Customer updated"
    assert newest.lines == ("Lifecycle stage: Prospect → Active",)
    assert newest.actor == rep.username


def test_bad_cursor_starts_from_the_top(busy_customer):
    assert timeline_page(busy_customer.pk, cursor="garbage!!", limit=3).events == \
        timeline_page(busy_customer.pk, limit=3).events
