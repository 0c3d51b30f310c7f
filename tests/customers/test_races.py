"""Concurrent edits on a real server (PostgreSQL; SQLite serialises writers anyway)."""

import threading

import pytest
from django.db import connection, connections

from kehu.customers import services
from kehu.customers.models import Customer
from kehu.privacy.models import AuditEntry


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_of_the_same_version_one_wins(rep, make_customer):
    if connection.vendor != "postgresql":
        pytest.skip("race test needs a server database; SQLite serialises writers")
    customer = make_customer(rep, display_name="Start")
    barrier = threading.Barrier(2)
    outcomes = []

    def edit(name):
        try:
            barrier.wait()
            services.update_customer(rep, Customer.objects.get(pk=customer.pk), expected_version=1,
                                     display_name=name)
            outcomes.append(("saved", name))
        except services.StaleVersion:
            outcomes.append(("stale", name))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=edit, args=(n,)) for n in ("Alice's edit", "Bob's edit")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(kind for kind, _ in outcomes) == ["saved", "stale"]
    winner = next(name for kind, name in outcomes if kind == "saved")
    customer.refresh_from_db()
    assert (customer.display_name, customer.version) == (winner, 2)
    assert AuditEntry.objects.filter(object_type="customers.customer", action="update").count() == 1


def test_migrations_are_complete(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
