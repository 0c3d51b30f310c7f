"""Fixtures for the pipeline tests: the default pipeline's stages by code, a small team (two reps,
their manager, a rep of another team), customers owned by each, products, and an opportunity
builder that goes through the service (so stage history and audit are real)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client

from kehu.orders.models import Product
from kehu.sales import pipeline as services
from kehu.sales.models import LostReason, Pipeline


@pytest.fixture
def stages(db):
    """The default pipeline's stages by code (prospecting 10 %, needs 25 %, proposal 50 %,
    negotiation 75 %, won 100 %, lost 0 %)."""
    pipeline = Pipeline.objects.get(is_default=True)
    return SimpleNamespace(pipeline=pipeline, **{s.code: s for s in pipeline.stages.all()})


@pytest.fixture
def people(make_user, team, other_team):
    return SimpleNamespace(
        rep=make_user("sales", team=team, username="li.xiaoshou"),
        mate=make_user("sales", team=team, username="zhao.xiaoshou"),
        manager=make_user("manager", team=team, is_manager=True, username="wang.jingli"),
        stranger=make_user("sales", team=other_team, username="chen.xibu"),
    )


@pytest.fixture
def products(db):
    return SimpleNamespace(
        cooker=Product.objects.create(sku="RC-01", name="电饭煲", price=Decimal("399.00")),
        kettle=Product.objects.create(sku="KT-02", name="电水壶", price=Decimal("129.90")),
    )


@pytest.fixture
def price(db):
    return LostReason.objects.get(code="price")


@pytest.fixture
def make_opportunity(make_customer):
    """An opportunity owned by ``owner`` for a new customer of theirs (or ``customer``)."""
    def make(owner, *, customer=None, name="年度采购", amount="10000.00", stage=None, **kw):
        customer = customer or make_customer(owner, owner=owner, team=owner.teams.first())
        return services.create_opportunity(owner, customer=customer, name=name, amount=Decimal(amount), stage=stage,
                                           owner=owner, **kw)

    return make


@pytest.fixture
def client_for(db):
    """A browser session logged in as ``user``."""
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def stage_codes(db):
    """An opportunity's stage history as (from code, to code) pairs, oldest first."""
    def codes(opportunity) -> list[tuple[str | None, str]]:
        return [(c.from_stage.code if c.from_stage else None, c.to_stage.code)
                for c in opportunity.stage_changes.select_related("from_stage", "to_stage").order_by("at", "pk")]

    return codes

