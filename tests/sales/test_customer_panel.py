"""The sales panel on the customer page: loaded only for users who may see opportunities, showing
the referrer, the referrals and the customer's own visible opportunities."""

from decimal import Decimal

from django.test import Client

from kehu.customers.models import Customer
from kehu.sales.pipeline import create_opportunity
from tests.conftest import TEST_PASSWORD


def _client(user):
    client = Client()
    assert client.login(username=user.get_username(), password=TEST_PASSWORD)
    return client


def test_the_customer_page_loads_the_sales_panel_for_sales_roles_only(rep, make_user, make_customer):
    customer = make_customer(rep, owner=rep)
    page = _client(rep).get(f"/customers/{customer.pk}/").content.decode()
    assert f'hx-get="/sales/customers/{customer.pk}/panel/"' in page
    agent = make_user("service")
    assert "/panel/" not in _client(agent).get(f"/customers/{customer.pk}/").content.decode()
    assert _client(agent).get(f"/sales/customers/{customer.pk}/panel/").status_code == 403


def test_the_panel_shows_referrer_referrals_and_only_visible_opportunities(rep, make_user, make_customer):
    introducer = make_customer(rep, owner=rep, family_name="李", given_name="介绍")
    customer = make_customer(rep, owner=rep, family_name="王", given_name="客户")
    Customer.objects.filter(pk=customer.pk).update(referred_by=introducer)
    for name in ("老张", "小刘"):
        friend = make_customer(rep, owner=rep, given_name=name)
        Customer.objects.filter(pk=friend.pk).update(referred_by=customer)
    mine = create_opportunity(rep, customer=customer, name="年度采购<script>x</script>", amount=Decimal("12000"))
    other_rep = make_user("sales")
    create_opportunity(other_rep, customer=customer, name="别人的机会", amount=Decimal("99"))

    html = _client(rep).get(f"/sales/customers/{customer.pk}/panel/").content.decode()
    assert introducer.display_name in html and f"/customers/{introducer.pk}/" in html
    assert "2 customers" in html
    assert "年度采购&lt;script&gt;x&lt;/script&gt;" in html and mine.name not in html
    assert "别人的机会" not in html

    stranger = make_user("sales")
    assert _client(stranger).get(f"/sales/customers/{customer.pk}/panel/").status_code == 404


def test_the_panel_does_not_name_a_referrer_the_user_cannot_see(rep, make_user, make_customer):
    other_rep = make_user("sales")
    hidden = make_customer(other_rep, owner=other_rep, given_name="看不见")
    customer = make_customer(rep, owner=rep)
    Customer.objects.filter(pk=customer.pk).update(referred_by=hidden)
    html = _client(rep).get(f"/sales/customers/{customer.pk}/panel/").content.decode()
    assert hidden.display_name not in html and "a customer you cannot see" in html
