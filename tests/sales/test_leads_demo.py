"""The demo leads: a mix over the seed's sources, referrals from demo customers, 18 months of
converted and disqualified history with a signal the lead score can learn, deterministic."""

import datetime as dt

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from kehu.customers.models import Customer
from kehu.sales.demo import seed_leads
from kehu.sales.models import Lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(rep, make_customer):
    return [make_customer(rep) for _ in range(120)]


def test_demo_leads_have_history_referrals_and_a_signal(customers, rep):
    assert seed_leads(800, seed=3) == 800
    assert seed_leads(800, seed=3) == 0  # once
    by_status = dict(Lead.objects.values_list("status").annotate(n=Count("id")))
    assert set(by_status) == {"new", "contacted", "qualified", "converted", "disqualified"}
    assert Lead.objects.values("source").distinct().count() >= 12
    referrals = Lead.objects.filter(source__needs_referrer=True)
    assert referrals.exists() and not referrals.filter(referrer_customer__isnull=True).exists()
    closed = Lead.objects.filter(closed_at__isnull=False)
    now = timezone.now()
    assert closed.filter(closed_at__lt=now - dt.timedelta(days=365)).exists()  # spread over 18 months
    assert not closed.filter(closed_at__gt=now).exists()
    assert not Lead.objects.filter(created_at__lt=now - dt.timedelta(days=560)).exists()
    converted = Lead.objects.filter(status="converted")
    assert converted.count() == converted.values("customer").distinct().count()  # one lead per customer
    assert not converted.filter(customer__isnull=True).exists()
    # the signal: referrals convert far more often than SMS
    def rate(code):
        done = Lead.objects.filter(source__code=code, closed_at__isnull=False).aggregate(
            n=Count("id"), won=Count("id", filter=Q(status="converted")))
        return done["won"] / max(done["n"], 1)
    assert rate("referral") > 2 * rate("sms")
    # converted referrals gave their customers a referrer, never a loop (referrers are older)
    referred = Customer.objects.filter(referred_by__isnull=False)
    assert referred.exists() and all(c.referred_by_id < c.pk for c in referred)


def test_the_same_seed_gives_the_same_leads(customers):
    seed_leads(50, seed=9)
    first = list(Lead.objects.order_by("pk").values_list("name", "source__code", "status", "phone"))
    Lead.objects.all().delete()
    seed_leads(50, seed=9)
    assert list(Lead.objects.order_by("pk").values_list("name", "source__code", "status", "phone")) == first


def test_demo_leads_keep_their_dates(customers):
    """The insert stamps created_at with now; the demo's 18 months must survive it (the lead
    score's age feature and its time-based holdout read them)."""
    from django.db.models import F

    seed_leads(300, seed=5)
    now = timezone.now()
    assert Lead.objects.filter(created_at__lt=now - dt.timedelta(days=180)).exists()
    assert not Lead.objects.filter(closed_at__lt=F("created_at")).exists()  # closed after they came in
