"""`kehu export`: the export engine from the command line, run as a user (their visibility,
masking and permission), written straight to a file, audited like an export from the web."""

import io
import re
import stat

import pytest
from django.core.management import CommandError, call_command

from kehu.exports.models import ExportJob
from kehu.orders.models import Order, Product
from kehu.orders.services import save_order
from kehu.privacy.models import AuditEntry
from tests.exports.conftest import csv_rows, sheet_dicts, xlsx_book

CLEAR = {"Phone": "138 1234 5678", "Email": "wang@example.com", "ID number": "110101198503041234"}
MASKED = {"Phone": "138****5678", "Email": "w***@example.com", "ID number": "110***********1234"}


def export(*args, user, out=None) -> str:
    """Run ``kehu export ARGS --user USER [-o OUT]``; what it printed."""
    stdout = io.StringIO()
    options = ["--user", user.get_username()] + (["-o", str(out)] if out is not None else [])
    call_command("export", *args, *options, stdout=stdout, stderr=io.StringIO())
    return stdout.getvalue()


def export_rows(tmp_path, *args, user, name="out.csv") -> list[dict]:
    out = tmp_path / name
    export(*args, user=user, out=out)
    if name.endswith(".xlsx"):
        return sheet_dicts(xlsx_book(out.read_bytes()).active)
    return csv_rows(out.read_bytes())


def names(rows) -> list[str]:
    return sorted(r["Name"] for r in rows)


def test_a_reps_export_holds_only_their_visible_customers(tmp_path, east_rep, book):
    printed = export("customers", "--format", "csv", user=east_rep, out=tmp_path / "mine.csv")
    rows = csv_rows((tmp_path / "mine.csv").read_bytes())
    assert names(rows) == ["Mine Active", "Mine New"]
    job = ExportJob.objects.get()
    assert printed.strip() == f"export #{job.pk}: 2 rows → {tmp_path / 'mine.csv'}"
    assert (job.requested_by, job.kind, job.status, job.streamed) == (east_rep, "customers", "done", True)
    assert stat.S_IMODE((tmp_path / "mine.csv").stat().st_mode) == 0o600  # personal data
    assert list(tmp_path.iterdir()) == [tmp_path / "mine.csv"]  # no temporary file left behind


def test_a_marketer_gets_masked_phones_and_a_manager_clear_ones(tmp_path, make_user, team, book):
    marketer = make_user("marketing")
    manager = make_user("manager", team=team, is_manager=True)
    masked = export_rows(tmp_path, "customers", "--format", "csv", user=marketer, name="m.csv")
    assert names(masked) == ["Mine Active", "Mine New", "Theirs"]  # marketing sees everyone
    mine = next(r for r in masked if r["Name"] == "Mine Active")
    assert {k: mine[k] for k in MASKED} == MASKED
    assert "13812345678" not in (tmp_path / "m.csv").read_text("utf-8-sig")

    clear = export_rows(tmp_path, "customers", "--format", "xlsx", user=manager, name="c.xlsx")
    assert names(clear) == ["Mine Active", "Mine New"]  # their team's customers
    mine = next(r for r in clear if r["Name"] == "Mine Active")
    assert {k: mine[k] for k in CLEAR} == CLEAR


def test_filters_narrow_the_rows_as_on_the_list_page(tmp_path, east_rep, admin, book):
    active = ["--filter", "lifecycle_stage=active"]
    assert names(export_rows(tmp_path, "customers", "--format", "csv", *active, user=east_rep)) == [
        "Mine Active"]
    assert names(export_rows(tmp_path, "customers", "--format", "csv", *active, user=admin,
                             name="admin.csv")) == ["Mine Active", "Theirs"]
    rows = export_rows(tmp_path, "customers", "--format", "csv", "--filter", "sort=-name",
                       user=east_rep, name="sorted.csv")
    assert [r["Name"] for r in rows] == ["Mine New", "Mine Active"]
    assert ExportJob.objects.filter(filters={"lifecycle_stage": "active"}).count() == 2


