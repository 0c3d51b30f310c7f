"""List and customer-file exports from the pages: visibility, masking, filters, permission, audit,
query counts."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.customers import services as customer_services
from kehu.customers.models import Address, Contact, Interaction
from kehu.customers.timeline import timeline_page
from kehu.exports import services
from kehu.exports.models import ExportJob
from kehu.orders.models import Order, Product
from kehu.orders.services import save_order
from kehu.privacy.models import AuditEntry
from kehu.privacy.services import record_consent
from tests.exports.conftest import body, csv_rows, sheet_dicts, xlsx_book, zip_members

CLEAR = {"Phone": "138 1234 5678", "Email": "wang@example.com", "ID number": "110101198503041234",
         "Date of birth": "1985-03-04"}
MASKED = {"Phone": "138****5678", "Email": "w***@example.com", "ID number": "110***********1234",
          "Date of birth": "1985-**-**"}


def _export(client, query="", fmt="csv"):
    response = client.post(f"/exports/customers/{query}", {"format": fmt})
    assert response.status_code == 200, response
    return response


def _names(rows):
    return sorted(r["Name"] for r in rows)


def _without_pii_permission(role):
    Group.objects.get(name=role).permissions.remove(Permission.objects.get(codename="view_pii"))


def test_a_rep_exports_only_their_visible_customers_with_clear_personal_data(client, east_rep, book):
    client.force_login(east_rep)
    response = _export(client)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="customers-\d{8}-\d{4}\.csv"', response["Content-Disposition"])
    rows = csv_rows(body(response))
    assert _names(rows) == ["Mine Active", "Mine New"]
    mine = next(r for r in rows if r["Name"] == "Mine Active")
    assert {k: mine[k] for k in CLEAR} == CLEAR
    assert (mine["Lifecycle stage"], mine["Tags"], mine["Owner"]) == ("Active", "vip", east_rep.username)


def test_a_rep_without_the_pii_permission_gets_masked_values(client, east_rep, book):
    _without_pii_permission("sales")
    client.force_login(east_rep)
    for fmt in ("csv", "xlsx"):
        data = body(_export(client, fmt=fmt))
        if fmt == "csv":
            rows, text = csv_rows(data), data.decode("utf-8-sig")
        else:
            sheet = xlsx_book(data).active
            rows = sheet_dicts(sheet)
            text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row)
        mine = next(r for r in rows if r["Name"] == "Mine Active")
        assert {k: mine[k] for k in MASKED} == MASKED, fmt
        for clear in ("1234 5678", "13812345678", "wang@", "19850304", "1985-03-04", "503041234"):
            assert clear not in text, (fmt, clear)


def test_a_marketer_sees_everyone_masked(client, make_user, book):
    client.force_login(make_user("marketing"))
    rows = csv_rows(body(_export(client)))
    assert _names(rows) == ["Mine Active", "Mine New", "Theirs"]
    mine = next(r for r in rows if r["Name"] == "Mine Active")
    assert {k: mine[k] for k in MASKED} == MASKED


def test_the_list_filters_and_sort_are_honoured(client, east_rep, admin, book):
    client.force_login(east_rep)
    assert _names(csv_rows(body(_export(client, "?lifecycle_stage=active")))) == ["Mine Active"]
    assert _names(csv_rows(body(_export(client, "?tag=vip")))) == ["Mine Active"]
    by_name = csv_rows(body(_export(client, "?sort=-name")))
    assert [r["Name"] for r in by_name] == ["Mine New", "Mine Active"]
    client.force_login(admin)
    assert _names(csv_rows(body(_export(client, "?lifecycle_stage=active")))) == ["Mine Active", "Theirs"]
    xlsx = xlsx_book(body(_export(client, "?lifecycle_stage=new", fmt="xlsx")))
    assert [r["Name"] for r in sheet_dicts(xlsx.active)] == ["Mine New"]


def test_an_export_is_audited_with_its_filters_and_row_count(client, east_rep, book):
    client.force_login(east_rep)
    body(_export(client, "?lifecycle_stage=active&page=3"))
    entry = AuditEntry.objects.get(action="export")
    job = ExportJob.objects.get()
    assert (entry.actor, entry.object_type, entry.object_id) == (east_rep, "exports.exportjob", str(job.pk))
    assert entry.changes["filters"] == [None, {"lifecycle_stage": "active"}]
    assert entry.changes["row_count"] == [None, 1]
    assert entry.changes["kind"] == [None, "customers"]
    assert (job.status, job.streamed, job.row_count, job.file) == ("done", True, 1, "")


def test_gb18030_csv(client, east_rep, book):
    client.force_login(east_rep)
    customer_services.update_customer(east_rep, book["mine"], expected_version=book["mine"].version,
                                      display_name="王小明")
    response = client.post("/exports/customers/", {"format": "csv-gb18030"})
    assert response["Content-Type"] == "text/csv; charset=gb18030"
    data = body(response)
    assert "王小明".encode("gb18030") in data and not data.startswith(b"\xef\xbb\xbf")


def test_formula_injection_in_customer_data_is_neutralised(client, east_rep, make_customer, team):
    client.force_login(east_rep)
    make_customer(east_rep, display_name='=HYPERLINK("http://evil.example","点我")', team=team,
                  tags=["+cmd", "@x"])
    make_customer(east_rep, display_name="＝1+1", team=team)
    rows = csv_rows(body(_export(client)))
    assert _names(rows) == ["'=HYPERLINK(\"http://evil.example\",\"点我\")", "'＝1+1"]
    assert {r["Tags"] for r in rows} == {"'+cmd, @x", ""}
    sheet = xlsx_book(body(_export(client, fmt="xlsx"))).active
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert sorted(c.value for c in sheet["C"][1:]) == ["'=HYPERLINK(\"http://evil.example\",\"点我\")", "'＝1+1"]


def test_the_order_list_export_is_scoped_and_filtered(client, east_rep, west_rep, book):
    product = Product.objects.create(sku="TEA-1", name="Tea", price=10)
    for who, customer, status in [(east_rep, book["mine"], "completed"), (east_rep, book["mine"], "cancelled"),
                                  (west_rep, book["theirs"], "completed")]:
        save_order(who, Order(customer=customer), ordered_at="2026-02-01T10:00:00+08:00", status=status,
                   lines=[{"product": product.pk, "quantity": 2}])
    client.force_login(east_rep)
    rows = csv_rows(body(client.post("/exports/orders/", {"format": "csv"})))
    assert {r["Customer"] for r in rows} == {"Mine Active"} and len(rows) == 2
    rows = csv_rows(body(client.post("/exports/orders/?status=completed", {"format": "csv"})))
    assert [(r["Customer"], r["Status"], r["Total"]) for r in rows] == [("Mine Active", "Completed", "20.00")]


def _file(customer, rep):
    product = Product.objects.create(sku="TEA-9", name="Longjing", price=88)
    cup = Product.objects.create(sku="CUP-1", name="Cup", price=12)
    order = save_order(rep, Order(customer=customer), ordered_at="2026-03-01T10:00:00+08:00",
                       lines=[{"product": product.pk, "quantity": 1}, {"product": cup.pk, "quantity": 2}])
    customer_services.save_interaction(rep, Interaction(customer=customer), channel="phone", direction="out",
                                       type="call", subject="Asked about tea",
                                       occurred_at="2026-03-02T10:00:00+08:00")
    record_consent(rep, customer, purpose="marketing", channel="sms", granted=True, source="phone")
    customer_services.save_contact(rep, Contact(customer=customer), name="Li Lei",
                                   phone="13700000000")
    customer_services.save_address(rep, Address(customer=customer), city="杭州",
                                   line1="西湖区 1 号")
    return order


SHEETS = ["Customer", "Channel identities", "Contacts", "Addresses", "Orders", "Interactions",
          "Consents", "Timeline"]


def test_the_customer_file_holds_every_part_with_orders_and_timeline(client, east_rep, book):
    order = _file(book["mine"], east_rep)
    client.force_login(east_rep)
    response = client.post(f"/exports/customers/{book['mine'].pk}/", {"format": "xlsx"})
    assert response.status_code == 200
    assert re.fullmatch(rf'attachment; filename="customer-{book["mine"].pk}-\d{{8}}-\d{{4}}\.xlsx"',
                        response["Content-Disposition"])
    workbook = xlsx_book(body(response))
    assert workbook.sheetnames == SHEETS
    (customer,) = sheet_dicts(workbook["Customer"])
    assert (customer["Name"], customer["ID number"]) == ("Mine Active", CLEAR["ID number"])
    orders = sheet_dicts(workbook["Orders"])
    assert [(o["Order ID"], o["SKU"], o["Quantity"]) for o in orders] == [
        (order.pk, "TEA-9", 1), (order.pk, "CUP-1", 2)]
    assert orders[0]["Total"] == 112
    timeline = sheet_dicts(workbook["Timeline"])
    titles = [t["Event"] for t in timeline]
    assert any(t.startswith(f"Order {order}: ") and "112.00" in t for t in titles)
    assert "Call: Asked about tea" in titles
    assert any(t.startswith("Consent granted") for t in titles)
    assert [i["Subject"] for i in sheet_dicts(workbook["Interactions"])] == ["Asked about tea"]
    assert len(sheet_dicts(workbook["Consents"])) == 1
    assert [a["Street address"] for a in sheet_dicts(workbook["Addresses"])] == ["西湖区 1 号"]
    entry = AuditEntry.objects.get(action="export")
    assert entry.customer_id == book["mine"].pk and entry.changes["customer"] == [None, book["mine"].pk]
    assert entry.changes["sheets"][1]["Orders"] == 2


def test_the_customer_file_timeline_is_read_to_its_end(east_rep, book, monkeypatch):
    _file(book["mine"], east_rep)
    monkeypatch.setattr(services, "TIMELINE_PAGE", 2)  # many pages
    sheets = services.customer_file_sheets(east_rep, book["mine"])
    events = list(sheets[-1].rows)
    everything = timeline_page(book["mine"].pk, limit=1000, pii_visible=True).events
    assert len(everything) > 6 and [e[2] for e in events] == [e.title for e in everything]
    assert [e[0] for e in events] == sorted((e[0] for e in events), reverse=True)


def test_the_customer_file_as_csv_is_a_zip_and_masks_for_users_without_pii(client, east_rep, book):
    _file(book["mine"], east_rep)
    _without_pii_permission("sales")
    client.force_login(east_rep)
    response = client.post(f"/exports/customers/{book['mine'].pk}/", {"format": "csv"})
    assert response["Content-Type"] == "application/zip"
    members = zip_members(body(response))
    assert list(members) == [f"{i:02d}-{name.lower().replace(' ', '-')}.csv" for i, name in enumerate(SHEETS, 1)]
    assert [r["SKU"] for r in csv_rows(members["05-orders.csv"])] == ["TEA-9", "CUP-1"]
    assert csv_rows(members["04-addresses.csv"])[0]["Street address"] == "西***"
    assert csv_rows(members["03-contacts.csv"])[0]["Phone"] == "137****0000"
    everything = b"".join(members.values()).decode("utf-8-sig")
    assert "13812345678" not in everything and "西湖区 1 号" not in everything


def test_another_reps_customer_file_is_a_404(client, west_rep, book):
    client.force_login(west_rep)
    assert client.post(f"/exports/customers/{book['mine'].pk}/", {"format": "xlsx"}).status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()


def test_without_the_export_permission_every_endpoint_is_forbidden(client, api, make_user, east_rep, book):
    job = services.request_export(east_rep, "customers", "csv", enqueue=False)
    services.run_job(job.pk)
    service_agent = make_user("service")  # sees every customer, but may not export
    client.force_login(service_agent)
    pk = book["mine"].pk
    web = [("post", "/exports/customers/"), ("post", "/exports/orders/"), ("post", f"/exports/customers/{pk}/"),
           ("get", "/exports/"), ("get", f"/exports/{job.pk}/"), ("get", f"/exports/{job.pk}/download/")]
    for method, url in web:
        assert getattr(client, method)(url, {"format": "csv"}).status_code == 403, url
    rest = api(service_agent)
    assert rest.post("/api/v1/exports/", {"kind": "customers"}, format="json").status_code == 403
    for url in ("/api/v1/exports/", f"/api/v1/exports/{job.pk}/", f"/api/v1/exports/{job.pk}/download/"):
        assert rest.get(url).status_code == 403, url
    assert not AuditEntry.objects.filter(action="export", actor=service_agent).exists()
    list_page = client.get("/customers/").content.decode()
    assert "Export CSV" not in list_page
    client.force_login(east_rep)
    assert "Export CSV" in client.get("/customers/").content.decode()
    assert "Export file" in client.get(f"/customers/{pk}/").content.decode()


def test_export_endpoints_only_accept_post(client, east_rep):
    client.force_login(east_rep)
    assert client.get("/exports/customers/").status_code == 405


def test_unknown_format_is_a_400(client, east_rep, book):
    client.force_login(east_rep)
    assert client.post("/exports/customers/", {"format": "pdf"}).status_code == 400


def _queries_for_export(user_pk, fmt):
    user = get_user_model().objects.get(pk=user_pk)  # no permission cache carried over
    with CaptureQueriesContext(connection) as ctx:
        export = services.export_customers(user, {}, fmt)
        data = b"".join(export.chunks)
    return len(ctx.captured_queries), data


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_query_count_does_not_grow_with_the_rows(east_rep, make_customer, team, fmt):
    def add(start, n):
        for i in range(start, start + n):
            make_customer(east_rep, team=team, phone=f"1381234{i:04d}", email=f"c{i}@example.com",
                          tags=[f"t{i}", "common"])

    add(0, 5)
    _queries_for_export(east_rep.pk, fmt)  # warm the content-type cache
    few, _ = _queries_for_export(east_rep.pk, fmt)
    add(5, 45)
    many, data = _queries_for_export(east_rep.pk, fmt)
    rows = csv_rows(data) if fmt == "csv" else sheet_dicts(xlsx_book(data).active)
    assert len(rows) == 50 and all(r["Phone"] and r["Email"] and "common" in r["Tags"] for r in rows)
    assert many == few, f"{few} queries for 5 customers, {many} for 50"
    assert many <= 20
