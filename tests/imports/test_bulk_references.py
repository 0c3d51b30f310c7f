"""kehu.bulk_references on PostgreSQL: a bulk write checks its foreign keys in one statement, with
the lock the per-row check would take, and refuses a missing referenced row."""

import threading
from datetime import UTC, datetime

import polars as pl
import pytest
from django.db import IntegrityError, OperationalError, connection, connections, transaction

from kehu import bulk_references
from kehu.customers.models import Customer
from kehu.demo.writer import write_frame
from kehu.orders.models import Order

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's per-row checks")]


def _orders(customer_id: int, n: int = 3) -> pl.DataFrame:
    at = datetime(2024, 5, 1, tzinfo=UTC).isoformat()
    return pl.DataFrame({"customer_id": [customer_id] * n, "ordered_at": [at] * n, "channel": ["store"] * n,
                         "store": [""] * n, "status": ["completed"] * n, "total": ["1.00"] * n,
                         "currency": ["CNY"] * n})


def test_the_checks_are_skipped_only_inside_the_block_and_where_allowed():
    assert not bulk_references.active()
    with bulk_references.checked_in_bulk():
        assert bulk_references.active()  # the test role is a superuser
    assert bulk_references.references("orders_order") == [("customer_id", "customers_customer", "id")]


def test_a_missing_referenced_row_is_refused():
    with pytest.raises(IntegrityError, match="customers_customer"):
        with transaction.atomic(), bulk_references.checked_in_bulk():
            write_frame(Order._meta.db_table, _orders(10**9))
    assert not Order.objects.exists()


def test_rows_written_in_bulk_are_locked_against_deletion_until_the_commit():
    customer = Customer.objects.create(display_name="王五")
    written, release, outcome = threading.Event(), threading.Event(), {}

    def importer():
        try:
            with transaction.atomic(), bulk_references.checked_in_bulk():
                write_frame(Order._meta.db_table, _orders(customer.pk))
                written.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=importer)
    thread.start()
    assert written.wait(10)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '300ms'")
                cursor.execute("DELETE FROM customers_customer WHERE id = %s", [customer.pk])
        outcome["deleted"] = True
    except OperationalError as exc:
        outcome["blocked"] = "lock timeout" in str(exc)
    finally:
        release.set()
        thread.join()
    assert outcome == {"blocked": True}
    assert Order.objects.filter(customer=customer).count() == 3