def test_unknown_or_malformed_filters_are_refused_before_anything_is_exported(tmp_path, east_rep, book):
    for bad, message in [("colour=red", "unknown filter 'colour'"), ("lifecycle_stage", "KEY=VALUE"),
                         ("owner=nobody", "not valid")]:
        with pytest.raises(CommandError, match=message):
            export("customers", "--format", "csv", "--filter", bad, user=east_rep, out=tmp_path / "x.csv")
    with pytest.raises(CommandError, match="unknown filter 'tag'"):  # a customer filter, not an order one
        export("orders", "--format", "csv", "--filter", "tag=vip", user=east_rep, out=tmp_path / "x.csv")
    assert not ExportJob.objects.exists() and not AuditEntry.objects.filter(action="export").exists()
    assert not (tmp_path / "x.csv").exists()


def test_xlsx_opens_with_openpyxl_and_has_the_header_row(tmp_path, east_rep, book):
    export("customers", "--format", "xlsx", user=east_rep, out=tmp_path / "list.xlsx")
    sheet = xlsx_book((tmp_path / "list.xlsx").read_bytes()).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[0] == "ID" and {"Name", "Kind", "Phone", "Email", "Created"} <= set(header)
    assert sheet.max_row == 3


def test_a_user_without_the_export_permission_is_refused(tmp_path, make_user, book):
    agent = make_user("service")  # sees every customer, but may not export
    with pytest.raises(CommandError, match=r"may not export data \(needs the exports.export_data"):
        export("customers", "--format", "csv", user=agent, out=tmp_path / "x.csv")
    with pytest.raises(CommandError, match="may not export"):
        export("customer", str(book["mine"].pk), "--format", "xlsx", user=agent, out=tmp_path / "x.xlsx")
    assert not ExportJob.objects.exists() and not AuditEntry.objects.filter(action="export").exists()
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_user_is_refused(tmp_path, book):
    with pytest.raises(CommandError, match="no user 'ghost'"):
        call_command("export", "customers", "--format", "csv", "--user", "ghost", "-o", str(tmp_path / "x"))


def test_the_export_writes_an_audit_entry_like_a_web_export(tmp_path, east_rep, book):
    export("customers", "--format", "csv", "--filter", "lifecycle_stage=active", user=east_rep,
           out=tmp_path / "a.csv")
    entry = AuditEntry.objects.get(action="export")
    job = ExportJob.objects.get()
    assert (entry.actor, entry.object_type, entry.object_id) == (east_rep, "exports.exportjob", str(job.pk))
    assert entry.changes["kind"] == [None, "customers"]
    assert entry.changes["format"] == [None, "csv"]
    assert entry.changes["filters"] == [None, {"lifecycle_stage": "active"}]
    assert entry.changes["row_count"] == [None, 1]


def test_formula_injection_is_escaped(tmp_path, east_rep, make_customer, team):
    make_customer(east_rep, display_name="=1+1", team=team, tags=["+cmd"])
    rows = export_rows(tmp_path, "customers", "--format", "csv", user=east_rep)
    assert [(r["Name"], r["Tags"]) for r in rows] == [("'=1+1", "'+cmd")]
    export("customers", "--format", "xlsx", user=east_rep, out=tmp_path / "f.xlsx")
    sheet = xlsx_book((tmp_path / "f.xlsx").read_bytes()).active
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert sheet_dicts(sheet)[0]["Name"] == "'=1+1"


def test_a_long_list_is_written_at_once_not_queued(tmp_path, settings, east_rep, book):
    settings.KEHU_EXPORT_STREAM_LIMIT = 1  # the web would hand this list to the worker
    assert names(export_rows(tmp_path, "customers", "--format", "csv", user=east_rep)) == [
        "Mine Active", "Mine New"]
    job = ExportJob.objects.get()
    assert (job.status, job.streamed, job.row_count) == ("done", True, 2)


