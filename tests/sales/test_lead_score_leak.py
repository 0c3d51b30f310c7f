"""The lead score must not learn the label: a converted lead's customer exists because it
converted, so that customer's interactions are not features of the lead's history."""

import datetime as dt

import pytest
from django.utils import timezone

from kehu.customers.models import Interaction
from kehu.sales import lead_scoring
from kehu.sales.models import Lead
from tests.sales.conftest_insight import lead

pytestmark = pytest.mark.django_db


def test_a_converted_leads_customer_history_is_not_engagement(admin, make_customer):
    now = timezone.now()
    customer = make_customer(admin)
    Interaction.objects.create(customer=customer, channel="email", direction="in", type="email", subject="老客户来信",
                               occurred_at=now - dt.timedelta(days=300))
    converted = lead("转化了", status=Lead.Status.CONVERTED, closed_at=now - dt.timedelta(days=10),
                     created_at=now - dt.timedelta(days=40))
    Lead.objects.filter(pk=converted.pk).update(customer=customer, converted_at=now - dt.timedelta(days=10))

    raw = lead_scoring.load_features(Lead.objects.filter(pk=converted.pk), now=now).raw

    assert (raw["interactions"][0], raw["email_replies"][0]) == (0, 0)
