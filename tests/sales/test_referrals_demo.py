"""The demo's sales history: referral chains several levels deep without loops, a trained lead
score, deterministic for a seed."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from kehu.customers.models import Customer
from kehu.sales import demo, referrals
from kehu.sales.models import LeadScoreModel

pytestmark = pytest.mark.django_db


def test_seed_sales_history_draws_chains_and_trains_the_score(history, admin):
    made = demo.seed_sales_history(seed=5, train=False)

    links = list(Customer.objects.filter(referred_by__isnull=False).values_list("pk", "referred_by_id"))
    assert len(links) == made["referrals"] >= 20 and made["deepest"] >= 3 and made["introducers"] >= 5
    created = dict(Customer.objects.values_list("pk", "created_at"))
    assert all(created[parent] <= created[child] for child, parent in links)  # an introducer came first
    assert not any(referrals.would_cycle(child, parent) for child, parent in links)
    assert set(Customer.objects.filter(referred_by__isnull=False).values_list("acquisition_source", flat=True)) == {
        "referral"}
    now = timezone.now()
    leaders = referrals.top_introducers(admin, since=now - dt.timedelta(days=3650), until=now, sort="chain")
    assert leaders and leaders[0]["chain_size"] >= 3
    assert referrals.referral_tree(admin, leaders[0]["id"]).depth >= 2

    assert demo.seed_sales_history(seed=5, train=False)["referrals"] == 0  # chains are drawn once
    demo.seed_leads(300, seed=3)
    assert demo.seed_sales_history(seed=5)["lead_score"] in LeadScoreModel.Kind.values
    assert LeadScoreModel.objects.filter(is_active=True).count() == 1


def test_the_chains_are_the_same_for_the_same_seed():
    first = demo._seed_history_chains(list(range(1, 2001)), random.Random(9))
    second = demo._seed_history_chains(list(range(1, 2001)), random.Random(9))
    assert first == second and all(parent < child for child, parent, _depth in first)
