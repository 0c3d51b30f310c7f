"""The import engine end to end on the test database: dry run, upsert, invalid rows, abort, undo,
resume, orders by line."""

import csv

import pytest

from kehu.customers.models import ChannelIdentity, Customer
from kehu.imports import engine, fields, mapping, readers
from kehu.imports.models import ImportChange, ImportJob
from kehu.imports.undo import UndoRefused, undo
from kehu.orders.models import Order, OrderLine, Product

pytestmark = pytest.mark.django_db(transaction=False)

HEADER = ["客户编号", "姓名", "手机", "邮箱", "城市", "地址", "生日", "标签"]


def _csv(tmp_path, rows, header=HEADER, name="customers.csv", encoding="utf-8"):
    path = tmp_path / name
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _job(user, path, target="customers", **options):
    table = readers.open_table(path)
    chosen = mapping.suggest(table.headers, fields.targets()[target])
    defaults = {"upsert_key": fields.targets()[target].upsert_keys[0] if fields.targets()[target].upsert_keys else ""}
    return ImportJob.objects.create(created_by=user, target=target, path=str(path), original_name=path.name,
                                    encoding=table.encoding or "", mapping=chosen, **{**defaults, **options})


ROWS = [
    ["C1", "王小明", "13812345678", "xm@example.com", "北京", "朝阳区建国路1号", "1985-03-01", "VIP, 新客"],
    ["C2", "李娜", "13912345678", "", "上海", "", "1990/7/2", ""],
    ["C3", "张伟", "not a phone", "", "", "", "", ""],
    ["C4", "", "13712345678", "", "", "", "", ""],
    ["C1", "王小明", "13612345678", "", "", "", "", ""],
]


def test_dry_run_counts_and_changes_nothing(admin, tmp_path):
    job = engine.check(_job(admin, _csv(tmp_path, ROWS)))
    assert Customer.objects.count() == 0
    assert job.summary["create"] == 2 and job.summary["invalid"] == 3
    with open(job.error_path, encoding="utf-8-sig") as f:
        report = list(csv.reader(f))
    assert report[0][-1] in ("error", "错误")
    by_row = {r[0]: r[-1] for r in report[1:]}
    assert "手机" in by_row["C3"]  # the column is named
    assert "row 2" in by_row["C1"] or "2" in by_row["C1"]  # duplicate of the first C1
    assert set(by_row) == {"C3", "C4", "C1"}


def test_import_creates_customers_with_identities_tags_and_profiles(admin, tmp_path):
    job = engine.run(_job(admin, _csv(tmp_path, ROWS)))
    assert job.status == ImportJob.Status.DONE
    assert job.counts["created"] == 2 and job.counts["invalid"] == 3
    wang = Customer.objects.get(external_id="C1")
    assert wang.display_name == "王小明" and str(wang.birth_date) == "1985-03-01"
    assert sorted(wang.tags.values_list("name", flat=True)) == ["VIP", "新客"]
    assert set(wang.identities.values_list("channel", "normalized")) == {
        ("phone", "+8613812345678"), ("email", "xm@example.com")}
    assert wang.addresses.get().city == "北京"
    from kehu.identity.models import MatchProfile
    assert MatchProfile.objects.filter(customer_id=wang.pk).exists()  # matchable on entry at once
    created = [i for c in ImportChange.objects.filter(job=job, action="c", model="customers.customer") for i in c.ids()]
    assert sorted(created) == sorted(Customer.objects.values_list("pk", flat=True))


def test_upsert_by_external_id_updates_and_undo_restores_exactly(admin, tmp_path):
    engine.run(_job(admin, _csv(tmp_path, ROWS[:2])))
    li = Customer.objects.get(external_id="C2")
    before = (li.display_name, li.birth_date, li.version, set(li.identities.values_list("normalized", flat=True)))
    second = engine.run(_job(admin, _csv(tmp_path, [["C2", "李娜娜", "", "na@example.com", "", "", "1991-01-01", ""],
                                                     ["C9", "赵六", "13500000000", "", "", "", "", ""]],
                                         name="second.csv")))
    assert second.counts == {"created": 1, "updated": 1, "skipped": 0, "invalid": 0}
    li.refresh_from_db()
    assert li.display_name == "李娜娜" and str(li.birth_date) == "1991-01-01"
    assert "na@example.com" in set(li.identities.values_list("normalized", flat=True))
    undo(second, admin)
    li.refresh_from_db()
    assert (li.display_name, li.birth_date) == before[:2]
    assert set(li.identities.values_list("normalized", flat=True)) == before[3]
    assert not Customer.objects.filter(external_id="C9").exists()
    second.refresh_from_db()
    assert second.status == ImportJob.Status.UNDONE
    with pytest.raises(UndoRefused):
        undo(second, admin)


def test_undo_is_refused_when_a_customer_changed_since(admin, tmp_path):
    from kehu.customers import services

    engine.run(_job(admin, _csv(tmp_path, ROWS[:1])))
    job = engine.run(_job(admin, _csv(tmp_path, [["C1", "王晓明", "", "", "", "", "", ""]], name="b.csv")))
    wang = Customer.objects.get(external_id="C1")
    services.update_customer(admin, wang, expected_version=wang.version, tier="A")
    with pytest.raises(UndoRefused):
        undo(job, admin)


