"""Converting a lead: a new customer with the lead's identities, source and referrer; never a silent
duplicate (the matcher's candidates need an explicit choice); linking fills only what is empty;
the referral graph never gets a loop; all in one transaction."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kehu.customers.models import ChannelIdentity, Customer
from kehu.privacy.models import AuditEntry
from kehu.sales import conversion, leads
from kehu.sales.models import Lead, LeadSource, Opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def introducer(rep, make_customer):
    return make_customer(rep, family_name="张", given_name="伟", phone="13900000001")


def test_a_qualified_referral_becomes_a_customer_with_its_source_and_referrer(rep, team, referral, introducer,
                                                                              make_lead, qualify):
    lead = qualify(rep, make_lead(rep, name="刘洋", phone="13812345678", email="Liu@Example.com", wechat="liuyang88",
                                  source=referral, referrer_customer=introducer))
    done = conversion.convert_lead(rep, lead, expected_version=lead.version)
    customer = done.customer
    assert done.created and done.opportunity is None
    assert (customer.display_name, customer.kind, customer.acquisition_source, customer.referred_by) == (
        "刘洋", "person", "referral", introducer)
    assert (customer.owner, customer.team) == (rep, team)
    assert sorted(customer.identities.values_list("channel", "normalized")) == [
        ("email", "liu@example.com"), ("phone", "+8613812345678"), ("wechat", "liuyang88")]
    lead.refresh_from_db()
    assert (lead.status, lead.customer, lead.converted_by) == ("converted", customer, rep)
    assert lead.converted_at == lead.closed_at is not None
    # the lead's conversion and the customer's referrer are in the audit trail
    assert AuditEntry.objects.get(object_type="sales.lead", action="update", object_id=str(lead.pk),
                                  changes__has_key="customer").customer_id == customer.pk
    assert AuditEntry.objects.filter(object_type="customers.customer", object_id=str(customer.pk),
                                     action="update").get().changes == {"referred_by": [None, introducer.pk]}


def test_a_referring_contact_makes_its_customer_the_referrer(rep, referral, introducer, make_lead, qualify):
    from kehu.customers.models import Contact
    from kehu.customers.services import save_contact

    contact = save_contact(rep, Contact(customer=introducer), name="张秘书")
    lead = qualify(rep, make_lead(rep, name="周杰", source=referral, referrer_contact=contact))
    done = conversion.convert_lead(rep, lead, expected_version=lead.version)
    assert done.customer.referred_by == introducer


def test_an_organisation_lead_becomes_an_organisation_with_its_contact(rep, make_lead, qualify):
    lead = qualify(rep, make_lead(rep, kind="organisation", name="王经理", job_title="采购经理",
                                  company="杭州西湖科技有限公司", phone="13812345678", nature="company"))
    customer = conversion.convert_lead(rep, lead, expected_version=lead.version).customer
    assert (customer.kind, customer.display_name, customer.legal_name, customer.nature) == (
        "organisation", "杭州西湖科技有限公司", "杭州西湖科技有限公司", "company")
    assert list(customer.contacts.values_list("name", "role", "is_primary")) == [("王经理", "采购经理", True)]


def test_a_possible_duplicate_is_never_created_silently(rep, make_customer, make_lead, qualify):
    existing = make_customer(rep, family_name="刘", given_name="洋", phone="13812345678")
    lead = qualify(rep, make_lead(rep, name="刘洋", phone="138 1234 5678"))
    with pytest.raises(conversion.ChooseCustomer) as exc:
        conversion.convert_lead(rep, lead, expected_version=lead.version)
    assert [c.customer_id for c in exc.value.candidates] == [existing.pk]
    assert exc.value.candidates[0].same == "phone"
    assert "may already be a customer" in exc.value.message_dict["customer"][0]
    assert Customer.objects.count() == 1
    lead.refresh_from_db()
    assert (lead.status, lead.customer, lead.version) == ("qualified", None, 3)


def test_a_name_only_match_is_a_candidate_too(rep, make_customer, make_lead, qualify):
    existing = make_customer(rep, family_name="欧阳", given_name="娜娜", email="ouyang@example.com")
    lead = qualify(rep, make_lead(rep, name="歐陽娜娜"))  # typed in traditional characters, no phone or email
    found = conversion.candidates(rep, lead)
    assert existing.pk in [c.customer_id for c in found]


def test_linking_to_the_chosen_customer_fills_only_what_is_empty(rep, referral, introducer, make_customer,
                                                                  make_lead, qualify):
    existing = make_customer(rep, family_name="刘", given_name="洋", phone="13812345678",
                             acquisition_source="trade_show")
    lead = qualify(rep, make_lead(rep, name="刘洋", phone="13812345678", source=referral,
                                  referrer_customer=introducer))
    done = conversion.convert_lead(rep, lead, customer=existing, expected_version=lead.version)
    existing.refresh_from_db()
    assert not done.created and done.customer == existing
    assert (existing.acquisition_source, existing.referred_by) == ("trade_show", introducer)  # kept, filled
    assert Customer.objects.count() == 2 and existing.identities.count() == 1
    lead.refresh_from_db()
    assert (lead.status, lead.customer) == ("converted", existing)


def test_create_new_anyway_when_the_user_says_so(rep, make_customer, make_lead, qualify):
    existing = make_customer(rep, family_name="刘", given_name="洋", email="liu@example.com")
    lead = qualify(rep, make_lead(rep, name="刘洋", phone="13812345678"))
    assert [c.customer_id for c in conversion.candidates(rep, lead)] == [existing.pk]
    done = conversion.convert_lead(rep, lead, create_new=True, expected_version=lead.version)
    assert done.created and done.customer.pk != existing.pk


def test_create_new_is_refused_when_the_phone_already_belongs_to_a_customer(rep, make_customer, make_lead, qualify):
    make_customer(rep, family_name="周", given_name="敏", phone="13812345678")
    lead = qualify(rep, make_lead(rep, name="刘洋", phone="13812345678"))
    with pytest.raises(ValidationError, match="already belong"):
        conversion.convert_lead(rep, lead, create_new=True, expected_version=lead.version)
    assert Customer.objects.count() == 1 and Lead.objects.get().status == "qualified"


def test_a_customer_the_user_cannot_see_cannot_be_linked(rep, make_user, other_team, make_customer, make_lead,
                                                         qualify):
    stranger = make_user("sales", team=other_team)
    theirs = make_customer(stranger)
    lead = qualify(rep, make_lead(rep, name="刘洋"))
    with pytest.raises(ValidationError, match="No customer you can see"):
        conversion.convert_lead(rep, lead, customer=theirs, expected_version=lead.version)
    assert Lead.objects.get().status == "qualified"


def test_only_a_qualified_lead_is_converted_and_only_once(rep, make_lead, qualify):
    lead = make_lead(rep, name="刘洋")
    with pytest.raises(ValidationError, match="Qualify the lead"):
        conversion.convert_lead(rep, lead, create_new=True, expected_version=lead.version)
    lead = qualify(rep, lead)
    with pytest.raises(leads.StaleLead):
        conversion.convert_lead(rep, lead, create_new=True, expected_version=1)
    done = conversion.convert_lead(rep, lead, create_new=True, expected_version=lead.version)
    with pytest.raises(ValidationError, match="already been converted"):
        conversion.convert_lead(rep, done.lead, create_new=True, expected_version=done.lead.version)
    assert Customer.objects.count() == 1


def test_conversion_needs_the_permission(make_user, rep, make_lead, qualify):
    lead = qualify(rep, make_lead(rep))
    marketer = make_user("marketing")
    with pytest.raises(PermissionDenied):
        conversion.convert_lead(marketer, lead, create_new=True, expected_version=lead.version)
    assert not Customer.objects.exists()


def test_an_opportunity_can_be_opened_on_the_way(rep, make_lead, qualify):
    lead = qualify(rep, make_lead(rep, name="刘洋"))
    done = conversion.convert_lead(rep, lead, create_new=True, expected_version=lead.version,
                                   opportunity={"name": "五台空调", "amount": "12800.00", "expected_close": None})
    opportunity = Opportunity.objects.get()
    assert done.opportunity == opportunity
    assert (opportunity.customer, opportunity.lead, str(opportunity.amount), opportunity.owner) == (
        done.customer, done.lead, "12800.00", rep)


def test_a_failing_opportunity_rolls_the_whole_conversion_back(rep, make_lead, qualify):
    lead = qualify(rep, make_lead(rep, name="刘洋"))
    with pytest.raises(ValidationError):
        conversion.convert_lead(rep, lead, create_new=True, expected_version=lead.version,
                                opportunity={"name": "x", "amount": "-5"})
    assert not Customer.objects.exists() and not Opportunity.objects.exists()
    assert Lead.objects.get().status == "qualified"


# --- referral loops ------------------------------------------------------------------------------

def _chain(actor, make_customer, n):
    """c0 ← c1 ← … : each customer referred by the previous one."""
    people = [make_customer(actor, family_name="链", given_name=f"{i}号") for i in range(n)]
    for before, after in zip(people, people[1:], strict=False):
        Customer.objects.filter(pk=after.pk).update(referred_by=before)
    return people


def test_referral_loops_are_found_up_the_chain(rep, make_customer):
    a, b, c, d = _chain(rep, make_customer, 4)  # a referred b, b referred c, c referred d
    assert conversion.referral_loop(a.pk, a.pk)  # itself
    assert conversion.referral_loop(a.pk, b.pk)  # by someone it referred
    assert conversion.referral_loop(a.pk, d.pk)  # … down the chain
    assert not conversion.referral_loop(d.pk, a.pk)  # the other way round is fine
    assert not conversion.referral_loop(c.pk, make_customer(rep).pk)


def test_a_deep_chain_and_an_old_loop_in_the_data_end(rep, make_customer):
    people = _chain(rep, make_customer, 60)
    assert conversion.referral_loop(people[0].pk, people[-1].pk)
    Customer.objects.filter(pk=people[0].pk).update(referred_by=people[-1])  # a loop already stored
    assert not conversion.referral_loop(make_customer(rep).pk, people[10].pk)


def test_conversion_refuses_a_referrer_that_would_close_a_loop(rep, referral, make_customer, make_lead, qualify):
    grandparent, parent, child = _chain(rep, make_customer, 3)
    # a lead referred by the child is really the grandparent: linking would make grandparent ← child
    lead = qualify(rep, make_lead(rep, name=grandparent.display_name, source=referral, referrer_customer=child))
    with pytest.raises(ValidationError) as exc:
        conversion.convert_lead(rep, lead, customer=grandparent, expected_version=lead.version)
    assert "referral loop" in exc.value.message_dict["referrer_customer"][0]
    grandparent.refresh_from_db()
    assert grandparent.referred_by is None and Lead.objects.get().status == "qualified"


def test_conversion_refuses_linking_to_the_referrer_itself(rep, referral, introducer, make_lead, qualify):
    lead = qualify(rep, make_lead(rep, name="张伟", source=referral, referrer_customer=introducer))
    with pytest.raises(ValidationError, match="can't refer themselves"):
        conversion.convert_lead(rep, lead, customer=introducer, expected_version=lead.version)


def test_a_new_customers_source_comes_from_the_lead_source(rep, make_lead, qualify):
    LeadSource.objects.filter(code="telephone").update(customer_source="telephone")
    lead = qualify(rep, make_lead(rep, name="刘洋"))
    customer = conversion.convert_lead(rep, lead, expected_version=lead.version).customer
    assert customer.acquisition_source == "telephone"
    assert ChannelIdentity.objects.count() == 0
