"""Server-rendered pages: visibility, masking, htmx forms with CSRF, query-count guards."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kehu.customers import services
from kehu.customers.models import Customer
from kehu.orders.models import Order, Product
from kehu.orders.services import save_order
from tests.conftest import TEST_PASSWORD


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response


def test_customer_list_query_count_is_constant(client, rep, make_customer):
    client.force_login(rep)
    make_customer(rep, phone="13900000000", tags=["a"])
    _count(client, "/customers/")
    baseline, _ = _count(client, "/customers/")
    for i in range(30):
        make_customer(rep, phone=f"1380000{i:04d}", tags=[f"t{i}", "x"])
    after, response = _count(client, "/customers/")
    assert after == baseline
    assert response.content.decode().count('name="selected"') == 31


def test_list_filters_sort_and_pages(client, rep, make_customer):
    client.force_login(rep)
    for i in range(55):
        make_customer(rep, display_name=f"N{i:02d}", lifecycle_stage="active" if i % 2 else "lost")
    page1 = client.get("/customers/?sort=name").content.decode()
    assert re.findall(r">(N\d\d)</a>", page1)[:3] == ["N00", "N01", "N02"]
    assert 'rel="next"' in page1
    page2 = client.get("/customers/?sort=name&page=2").content.decode()
    assert re.findall(r">(N\d\d)</a>", page2) == ["N50", "N51", "N52", "N53", "N54"]
    lost = client.get("/customers/?lifecycle_stage=lost&sort=-name").content.decode()
    assert re.findall(r">(N\d\d)</a>", lost)[:2] == ["N54", "N52"]


def test_360_page_and_tabs_have_constant_queries(client, rep, make_customer):
    client.force_login(rep)
    customer = make_customer(rep, phone="13812345678")
    product = Product.objects.create(sku="T", name="Tea", price=10)
    save_order(rep, Order(customer=customer), ordered_at="2026-01-05T10:00:00+08:00",
               lines=[{"product": product.pk, "quantity": 1}])
    urls = [f"/customers/{customer.pk}/"] + [f"/customers/{customer.pk}/tab/{t}/" for t in "cprt"]
    first = {url: _count(client, url)[0] for url in urls}
    for month in range(2, 12):
        save_order(rep, Order(customer=customer), ordered_at=f"2026-{month:02d}-05T10:00:00+08:00",
                   lines=[{"product": product.pk, "quantity": month}])
        services.add_identity(rep, customer, channel="email", value=f"x{month}@example.com")
    assert {url: _count(client, url)[0] for url in urls} == first
    purchases = client.get(f"/customers/{customer.pk}/tab/p/").content.decode()
    assert '"month": "2026-11"' in purchases and "CN¥" in purchases


def test_invisible_customer_page_is_404(client, make_user, make_customer, team, other_team):
    owner = make_user("sales", team=team)
    customer = make_customer(owner)
    client.force_login(make_user("sales", team=other_team))
    for url in (f"/customers/{customer.pk}/", f"/customers/{customer.pk}/edit/",
                f"/customers/{customer.pk}/tab/c/", f"/customers/{customer.pk}/timeline/"):
        assert client.get(url).status_code == 404, url


def test_pii_is_masked_on_the_360_page_for_marketing(client, make_user, rep, make_customer):
    customer = make_customer(rep, phone="13812345678", email="li.na@example.com")
    client.force_login(make_user("marketing"))
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "138****5678" in html and "l***@example.com" in html
    assert "13812345678" not in html and "li.na@example.com" not in html
    timeline = client.get(f"/customers/{customer.pk}/tab/t/").content.decode()
    assert "13812345678" not in timeline and "138****5678" in timeline


def test_global_search_by_phone_opens_the_customer(client, rep, make_customer, make_user, other_team):
    customer = make_customer(rep, phone="13812345678")
    client.force_login(rep)
    response = client.get("/search/", {"q": "138 1234 5678"})
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    client.force_login(make_user("sales", team=other_team))
    response = client.get("/search/", {"q": "13812345678"})
    assert response["Location"].startswith("/customers/?q=")


def _csrf_client(user):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=user.username, password=TEST_PASSWORD)
    client.get("/customers/new/")
    return client, client.cookies["csrftoken"].value


def test_htmx_post_needs_the_csrf_header(rep):
    client, token = _csrf_client(rep)
    data = {"kind": "person", "family_name": "周", "given_name": "杰", "nature": "individual",
            "lifecycle_stage": "new", "phone": "13711112222"}
    refused = client.post("/customers/new/", data, HTTP_HX_REQUEST="true")
    assert refused.status_code == 403
    assert Customer.objects.count() == 0
    accepted = client.post("/customers/new/", data, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 204
    customer = Customer.objects.get()
    assert accepted["HX-Redirect"] == f"/customers/{customer.pk}/"
    assert customer.identities.get().normalized == "+8613711112222"


def test_inline_validation_returns_the_form_with_field_errors(rep):
    client, token = _csrf_client(rep)
    response = client.post("/customers/new/", {"kind": "person", "family_name": "周", "nature": "individual",
                                               "lifecycle_stage": "new", "phone": "12"},
                           HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith("<form")  # only the form partial, swapped in place
    assert re.search(r'id="id_phone_error"[^>]*>\s*<li>.*is not a valid phone number', html)
    assert Customer.objects.count() == 0


def test_stale_edit_in_the_form_is_refused_with_a_message(client, rep, make_customer):
    customer = make_customer(rep, display_name="Before")
    services.update_customer(rep, customer, expected_version=1, display_name="Someone else")
    client.force_login(rep)
    response = client.post(f"/customers/{customer.pk}/edit/", {
        "kind": "person", "display_name": "Mine", "nature": "individual", "lifecycle_stage": "new",
        "version": 1})
    assert response.status_code == 422
    assert "changed by someone else" in response.content.decode()
    customer.refresh_from_db()
    assert customer.display_name == "Someone else"


def test_edit_appears_on_the_timeline(client, rep, make_customer):
    customer = make_customer(rep, display_name="Before", lifecycle_stage="new")
    client.force_login(rep)
    response = client.post(f"/customers/{customer.pk}/edit/", {
        "kind": "person", "display_name": "Before", "nature": "individual", "lifecycle_stage": "active",
        "owner": rep.pk, "version": 1})
    assert response.status_code == 302
    timeline = client.get(f"/customers/{customer.pk}/tab/t/").content.decode()
    assert "Lifecycle stage: New → Active" in timeline


def test_marketing_cannot_open_the_edit_form(client, make_user, rep, make_customer):
    customer = make_customer(rep)
    client.force_login(make_user("marketing"))
    assert client.get(f"/customers/{customer.pk}/edit/").status_code == 403


def test_login_required(client):
    response = client.get("/customers/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("path", ["/static/vendor/htmx/htmx.min.js", "/static/vendor/echarts/echarts.min.js",
                                  "/static/kehu/kehu.css"])
def test_assets_are_served_locally(client, path):
    response = client.get(path)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert len(body) > 1000


@pytest.mark.parametrize(
    ("kind", "data", "check"),
    [
        ("identity", {"channel": "phone", "value": "+86 139-0000-1234", "is_primary": "on"},
         lambda c: c.identities.get(channel="phone").normalized == "+8613900001234"),
        ("contact", {"name": "刘备", "role": "采购经理", "phone": "13700001111", "is_primary": "on"},
         lambda c: c.contacts.get().phone == "+8613700001111"),
        ("address", {"kind": "home", "province": "广东省", "city": "深圳市", "line1": "南山区科技园1号",
                     "country": "CN"},
         lambda c: c.addresses.get().city == "深圳市"),
        ("consent", {"purpose": "marketing", "channel": "sms", "granted": "0", "source": "phone"},
         lambda c: c.consents.get(is_current=True).granted is False),
    ],
)
def test_child_records_are_added_from_the_c_tab(client, rep, make_customer, kind, data, check):
    customer = make_customer(rep)
    client.force_login(rep)
    assert client.get(f"/customers/{customer.pk}/add/{kind}/").status_code == 200
    response = client.post(f"/customers/{customer.pk}/add/{kind}/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content.decode()[:2000]
    assert check(customer)


def test_bad_identity_from_the_c_tab_names_the_field(client, rep, make_customer):
    customer = make_customer(rep)
    client.force_login(rep)
    response = client.post(f"/customers/{customer.pk}/add/identity/", {"channel": "email", "value": "nope"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert 'id="id_value_error"' in response.content.decode()
    assert customer.identities.count() == 0


def test_marketing_cannot_add_children(client, make_user, rep, make_customer):
    customer = make_customer(rep)
    client.force_login(make_user("marketing"))
    response = client.post(f"/customers/{customer.pk}/add/contact/", {"name": "x"})
    assert response.status_code == 403
    assert customer.contacts.count() == 0


def test_logging_an_interaction_puts_it_on_the_timeline(client, rep, make_customer):
    customer = make_customer(rep)
    client.force_login(rep)
    response = client.post(f"/customers/{customer.pk}/interactions/new/", {
        "type": "call", "channel": "phone", "direction": "out", "subject": "回访满意度",
        "notes": "客户表示满意", "occurred_at": "2026-11-20T10:30"})
    assert response.status_code == 302
    interaction = customer.interactions.get()
    assert (interaction.user, interaction.subject) == (rep, "回访满意度")
    timeline = client.get(f"/customers/{customer.pk}/tab/t/").content.decode()
    assert "Call: 回访满意度" in timeline and "客户表示满意" in timeline
    bad = client.post(f"/customers/{customer.pk}/interactions/new/", {"type": "call"})
    assert bad.status_code == 422
    assert customer.interactions.count() == 1


def test_create_form_reports_every_problem_in_one_round(client, rep):
    client.force_login(rep)
    response = client.post("/customers/new/", {"kind": "person", "nature": "individual",
                                               "lifecycle_stage": "new", "phone": "12", "email": "nope"})
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(errors) == {"family_name", "phone", "email"}
    assert errors["family_name"] == ["Enter the customer's name."]
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(("e164", "shown"), [("+8613812345678", "138 1234 5678"), ("+14155552671", "+1 415-555-2671")])
def test_phones_display_in_a_readable_format(e164, shown):
    from kehu.web.templatetags.kehu import display_phone

    assert display_phone(e164) == shown


def test_404_page_links_back_to_the_list(client, rep):
    client.force_login(rep)
    response = client.get("/customers/999999/")
    assert response.status_code == 404
    assert 'href="/customers/"' in response.content.decode()
