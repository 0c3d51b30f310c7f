"""Demo data: deterministic, complete across classes and stages, and shaped like real buying."""

import hashlib
import stat
from decimal import Decimal

import numpy as np
import phonenumbers
import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum

from kehu.customers.models import ChannelIdentity, Customer
from kehu.demo import generate
from kehu.orders.models import Order, OrderLine

N = 400


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("demo", customers=N, seed=7, chunk_size=150, verbosity=0)
    return tmp_path


def _fingerprint():
    rows = []
    for c in Customer.objects.order_by("id").values_list("display_name", "nature", "lifecycle_stage"):
        rows.append(repr(c))
    rows += [repr(r) for r in ChannelIdentity.objects.order_by("id").values_list("normalized")]
    rows += [repr(r) for r in Order.objects.order_by("id").values_list("ordered_at", "total")]
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


class _Rollback(Exception):
    pass


def test_same_seed_builds_the_same_data(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    prints = []
    for seed in (7, 7, 8):
        try:
            with transaction.atomic():
                call_command("demo", customers=120, seed=seed, chunk_size=50, verbosity=0)
                prints.append(_fingerprint())
                raise _Rollback
        except _Rollback:
            pass
    assert prints[0] == prints[1]
    assert prints[0] != prints[2]


def test_chunks_are_deterministic_column_by_column():
    first_id = dict.fromkeys(_KEYS, 1)
    a, b, c = (generate.build_chunk(seed=s, chunk=0, first_id=first_id, n=50, users=_USERS,
                                    products=_PRODUCTS, tag_ids=_TAGS) for s in (7, 7, 8))
    for table, cols in a.tables.items():
        for name, values in cols.items():
            assert (values == b.tables[table][name]).all(), (table, name)
    assert (a.tables["customer"]["display_name"] != c.tables["customer"]["display_name"]).any()


_KEYS = ["customer", "identity", "address", "contact", "interaction", "consent", "order", "orderline",
         "customer_tags", "customershare"]
_USERS = {"sales": {"id": np.array([1, 2, 3]), "team": np.array([1, 1, 2])}}
_PRODUCTS = {"id": np.arange(1, 11), "price": np.linspace(10, 100, 10)}
_TAGS = np.arange(1, 4)


def test_every_nature_class_and_stage_is_present(demo):
    assert set(Customer.objects.values_list("nature", flat=True)) == {c for c, _ in Customer.Nature.choices}
    assert set(Customer.objects.values_list("lifecycle_stage", flat=True)) == {c for c, _ in Customer.Stage.choices}
    assert set(Customer.objects.values_list("kind", flat=True)) == {"person", "organisation"}
    assert Customer.objects.count() == N


def test_phones_are_valid_unique_e164(demo):
    phones = list(ChannelIdentity.objects.filter(channel="phone").values_list("normalized", flat=True))
    assert len(phones) > N * 0.8
    assert len(set(phones)) == len(phones)
    for phone in phones:
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone)), phone
        assert phone.startswith("+861")


def test_order_totals_equal_their_lines(demo):
    lines = {row["order_id"]: row["s"] for row in OrderLine.objects.values("order_id").annotate(s=Sum(
        _line_amount()))}
    orders = dict(Order.objects.values_list("id", "total"))
    assert orders and set(lines) == set(orders)
    for order_id, total in orders.items():
        assert abs(Decimal(str(lines[order_id])) - total) <= Decimal("0.01"), order_id


def _line_amount():
    from django.db.models import DecimalField, ExpressionWrapper, F

    return ExpressionWrapper(F("quantity") * F("unit_price") - F("discount"),
                             output_field=DecimalField(max_digits=14, decimal_places=2))


def test_buying_looks_like_a_repeat_purchase_process(demo):
    counts = list(Customer.objects.annotate(n=Count("orders")).values_list("n", "lifecycle_stage"))
    buyers = [n for n, stage in counts if n > 0]
    assert all(n == 0 for n, stage in counts if stage == "prospect")
    one_time = sum(1 for n in buyers if n == 1) / len(buyers)
    frequent = sum(1 for n in buyers if n >= 5) / len(buyers)
    assert 0.1 < one_time < 0.5
    assert frequent > 0.2
    assert Order.objects.count() > N * 4


def test_demo_users_file_is_private_and_passwords_work(demo):
    from django.contrib.auth.models import User

    path = demo / "demo-users"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = [line.split("\t") for line in path.read_text().splitlines() if not line.startswith("#")]
    assert {r[1] for r in rows} == {"manager", "sales", "service", "marketing"}
    username, _, _, password = rows[0]
    assert User.objects.get(username=username).check_password(password)


def test_if_empty_is_a_no_op_on_a_populated_database(demo):
    before = Customer.objects.count()
    call_command("demo", customers=50, seed=9, if_empty=True, verbosity=0)
    assert Customer.objects.count() == before


def test_new_rows_after_a_bulk_load_get_fresh_ids(demo, make_user):
    from kehu.customers import services

    rep = make_user("sales")
    highest = Customer.objects.order_by("-id").values_list("id", flat=True).first()
    customer = services.create_customer(rep, kind="person", family_name="新", given_name="客")
    assert customer.pk > highest


def test_indexes_are_back_after_a_fresh_load(demo):
    from django.db import connection

    from kehu.demo.services import TABLES

    with connection.cursor() as cursor:
        for model in TABLES.values():
            present = set(connection.introspection.get_constraints(cursor, model._meta.db_table))
            wanted = {index.name for index in model._meta.indexes}
            assert wanted <= present, (model._meta.db_table, wanted - present)
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'customer_name_trgm'")
            assert cursor.fetchone() == (1,)
