"""Merging customers: every related row follows, nothing is lost, and undo restores it exactly."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.fields.reverse_related import ManyToOneRel
from django.utils import timezone

from kehu.customers import services
from kehu.customers.access import visible_customers
from kehu.customers.models import (
    Address,
    ChannelIdentity,
    Contact,
    Customer,
    CustomerShare,
    CustomFieldDefinition,
    Interaction,
)
from kehu.identity import merge as merging
from kehu.identity import profiles
from kehu.identity.models import DuplicateCandidate, MatchKey, MatchProfile, Merge
from kehu.orders import services as order_services
from kehu.orders.models import Order
from kehu.privacy import services as privacy_services
from kehu.privacy.models import AuditEntry, Consent
from kehu.scoring.models import CustomerScore, ScoreHistory, ScoreRun


def _snapshot(*customers) -> dict:
    """Every row pointing at these customers (any model, any key) plus their own fields."""
    pks = [c.pk for c in customers]
    rows = {}
    for rel in Customer._meta.get_fields(include_hidden=True):
        if not isinstance(rel, ManyToOneRel):  # includes one-to-one
            continue
        model, fk = rel.related_model, rel.field
        if model in (Merge, MatchProfile, MatchKey):  # the merge record; derived, rebuilt data
            continue
        attnames = [f.attname for f in model._meta.concrete_fields]
        for row in model._base_manager.filter(**{f"{fk.attname}__in": pks}).values(*attnames):
            rows[(model._meta.label_lower, row[model._meta.pk.attname])] = row
    for row in Customer.objects.filter(pk__in=pks).values():
        row.pop("version")
        row.pop("updated_at")
        rows[("customers.customer", row["id"])] = row
    return rows


def _phone_identities(customer):
    return ChannelIdentity.objects.filter(customer=customer, channel="phone")


@pytest.fixture
def world(admin, make_customer, team, other_team):
    """Two customers of the same person, each with rows of every kind (several colliding)."""
    now = timezone.now()
    kept = make_customer(admin, phone="13812345678", email="wei@example.com",
                         family_name="王", given_name="伟", tier="B")
    other = make_customer(admin, phone="13987654321", family_name="王", given_name="伟",
                          birth_date=date(1980, 5, 17), tier="A")
    for customer, name in ((kept, "李娜"), (other, "张伟")):
        services.save_contact(admin, Contact(customer=customer), name=name, is_primary=True)
        services.save_address(admin, Address(customer=customer), line1=f"{name}路 1号", city="上海",
                              is_primary=True)
        services.share_customer(admin, customer, team)  # same team on both: a conflict
        privacy_services.record_consent(admin, customer, purpose="marketing", channel="email",
                                        granted=customer is kept, source="staff")
    services.save_contact(admin, Contact(customer=other), name="赵敏", role="buyer")
    services.share_customer(admin, other, other_team)
    services.set_tags(admin, kept, ["vip", "north"])
    services.set_tags(admin, other, ["vip", "south"])  # "vip" on both: a conflict
    privacy_services.record_consent(admin, other, purpose="marketing", channel="sms", granted=True,
                                    source="staff")
    services.save_interaction(admin, Interaction(customer=other), channel="phone", direction="in",
                              type="call", subject="Asked about delivery", occurred_at=now)
    services.save_interaction(admin, Interaction(customer=kept), channel="store", direction="in",
                              type="store_visit", subject="Visited", occurred_at=now)
    for total in ("120.00", "80.50"):
        order_services.save_order(admin, Order(customer=other), ordered_at=now, total=Decimal(total))
    order_services.save_order(admin, Order(customer=kept), ordered_at=now, total=Decimal("9.90"))
    run = ScoreRun.objects.create()
    ScoreHistory.objects.create(run=run, customer=other, tier="A", segment="champions")  # declares nothing
    CustomerScore.objects.create(customer=other, run=run, tier="A")  # one-to-one: stays
    DuplicateCandidate.objects.create(customer_a=kept, customer_b=other, probability=0.97)
    kept.refresh_from_db()
    other.refresh_from_db()
    return kept, other


def test_merge_moves_every_related_row_and_hides_the_merged_customer(admin, world):
    kept, other = world
    preview = merging.merge_preview(kept, other)
    other_orders = set(other.orders.values_list("pk", flat=True))
    other_rows = {
        "interactions": set(other.interactions.values_list("pk", flat=True)),
        "identities": set(other.identities.values_list("pk", flat=True)),
        "addresses": set(other.addresses.values_list("pk", flat=True)),
        "contacts": set(other.contacts.values_list("pk", flat=True)),
        "consents": set(Consent.objects.filter(customer=other).values_list("pk", flat=True)),
    }

    merge = merging.do_merge_customers(admin, kept, other)

    assert set(kept.orders.values_list("pk", flat=True)) >= other_orders
    assert kept.orders.count() == 3
    for related, pks in other_rows.items():
        model = getattr(kept, related).model if related != "consents" else Consent
        assert set(model.objects.filter(pk__in=pks).values_list("customer_id", flat=True)) == {kept.pk}
    assert sorted(kept.tags.values_list("name", flat=True)) == ["north", "south", "vip"]
    # derived and "keep" rows stay where they were (score history belongs to the run's customer)
    assert ScoreHistory.objects.get().customer_id == other.pk
    assert CustomerScore.objects.get().customer_id == other.pk
    assert DuplicateCandidate.objects.get().customer_b_id == other.pk  # merge_policy = "keep"
    other.refresh_from_db()
    assert other.merged_into_id == kept.pk
    assert other.pk not in visible_customers(admin).values_list("pk", flat=True)
    assert kept.pk in visible_customers(admin).values_list("pk", flat=True)
    assert DuplicateCandidate.objects.get().status == DuplicateCandidate.Status.MERGED
    assert DuplicateCandidate.objects.get().decided_by == admin
    # the preview counted exactly what moved
    moved_counts = {}
    for key, pks in merge.moved.items():
        model = merging.apps.get_model(key.split(":")[0])
        name = str(model._meta.verbose_name_plural)
        moved_counts[name] = moved_counts.get(name, 0) + len(pks)
    assert preview["moves"] == moved_counts
    assert moved_counts[str(Order._meta.verbose_name_plural)] == 2
    assert [(c["model"], c["pk"]) for c in preview["conflicts"]] == [
        (c["model"], c["pk"]) for c in merge.conflicts]


def test_nothing_is_deleted_by_a_merge(admin, world):
    kept, other = world
    before = _snapshot(kept, other)
    merging.do_merge_customers(admin, kept, other)
    after = _snapshot(kept, other)
    assert set(before) == set(after)


def test_default_choices_take_the_non_empty_then_the_most_recent_value(admin, world):
    kept, other = world
    Customer.objects.filter(pk=kept.pk).update(updated_at=timezone.now() - timedelta(days=3))
    kept.refresh_from_db()
    choices = merging.default_field_choices(kept, other)
    assert choices["birth_date"] == "merged"  # kept has none
    assert choices["tier"] == "merged"  # both set, the other record is newer
    assert choices["display_name"] == "survivor"  # same value
    assert choices["custom_fields"] == "combined"
    assert set(choices) == set(merging.MERGE_FIELDS)

    Customer.objects.filter(pk=other.pk).update(updated_at=timezone.now() - timedelta(days=9))
    other.refresh_from_db()
    choices = merging.default_field_choices(kept, other)
    assert choices["tier"] == "survivor"  # now the kept record is newer
    assert choices["birth_date"] == "merged"  # still: empty loses


def test_chosen_fields_are_applied_and_custom_fields_combined(admin, world):
    kept, other = world
    for key in ("colour", "shoe_size"):
        CustomFieldDefinition.objects.create(key=key, type="text", label_en=key)
    Customer.objects.filter(pk=kept.pk).update(custom_fields={"colour": "red"})
    Customer.objects.filter(pk=other.pk).update(custom_fields={"colour": "blue", "shoe_size": "42"},
                                                display_name="王伟 (store)")
    kept.refresh_from_db()
    version = kept.version

    merge = merging.do_merge_customers(admin, kept, other,
                                       field_choices={"display_name": "merged", "tier": "survivor"})

    kept.refresh_from_db()
    assert kept.display_name == "王伟 (store)"
    assert kept.tier == "B"
    assert kept.birth_date == date(1980, 5, 17)  # default: the only value there is
    assert kept.custom_fields == {"colour": "red", "shoe_size": "42"}
    assert kept.version == version + 1
    assert merge.field_choices["display_name"] == "merged"
    assert merge.survivor_before["display_name"] == "王伟"
    assert merge.survivor_before["birth_date"] is None

    merging.unmerge(admin, merge)
    kept.refresh_from_db()
    assert (kept.display_name, kept.birth_date, kept.custom_fields) == ("王伟", None, {"colour": "red"})


def test_invalid_choices_are_rejected(admin, world):
    kept, other = world
    with pytest.raises(ValidationError):
        merging.do_merge_customers(admin, kept, other, field_choices={"tier": "combined"})
    with pytest.raises(ValidationError):
        merging.do_merge_customers(admin, kept, other, field_choices={"version": "merged"})
    assert not Merge.objects.exists()


def test_primary_contact_conflict_keeps_one_primary_and_unmerge_restores_both(admin, world):
    kept, other = world
    kept_primary = Contact.objects.get(customer=kept, is_primary=True)
    other_primary = Contact.objects.get(customer=other, is_primary=True)

    merge = merging.do_merge_customers(admin, kept, other)

    assert list(Contact.objects.filter(customer=kept, is_primary=True)) == [kept_primary]
    assert Contact.objects.filter(customer=kept).count() == 3
    assert merge.changed["customers.contact"] == {str(other_primary.pk): {"is_primary": True}}
    # the same for the primary phone and the primary address
    assert _phone_identities(kept).filter(is_primary=True).count() == 1
    assert _phone_identities(kept).count() == 2
    assert Address.objects.filter(customer=kept, is_primary=True).count() == 1
    # and for the current marketing/email consent: one current row per purpose and channel
    assert Consent.objects.filter(customer=kept, purpose="marketing", channel="email",
                                  is_current=True).count() == 1

    merging.unmerge(admin, merge)

    other_primary.refresh_from_db()
    assert other_primary.customer_id == other.pk and other_primary.is_primary
    assert list(Contact.objects.filter(customer=kept, is_primary=True)) == [kept_primary]
    assert _phone_identities(other).get().is_primary


def test_same_team_share_is_a_conflict_kept_with_the_merged_customer(admin, world, team):
    kept, other = world
    share = CustomerShare.objects.get(customer=other, team=team)
    shares = CustomerShare.objects.count()

    merge = merging.do_merge_customers(admin, kept, other)

    assert {"model": "customers.customershare", "pk": share.pk,
            "reason": "duplicate of a row the kept customer already has"} in merge.conflicts
    assert any(c["model"] == "customers.customer_tags" for c in merge.conflicts)  # "vip" on both
    share.refresh_from_db()
    assert share.customer_id == other.pk
    assert CustomerShare.objects.count() == shares
    assert CustomerShare.objects.filter(customer=kept).count() == 2  # East, and West moved over

    merging.unmerge(admin, merge)
    share.refresh_from_db()
    assert share.customer_id == other.pk
    assert CustomerShare.objects.count() == shares


def test_round_trip_restores_every_row_exactly(admin, world):
    kept, other = world
    before = _snapshot(kept, other)

    merge = merging.do_merge_customers(admin, kept, other)
    assert _snapshot(kept, other) != before
    merging.unmerge(admin, merge)

    assert _snapshot(kept, other) == before
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undone_by == admin
    assert DuplicateCandidate.objects.get().status == DuplicateCandidate.Status.OPEN
    assert other.pk in visible_customers(admin).values_list("pk", flat=True)


def test_a_sales_rep_may_neither_merge_nor_unmerge(admin, rep, world):
    kept, other = world
    before = _snapshot(kept, other)
    with pytest.raises(PermissionDenied):
        merging.do_merge_customers(rep, kept, other)
    assert _snapshot(kept, other) == before
    assert not Merge.objects.exists()

    merge = merging.do_merge_customers(admin, kept, other)
    merged_state = _snapshot(kept, other)
    with pytest.raises(PermissionDenied):
        merging.unmerge(rep, merge)
    merge.refresh_from_db()
    assert merge.undone_at is None
    assert _snapshot(kept, other) == merged_state
    assert not AuditEntry.objects.filter(action="unmerge").exists()


def test_merged_customers_cannot_be_merged_again_and_undo_works_once(admin, world, make_customer):
    kept, other = world
    third = make_customer(admin)
    with pytest.raises(ValidationError):
        merging.do_merge_customers(admin, kept, kept)
    merge = merging.do_merge_customers(admin, kept, other)
    with pytest.raises(ValidationError):
        merging.do_merge_customers(admin, third, other)
    with pytest.raises(ValidationError):
        merging.do_merge_customers(admin, other, third)

    merging.unmerge(admin, merge)
    with pytest.raises(ValidationError):
        merging.unmerge(admin, merge)
    with pytest.raises(ValidationError):
        merging.unmerge(admin, Merge.objects.get(pk=merge.pk))


def test_a_merge_whose_survivor_was_merged_since_is_undone_after_the_later_one(admin, world,
                                                                                make_customer):
    kept, other = world
    third = make_customer(admin)
    before = _snapshot(kept, other, third)
    first = merging.do_merge_customers(admin, kept, other)
    second = merging.do_merge_customers(admin, third, kept)
    with pytest.raises(ValidationError, match="Undo that later merge first"):
        merging.unmerge(admin, first)
    merging.unmerge(admin, second)
    merging.unmerge(admin, first)
    assert _snapshot(kept, other, third) == before


def test_stale_versions_are_refused(admin, world):
    kept, other = world
    with pytest.raises(services.StaleVersion):
        merging.do_merge_customers(admin, kept, other,
                                   expected_versions={kept.pk: kept.version, other.pk: other.version - 1})
    assert not Merge.objects.exists()
    merging.do_merge_customers(admin, kept, other,
                               expected_versions={kept.pk: kept.version, other.pk: other.version})


def test_merge_and_unmerge_are_audited(admin, world):
    kept, other = world
    merge = merging.do_merge_customers(admin, kept, other)
    on_kept = AuditEntry.objects.get(action="merge", customer_id=kept.pk)
    assert on_kept.changes["merged"] == [None, other.pk]
    assert on_kept.changes["birth_date"] == [None, "1980-05-17"]
    assert on_kept.actor == admin
    on_other = AuditEntry.objects.get(action="merge", customer_id=other.pk)
    assert on_other.changes == {"merged_into": [None, kept.pk]}

    merging.unmerge(admin, merge)
    assert AuditEntry.objects.get(action="unmerge", customer_id=kept.pk).changes["merged"] == [other.pk, None]
    assert AuditEntry.objects.get(action="unmerge", customer_id=other.pk).changes == {
        "merged_into": [kept.pk, None]}


def test_profiles_are_refreshed(admin, world, monkeypatch):
    kept, other = world
    calls = []
    monkeypatch.setattr(profiles, "refresh", lambda ids: calls.append(("refresh", list(ids))))
    monkeypatch.setattr(profiles, "remove", lambda ids: calls.append(("remove", list(ids))))
    merge = merging.do_merge_customers(admin, kept, other)
    assert calls == [("refresh", [kept.pk]), ("remove", [other.pk])]
    calls.clear()
    merging.unmerge(admin, merge)
    assert calls == [("refresh", [kept.pk, other.pk])]


def test_a_model_declaring_merge_latest_by_keeps_the_newer_row_current(admin, make_customer,
                                                                       monkeypatch):
    """Opt-in: the newer consent decision (a withdrawal) wins over an older grant."""
    monkeypatch.setattr(Consent, "merge_latest_by", "recorded_at", raising=False)
    kept, other = make_customer(admin), make_customer(admin)
    now = timezone.now()
    old = privacy_services.record_consent(admin, kept, purpose="marketing", channel="sms", granted=True,
                                          source="staff", recorded_at=now - timedelta(days=400))
    new = privacy_services.record_consent(admin, other, purpose="marketing", channel="sms",
                                          granted=False, source="staff", recorded_at=now)
    before = _snapshot(kept, other)

    merge = merging.do_merge_customers(admin, kept, other)

    current = Consent.objects.get(customer=kept, purpose="marketing", channel="sms", is_current=True)
    assert current == new and not current.granted
    assert merge.changed["privacy.consent"] == {str(old.pk): {"is_current": True}}
    merging.unmerge(admin, merge)
    assert _snapshot(kept, other) == before
