"""Fixtures of the leads tests (imported by tests/sales/test_leads*.py)."""

import pytest
from django.core.cache import cache

from kehu.sales import leads
from kehu.sales.models import LeadSource


@pytest.fixture
def source(db):
    """A source that needs no referrer (telephone)."""
    return LeadSource.objects.get(code="telephone")


@pytest.fixture
def referral(db):
    """The chain-referral source: a referrer is required."""
    return LeadSource.objects.get(code="referral")


@pytest.fixture
def make_lead(db, source):
    def make(actor, **data):
        data.setdefault("name", "刘洋")
        data.setdefault("source", source)
        return leads.create_lead(actor, **data)

    return make


@pytest.fixture
def qualify():
    """Move a lead to qualified through the services (new → contacted → qualified)."""
    def move(actor, lead):
        lead = leads.set_status(actor, lead, "contacted", expected_version=lead.version)
        return leads.set_status(actor, lead, "qualified", expected_version=lead.version)

    return move


@pytest.fixture
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()
