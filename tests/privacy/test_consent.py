import pytest

from kehu.privacy.models import Consent
from kehu.privacy.services import current_consents, has_consent, record_consent


def test_history_is_kept_and_current_state_is_one_query(rep, make_customer, django_assert_num_queries):
    customer = make_customer(rep)
    record_consent(rep, customer, purpose="marketing", channel="sms", granted=True, source="store")
    record_consent(rep, customer, purpose="marketing", channel="sms", granted=False, source="phone",
                   note="asked to stop")
    record_consent(rep, customer, purpose="analytics", channel="any", granted=True, source="web_form")
    assert Consent.objects.filter(customer=customer).count() == 3
    with django_assert_num_queries(1):
        current = [(c.purpose, c.channel, c.granted) for c in current_consents(customer.pk)]
    assert current == [("analytics", "any", True), ("marketing", "sms", False)]


def test_withdrawal_on_a_channel_beats_any_channel(rep, make_customer):
    customer = make_customer(rep)
    record_consent(rep, customer, purpose="marketing", channel="any", granted=True, source="store")
    assert has_consent(customer.pk, "marketing", "email") is True
    record_consent(rep, customer, purpose="marketing", channel="email", granted=False, source="email")
    assert has_consent(customer.pk, "marketing", "email") is False
    assert has_consent(customer.pk, "marketing", "sms") is True
    assert has_consent(customer.pk, "personalisation", "sms") is False


def test_api_records_and_cannot_edit_history(api, rep, admin, make_customer):
    customer = make_customer(rep)
    client = api(rep)
    created = client.post("/api/v1/consents/", {"customer": customer.pk, "purpose": "marketing",
                                                "channel": "wechat", "granted": True, "source": "api"},
                          format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["recorded_by"] == rep.pk
    assert api(admin).patch(f"/api/v1/consents/{created.json()['id']}/", {"granted": False},
                            format="json").status_code == 405
    bad = client.post("/api/v1/consents/", {"customer": customer.pk, "purpose": "spam", "channel": "x",
                                            "granted": True, "source": "api"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"purpose", "channel"}


@pytest.mark.parametrize("granted", [True, False])
def test_consent_change_is_audited(rep, make_customer, granted):
    from kehu.privacy.models import AuditEntry

    customer = make_customer(rep)
    record_consent(rep, customer, purpose="service", channel="phone", granted=granted, source="phone")
    entry = AuditEntry.objects.get(object_type="privacy.consent")
    assert entry.changes["granted"] == [None, granted]


def test_admin_edits_are_audited_and_bump_the_version(client, admin, rep, make_customer):
    from kehu.privacy.models import AuditEntry

    customer = make_customer(rep, display_name="Before", lifecycle_stage="new")
    client.force_login(admin)
    form = client.get(f"/admin/customers/customer/{customer.pk}/change/")
    assert form.status_code == 200
    data = {"kind": "person", "display_name": "After", "family_name": customer.family_name,
            "given_name": customer.given_name, "nature": "individual", "lifecycle_stage": "new",
            "custom_fields": "{}", "owner": rep.pk,
            "identities-TOTAL_FORMS": 0, "identities-INITIAL_FORMS": 0,
            "contacts-TOTAL_FORMS": 0, "contacts-INITIAL_FORMS": 0}
    response = client.post(f"/admin/customers/customer/{customer.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    customer.refresh_from_db()
    assert (customer.display_name, customer.version) == ("After", 2)
    entry = AuditEntry.objects.filter(object_type="customers.customer", action="update").get()
    assert entry.actor == admin and entry.changes == {"display_name": ["Before", "After"]}
