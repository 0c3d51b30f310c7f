"""Lead services: the source and referrer rules, contact data normalised like customers', owners
and teams, status moves with the version check, possible duplicates, and the audit trail."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kehu.customers.models import Contact
from kehu.customers.services import save_contact
from kehu.privacy.models import AuditEntry
from kehu.sales import leads
from kehu.sales.models import DisqualifyReason, Lead, LeadSource

pytestmark = pytest.mark.django_db


def _errors(exc_info) -> dict:
    return exc_info.value.message_dict


# --- source and referrer -------------------------------------------------------------------------

def test_a_source_is_required(rep):
    with pytest.raises(ValidationError) as exc:
        leads.create_lead(rep, source=None, name="刘洋", phone="13812345678")
    assert _errors(exc) == {"source": ["Choose where the lead came from."]}
    assert not Lead.objects.exists()


def test_an_inactive_source_is_refused_for_new_leads(rep, source):
    LeadSource.objects.filter(pk=source.pk).update(active=False)
    source.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        leads.create_lead(rep, source=source, name="刘洋")
    assert "no longer in use" in _errors(exc)["source"][0]


def test_a_referral_needs_a_referrer(rep, referral):
    with pytest.raises(ValidationError) as exc:
        leads.create_lead(rep, source=referral, name="刘洋")
    assert _errors(exc) == {"referrer_customer": [
        "“Chain referral” is a referral: say who referred the lead (a customer or a contact)."]}
    assert not Lead.objects.exists()


def test_a_referral_with_a_visible_customer_or_contact_is_saved(rep, referral, make_customer):
    customer = make_customer(rep, family_name="张", given_name="伟")
    lead = leads.create_lead(rep, source=referral, name="刘洋", referrer_customer=customer)
    assert lead.referrer_customer == customer and lead.status == "new"
    contact = save_contact(rep, Contact(customer=customer), name="王秘书")
    by_contact = leads.create_lead(rep, source=referral, name="赵敏", referrer_contact=contact)
    assert by_contact.referrer_contact == contact and by_contact.referrer_customer is None


def test_a_referrer_the_user_cannot_see_reads_as_not_found(rep, make_user, other_team, referral, make_customer):
    stranger = make_user("sales", team=other_team)
    theirs = make_customer(stranger)
    with pytest.raises(ValidationError) as exc:
        leads.create_lead(rep, source=referral, name="刘洋", referrer_customer=theirs)
    assert _errors(exc) == {"referrer_customer": ["No customer you can see has this id."]}
    contact = save_contact(stranger, Contact(customer=theirs), name="王秘书")
    with pytest.raises(ValidationError) as exc:
        leads.create_lead(rep, source=referral, name="刘洋", referrer_contact=contact)
    assert _errors(exc) == {"referrer_contact": ["No contact you can see has this id."]}
    assert not Lead.objects.exists()


def test_a_contact_of_another_customer_than_the_referrer_is_refused(rep, referral, make_customer):
    one, other = make_customer(rep), make_customer(rep)
    contact = save_contact(rep, Contact(customer=other), name="王秘书")
    with pytest.raises(ValidationError) as exc:
        leads.create_lead(rep, source=referral, name="刘洋", referrer_customer=one, referrer_contact=contact)
    assert list(_errors(exc)) == ["referrer_contact"]


def test_a_converted_leads_referrer_cannot_be_its_own_customer(rep, referral, make_customer, make_lead):
    customer, introducer = make_customer(rep), make_customer(rep)
    lead = make_lead(rep, source=referral, referrer_customer=introducer)
    Lead.objects.filter(pk=lead.pk).update(customer=customer, status="converted")
    lead.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        leads.update_lead(rep, lead, expected_version=lead.version, referrer_customer=customer)
    assert "can't refer themselves" in _errors(exc)["referrer_customer"][0]
    lead.refresh_from_db()
    assert lead.referrer_customer == introducer


# --- contact data --------------------------------------------------------------------------------

def test_phone_and_email_are_normalised_like_customers(rep, make_lead):
    lead = make_lead(rep, phone="１３８ 1234-5678", email="  Liu.Yang@Example.COM ", wechat=" liu_yang ")
    assert (lead.phone, lead.phone_normalized) == ("138 1234-5678", "+8613812345678")
    assert (lead.email, lead.email_normalized) == ("Liu.Yang@Example.COM", "liu.yang@example.com")
    assert lead.wechat == "liu_yang"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("phone", "12345", "“12345” is not a valid phone number."),
    ("phone", "call me", "“call me” is not a phone number."),
    ("email", "liu@", "“liu@” is not an email address."),
    ("email", "not an email", "“not an email” is not an email address."),
])
def test_a_bad_phone_or_email_is_a_clear_field_error(rep, make_lead, field, value, message):
    with pytest.raises(ValidationError) as exc:
        make_lead(rep, **{field: value})
    assert _errors(exc) == {field: [message]}
    assert not Lead.objects.exists()


def test_every_problem_is_reported_at_once(rep, referral):
    with pytest.raises(ValidationError) as exc:
        leads.create_lead(rep, source=referral, name="  ", phone="12", email="x@", company="c" * 201)
    assert set(_errors(exc)) == {"name", "phone", "email", "company", "referrer_customer"}


def test_nul_characters_are_dropped_and_notes_kept(rep, make_lead):
    lead = make_lead(rep, name="刘\x00洋", notes="  第一次见面：\n对 A 款感兴趣  ")
    assert lead.name == "刘洋" and lead.notes == "第一次见面：\n对 A 款感兴趣"


# --- owner and team ------------------------------------------------------------------------------

def test_the_owner_defaults_to_the_actor_and_the_team_follows_the_owner(rep, team, make_user, other_team, make_lead):
    lead = make_lead(rep)
    assert (lead.owner, lead.team, lead.created_by) == (rep, team, rep)
    colleague = make_user("sales", team=other_team)
    moved = leads.update_lead(rep, lead, expected_version=lead.version, owner=colleague)
    assert (moved.owner, moved.team, moved.version) == (colleague, other_team, 2)


def test_a_user_without_the_permission_cannot_create_or_change(make_user, rep, make_lead, source):
    agent = make_user("service")
    with pytest.raises(PermissionDenied):
        leads.create_lead(agent, source=source, name="刘洋")
    lead = make_lead(rep)
    with pytest.raises(PermissionDenied):
        leads.update_lead(agent, lead, expected_version=lead.version, name="x")
    assert Lead.objects.get().name == "刘洋"


# --- edits and statuses --------------------------------------------------------------------------

def test_an_outdated_edit_is_refused_and_nothing_is_overwritten(rep, make_lead):
    lead = make_lead(rep)
    leads.update_lead(rep, lead, expected_version=1, company="西湖科技")
    with pytest.raises(leads.StaleLead, match="now version 2"):
        leads.update_lead(rep, lead, expected_version=1, company="别的公司")
    lead.refresh_from_db()
    assert (lead.company, lead.version) == ("西湖科技", 2)


def test_an_edit_is_audited_field_by_field(rep, make_lead):
    lead = make_lead(rep, phone="13812345678")
    leads.update_lead(rep, lead, expected_version=1, phone="13912345678", campaign="广交会")
    entry = AuditEntry.objects.filter(object_type="sales.lead", action="update").get()
    assert entry.changes == {"phone": ["13812345678", "13912345678"],
                             "phone_normalized": ["+8613812345678", "+8613912345678"],
                             "campaign": ["", "广交会"]}
    created = AuditEntry.objects.get(object_type="sales.lead", action="create")
    assert created.changes["name"] == [None, "刘洋"] and created.actor == rep


def test_new_contacted_qualified(rep, make_lead):
    lead = make_lead(rep)
    lead = leads.set_status(rep, lead, "contacted", expected_version=1)
    lead = leads.set_status(rep, lead, "qualified", expected_version=2)
    assert (lead.status, lead.version) == ("qualified", 3)
    with pytest.raises(ValidationError, match="can't be marked"):
        leads.set_status(rep, lead, "new", expected_version=3)
    with pytest.raises(ValidationError, match="can't be marked"):
        leads.set_status(rep, lead, "converted", expected_version=3)
    with pytest.raises(leads.StaleLead):
        leads.set_status(rep, lead, "contacted", expected_version=1)
    lead.refresh_from_db()
    assert lead.status == "qualified"


def test_disqualifying_needs_a_reason_keeps_the_note_and_can_be_reopened(rep, make_lead):
    lead = make_lead(rep)
    with pytest.raises(ValidationError) as exc:
        leads.disqualify_lead(rep, lead, reason=None, note="不需要", expected_version=1)
    assert _errors(exc) == {"disqualify_reason": ["Choose why the lead is disqualified."]}
    reason = DisqualifyReason.objects.get(code="no_budget")
    lead = leads.disqualify_lead(rep, lead, reason=reason, note="明年再说", expected_version=1)
    assert (lead.status, lead.disqualify_reason, lead.disqualify_note) == ("disqualified", reason, "明年再说")
    assert lead.closed_at is not None
    with pytest.raises(ValidationError, match="Only an open lead"):
        leads.disqualify_lead(rep, lead, reason=reason, expected_version=lead.version)
    lead = leads.reopen_lead(rep, lead, expected_version=lead.version)
    assert (lead.status, lead.disqualify_reason, lead.closed_at) == ("new", None, None)
    audit = AuditEntry.objects.filter(object_type="sales.lead", action="update").order_by("pk")
    assert audit[0].changes["disqualify_note"] == ["", "明年再说"]  # the note is kept in the trail
    with pytest.raises(ValidationError, match="Only a disqualified lead"):
        leads.reopen_lead(rep, lead, expected_version=lead.version)


# --- possible duplicates -------------------------------------------------------------------------

def test_duplicates_are_leads_with_the_same_phone_or_email_and_matching_customers(
        rep, make_user, other_team, make_lead, make_customer):
    stranger = make_user("sales", team=other_team)
    mine = make_lead(rep, name="刘洋", phone="13812345678")
    theirs = make_lead(stranger, name="刘洋", email="liu@example.com")
    customer = make_customer(rep, family_name="刘", given_name="洋", phone="13812345678")
    found = leads.find_duplicates(rep, name="刘洋", phone="138 1234 5678", email="LIU@example.com")
    assert found.leads == [mine] and found.hidden_leads == 1
    assert [(c.customer_id, c.customer, c.same) for c in found.customers][:1] == [(customer.pk, customer, "phone")]
    assert bool(found)
    # a lead's own page leaves itself out: the other rep's lead has the same email as this one
    again = make_lead(rep, name="刘洋", email="liu@example.com")
    own = leads.duplicates_of(rep, again)
    assert own.leads == [] and own.hidden_leads == 1
    assert leads.duplicates_of(stranger, theirs).leads == [] and leads.duplicates_of(stranger, theirs).hidden_leads == 1


def test_no_details_no_duplicates(rep, make_lead):
    make_lead(rep, phone="13812345678")
    found = leads.find_duplicates(rep, name="", phone="", email="")
    assert not found and found.leads == [] and found.customers == []


def test_an_invisible_customer_is_a_candidate_but_never_named(rep, make_user, other_team, make_customer):
    stranger = make_user("sales", team=other_team)
    theirs = make_customer(stranger, family_name="刘", given_name="洋", phone="13812345678")
    found = leads.find_duplicates(rep, name="刘洋", phone="13812345678")
    assert [(c.customer_id, c.customer) for c in found.customers] == [(theirs.pk, None)]
