"""Imports write their chunks in a thread with its own connection, overlapping the planning of the
next chunk: the result must be what writing inline gives, errors must stop the job where the last
chunk was committed, and a resumed import goes on from there. (Transactional tests: a second
connection sees only committed data. On SQLite's in-memory test database the writer runs inline.)"""

import csv

import pytest

from kehu.customers.models import Customer
from kehu.identity.models import DuplicateCandidate
from kehu.imports import engine, fields, mapping, readers, writer
from kehu.imports.models import ImportJob
from kehu.orders.models import Order, OrderLine, Product

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = ["客户编号", "姓名", "手机", "邮箱", "城市", "地址", "生日", "标签"]


def _job(user, tmp_path, rows, header=HEADER, target="customers", name="f.csv", **options):
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(header)
        w.writerows(rows)
    table = readers.open_table(path)
    chosen = mapping.suggest(table.headers, fields.targets()[target])
    keys = fields.targets()[target].upsert_keys
    options = {"upsert_key": keys[0] if keys else "", **options}
    return ImportJob.objects.create(created_by=user, target=target, path=str(path), original_name=name,
                                    mapping=chosen, **options)


def _people(n, start=0):
    return [[f"P{i}", f"客户{i}", f"135{i:08d}", "", "北京", f"朝阳路{i}号", "", "VIP"] for i in range(start, start + n)]


def test_the_writer_runs_in_a_thread_here_unless_memory_sqlite():
    from django.db import connection

    assert writer.can_thread() == (connection.vendor == "postgresql" or not connection.is_in_memory_db())


def test_chunks_written_by_the_writer_are_all_there_in_order(admin, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK", 7)
    job = engine.run(_job(admin, tmp_path, _people(40)))
    assert job.status == ImportJob.Status.DONE and job.counts["created"] == 40
    assert job.resume_after == 41 and job.rows_done == 40
    assert sorted(Customer.objects.values_list("external_id", flat=True)) == sorted(f"P{i}" for i in range(40))
    assert Customer.tags.through.objects.count() == 40


def test_an_error_in_the_writer_fails_the_job_at_the_last_commit_and_resume_finishes(
        admin, tmp_path, monkeypatch, failing_apply):
    monkeypatch.setattr(engine, "CHUNK", 10)
    restore = failing_apply(3, RuntimeError("disk full"))
    job = _job(admin, tmp_path, _people(50))
    with pytest.raises(RuntimeError, match="disk full"):
        engine.run(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.resume_after == 21
    assert Customer.objects.count() == 20
    restore()
    engine.run(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Customer.objects.count() == 50


def test_matching_leaves_out_the_imports_own_customers(admin, tmp_path, monkeypatch):
    """Two rows of one person in different chunks: the dry run cannot flag the second (nothing is
    written), so the import does not either, however far the writer has got."""
    monkeypatch.setattr(engine, "CHUNK", 5)
    rows = _people(5) + [["Q1", "客户0", "", "", "北京", "朝阳路0号", "", ""]] + _people(4, start=10)
    dry = engine.check(_job(admin, tmp_path, rows, name="d.csv"))
    assert dry.summary["duplicate"] == 0
    job = engine.run(_job(admin, tmp_path, rows))
    assert job.counts["created"] == 10 and not DuplicateCandidate.objects.exists()


def test_orders_through_the_writer(admin, tmp_path, monkeypatch, make_customer):
    monkeypatch.setattr(engine, "CHUNK", 4)
    make_customer(admin, family_name="王", given_name="五", phone="13800000001")
    Product.objects.create(sku="A1", name="茶", price=10)
    header = ["订单号", "客户手机", "下单时间", "商品编码", "数量", "单价"]
    rows = [[f"O{n}", "13800000001", "2024-05-01 10:00", "A1", "2", "10.005"] for n in range(1, 8) for _ in range(3)]
    job = engine.run(_job(admin, tmp_path, rows, header=header, target="orders", name="o.csv",
                          upsert_key="order_external_id"))
    assert job.counts["created"] == 7 and job.counts["lines"] == 21
    assert {str(o.total) for o in Order.objects.all()} == {"60.06"}  # 3 lines × 2 × 10.01: the stored cents
    assert OrderLine.objects.count() == 21