def test_csv_to_standard_output_with_the_summary_on_stderr(east_rep, book):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("export", "customers", "--format", "csv", "--encoding", "gb18030", "--user",
                 east_rep.username, "-o", "-", stdout=stdout, stderr=stderr)
    data = stdout.getvalue().encode("gb18030")
    assert names(csv_rows(data, "gb18030")) == ["Mine Active", "Mine New"]
    assert re.fullmatch(r"export #\d+: 2 rows → standard output\n", stderr.getvalue())
    with pytest.raises(CommandError, match="only a CSV list can go to standard output"):
        export("customers", "--format", "xlsx", user=east_rep, out="-")


def test_the_default_file_name_is_in_the_current_folder_and_not_overwritten(
        tmp_path, monkeypatch, east_rep, book):
    monkeypatch.chdir(tmp_path)
    export("customers", "--format", "xlsx", user=east_rep)
    (written,) = tmp_path.iterdir()
    assert re.fullmatch(r"customers-\d{8}-\d{4}\.xlsx", written.name)
    with pytest.raises(CommandError, match="exists; use --force"):
        export("customers", "--format", "csv", user=east_rep, out=tmp_path / written.name)
    assert ExportJob.objects.count() == 1  # refused before exporting
    export("customers", "--format", "csv", "--force", user=east_rep, out=tmp_path / written.name)
    assert names(csv_rows(written.read_bytes())) == ["Mine Active", "Mine New"]


def test_orders_are_scoped_and_filtered(tmp_path, east_rep, west_rep, book):
    product = Product.objects.create(sku="TEA-1", name="Tea", price=10)
    for who, customer, status in [(east_rep, book["mine"], "completed"), (east_rep, book["mine"], "cancelled"),
                                  (west_rep, book["theirs"], "completed")]:
        save_order(who, Order(customer=customer), ordered_at="2026-02-01T10:00:00+08:00", status=status,
                   lines=[{"product": product.pk, "quantity": 2}])
    rows = export_rows(tmp_path, "orders", "--format", "csv", "--filter", "status=completed",
                       user=east_rep)
    assert [(r["Customer"], r["Status"], r["Total"]) for r in rows] == [("Mine Active", "Completed", "20.00")]


def test_a_customer_file(tmp_path, east_rep, west_rep, book):
    pk = book["mine"].pk
    export("customer", str(pk), "--format", "xlsx", user=east_rep, out=tmp_path)  # a folder
    (written,) = tmp_path.iterdir()
    assert re.fullmatch(rf"customer-{pk}-\d{{8}}-\d{{4}}\.xlsx", written.name)
    workbook = xlsx_book(written.read_bytes())
    assert workbook.sheetnames[0] == "Customer"
    assert sheet_dicts(workbook["Customer"])[0]["Phone"] == CLEAR["Phone"]
    assert AuditEntry.objects.get(action="export").customer_id == pk


def test_an_unknown_or_invisible_customer_is_a_clear_error(tmp_path, west_rep, book):
    with pytest.raises(CommandError, match="no customer 999999"):
        export("customer", "999999", "--format", "xlsx", user=west_rep, out=tmp_path / "x.xlsx")
    with pytest.raises(CommandError, match=f"customer {book['mine'].pk} is not visible to '{west_rep}'"):
        export("customer", str(book["mine"].pk), "--format", "xlsx", user=west_rep, out=tmp_path / "x.xlsx")
    with pytest.raises(CommandError, match="give the customer's ID"):
        export("customer", "--format", "xlsx", user=west_rep, out=tmp_path / "x.xlsx")
    with pytest.raises(CommandError, match="--filter applies to the customer and order lists only"):
        export("customer", str(book["theirs"].pk), "--format", "csv", "--filter", "tag=x", user=west_rep,
               out=tmp_path / "x.zip")
    assert not ExportJob.objects.exists() and not AuditEntry.objects.filter(action="export").exists()


def test_a_bad_format_or_encoding_is_refused(tmp_path, east_rep, book):
    with pytest.raises(CommandError, match="invalid choice: 'pdf'"):
        export("customers", "--format", "pdf", user=east_rep, out=tmp_path / "x")
    with pytest.raises(CommandError, match="--encoding applies to CSV only"):
        export("customers", "--format", "xlsx", "--encoding", "gb18030", user=east_rep, out=tmp_path / "x")
    assert not ExportJob.objects.exists()
