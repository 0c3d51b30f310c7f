"""A merge must not leave the kept customer referred by itself or inside a referral loop; undo puts
every referral link back exactly."""

import pytest

from kehu.customers.models import Customer
from kehu.identity import merge as merging
from kehu.privacy.models import AuditEntry
from kehu.sales import referrals
from tests.sales.conftest_insight import customers, link

pytestmark = pytest.mark.django_db


def _referrers(*people) -> list:
    by_id = dict(Customer.objects.filter(pk__in=[p.pk for p in people]).values_list("pk", "referred_by_id"))
    return [by_id[p.pk] for p in people]


def test_a_survivor_referred_by_the_merged_customer_is_not_referred_by_itself(admin):
    """Given S referred by M (the same person entered twice, one introducing the other) and M's
    other referral K, when M is merged into S, then K follows to S and S refers nobody to itself;
    undo restores S → M and K → M."""
    survivor, merged, kid = customers(3)
    link(survivor, merged)
    link(kid, merged)

    merge = merging.do_merge_customers(admin, survivor, merged)

    assert _referrers(survivor, kid) == [None, survivor.pk]
    audit = AuditEntry.objects.get(action="merge", object_id=str(survivor.pk))
    assert audit.changes["referred_by"] == [merged.pk, None]
    assert referrals.referral_tree(admin, survivor.pk).customers == 1

    merging.unmerge(admin, merge)
    assert _referrers(survivor, kid) == [merged.pk, merged.pk]


def test_a_merge_that_would_close_a_loop_clears_the_survivors_referrer(admin):
    """S was referred by X, whom M referred. After the merge X's referrer is S (M's referrals move),
    so S → X → S would be a loop: S's referrer is cleared. Undo restores X → M and S → X."""
    survivor, merged, middle = customers(3)
    link(middle, merged)
    link(survivor, middle)

    merge = merging.do_merge_customers(admin, survivor, merged)

    assert _referrers(survivor, middle) == [None, survivor.pk]
    assert not referrals.would_cycle(middle.pk, survivor.pk)
    tree = referrals.referral_tree(admin, survivor.pk)
    assert (tree.customers, tree.depth) == (1, 1)

    merging.unmerge(admin, merge)
    assert _referrers(survivor, middle, merged) == [middle.pk, merged.pk, None]


def test_an_unrelated_referrer_is_kept(admin):
    survivor, merged, introducer, kid = customers(4)
    link(survivor, introducer)
    link(kid, merged)

    merging.do_merge_customers(admin, survivor, merged)

    assert _referrers(survivor, kid) == [introducer.pk, survivor.pk]
    audit = AuditEntry.objects.get(action="merge", object_id=str(survivor.pk))
    assert "referred_by" not in audit.changes
