"""kehu.db: ``field__any=[…]`` selects exactly what ``field__in=[…]`` selects, on either backend."""

import pytest
from django.db import connection

from kehu.customers.models import ChannelIdentity, Customer
from kehu.db import any_of_sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers():
    names = ["王小明", "O'Brien", 'say "hi"', "李娜", "张伟"]
    made = [Customer.objects.create(display_name=n) for n in names]
    for i, c in enumerate(made):
        ChannelIdentity.objects.create(customer=c, channel="phone", value=f"+86138000000{i:02d}",
                                       normalized=f"+86138000000{i:02d}")
    return made


def test_any_matches_in_for_ids_texts_and_foreign_keys(customers):
    ids = [customers[0].pk, customers[3].pk, 10**9]
    assert set(Customer.objects.filter(pk__any=ids)) == set(Customer.objects.filter(pk__in=ids))
    names = ["O'Brien", 'say "hi"', "王小明", "nobody"]
    assert (sorted(Customer.objects.filter(display_name__any=names).values_list("display_name", flat=True))
            == sorted(names[:3]))
    owners = ChannelIdentity.objects.filter(customer_id__any=[customers[1].pk, customers[4].pk])
    assert sorted(owners.values_list("normalized", flat=True)) == ["+8613800000001", "+8613800000004"]
    assert not Customer.objects.filter(pk__any=[]).exists()


def test_raw_sql_form(customers):
    where, params = any_of_sql("display_name", ["李娜", "张伟", "x"], connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT display_name FROM customers_customer WHERE {where}", params)  # noqa: S608
        assert sorted(r[0] for r in cursor.fetchall()) == ["张伟", "李娜"]


def test_arrays_and_series_select_the_same(customers):
    import numpy as np
    import polars as pl

    ids = [customers[1].pk, customers[2].pk]
    expected = set(Customer.objects.filter(pk__in=ids))
    assert set(Customer.objects.filter(pk__any=np.array(ids))) == expected
    assert set(Customer.objects.filter(pk__any=pl.Series(ids))) == expected
    names = pl.Series(["李娜", 'say "hi"', "nobody"])
    assert sorted(Customer.objects.filter(display_name__any=names).values_list("display_name", flat=True)) == sorted(
        ["李娜", 'say "hi"'])