def test_abort_mode_imports_nothing_when_a_row_is_invalid(admin, tmp_path):
    job = engine.run(_job(admin, _csv(tmp_path, ROWS), on_error="abort"))
    assert job.status == ImportJob.Status.FAILED and job.error_count == 3
    assert Customer.objects.count() == 0
    clean = engine.run(_job(admin, _csv(tmp_path, ROWS[:2], name="ok.csv"), on_error="abort"))
    assert clean.status == ImportJob.Status.DONE and Customer.objects.count() == 2


def test_a_known_phone_is_a_duplicate_the_user_decides_on(admin, tmp_path, make_customer):
    existing = make_customer(admin, family_name="王", given_name="小明", phone="13812345678")
    row = [["", "王小明", "138 1234 5678", "", "", "", "", ""]]
    job = engine.check(_job(admin, _csv(tmp_path, row)))
    assert job.summary["duplicate"] == 1 and job.summary["duplicates"][0]["customer_id"] == existing.pk
    skip = _job(admin, _csv(tmp_path, row, name="s.csv"), duplicates="skip")
    assert engine.run(skip).counts["skipped"] == 1 and Customer.objects.count() == 1
    link = _job(admin, _csv(tmp_path, [["", "王小明", "138 1234 5678", "wxm@example.com", "", "", "", ""]],
                            name="l.csv"), decisions={"2": "link"})
    assert engine.run(link).counts["updated"] == 1
    assert ChannelIdentity.objects.get(normalized="wxm@example.com").customer_id == existing.pk


def test_resume_after_a_crash_continues_after_the_last_committed_chunk(admin, tmp_path, monkeypatch, failing_apply):
    rows = [[f"E{i}", f"客户{i}", f"135{i:08d}", "", "", "", "", ""] for i in range(30)]
    job = _job(admin, _csv(tmp_path, rows))
    monkeypatch.setattr(engine, "CHUNK", 10)
    restore = failing_apply(2, RuntimeError("power cut"))
    with pytest.raises(RuntimeError):
        engine.run(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.resume_after == 11
    assert Customer.objects.count() == 10
    restore()
    engine.run(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Customer.objects.count() == 30
    assert job.counts["created"] == 30


def test_orders_arrive_one_row_per_line(admin, tmp_path, make_customer):
    make_customer(admin, family_name="王", given_name="五", phone="13800000001")
    Product.objects.create(sku="A1", name="茶", price=10)
    Product.objects.create(sku="B2", name="杯", price=5)
    header = ["订单号", "客户手机", "下单时间", "商品编码", "数量", "单价"]
    rows = [["O1", "13800000001", "2024-05-01 10:00", "A1", "2", "10"],
            ["O1", "13800000001", "2024-05-01 10:00", "B2", "1", "5"],
            ["O2", "13800000001", "2024-05-02", "ZZ", "1", "5"],
            ["O3", "13999999999", "2024-05-03", "A1", "1", "10"]]
    job = engine.run(_job(admin, _csv(tmp_path, rows, header=header, name="o.csv"), target="orders"))
    order = Order.objects.get(external_id="O1")
    assert order.lines.count() == 2 and str(order.total) == "25.00"
    assert job.counts["created"] == 1 and job.counts["invalid"] == 2
    again = engine.run(_job(admin, _csv(tmp_path, rows[:2], header=header, name="o2.csv"), target="orders"))
    assert again.counts["created"] == 0 and Order.objects.count() == 1  # idempotent
    undo(job, admin)
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0


def test_an_order_split_across_chunks_keeps_every_line(admin, tmp_path, make_customer, monkeypatch):
    """Chunks are cut before an order's first line, never inside an order (a cut inside lost
    the order's later lines as "already imported")."""
    monkeypatch.setattr(engine, "CHUNK", 4)
    make_customer(admin, family_name="王", given_name="五", phone="13800000001")
    Product.objects.create(sku="A1", name="茶", price=10)
    header = ["订单号", "客户手机", "下单时间", "商品编码", "数量", "单价"]
    rows = [[f"O{n}", "13800000001", "2024-05-01 10:00", "A1", "1", "10"] for n in range(1, 6) for _ in range(3)]
    job = engine.run(_job(admin, _csv(tmp_path, rows, header=header, name="o.csv"), target="orders"))
    assert job.counts == {**job.counts, "created": 5, "lines": 15, "skipped": 0}
    assert sorted(Order.objects.values_list("external_id", flat=True)) == [f"O{n}" for n in range(1, 6)]
    assert {o.lines.count() for o in Order.objects.all()} == {3}


def test_created_ids_are_kept_as_ranges():
    import numpy as np

    assert engine.id_ranges(np.array([3, 4, 5, 9, 11, 12])) == [[3, 5], [9, 9], [11, 12]]
    assert engine.id_ranges(np.array([7])) == [[7, 7]]


def test_a_clean_file_leaves_no_error_file_behind(admin, tmp_path):
    from pathlib import Path

    job = engine.run(_job(admin, _csv(tmp_path, ROWS[:2])))
    assert job.error_path == "" and not Path(job.path + ".errors.csv").exists()
    dirty = engine.check(_job(admin, _csv(tmp_path, ROWS, name="dirty.csv")))
    assert Path(dirty.error_path).exists()
