"""Fixtures for the activities tests: a team (two reps, their manager), a rep of another team,
customers owned by each, a lead and an opportunity, and a client logged in as anyone. Imported
by the ``test_activities*`` modules."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from kehu.sales import pipeline
from kehu.sales.models import Lead, LeadSource

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, mo, d, h=0, mi=0) -> dt.datetime:
    """A moment in Shanghai (the installation's time zone)."""
    return dt.datetime(y, mo, d, h, mi, tzinfo=SHANGHAI)


@pytest.fixture
def crew(make_user, make_customer, team, other_team):
    rep = make_user("sales", team=team, username="li.xiaoshou")
    rep.email = "li.xiaoshou@example.com"
    rep.save()
    mate = make_user("sales", team=team, username="zhao.xiaoshou")
    manager = make_user("manager", team=team, is_manager=True, username="wang.jingli")
    stranger = make_user("sales", team=other_team, username="chen.xibu")
    customer = make_customer(rep, family_name="张", given_name="伟", owner=rep, team=team)
    strangers_customer = make_customer(stranger, family_name="刘", given_name="洋", owner=stranger, team=other_team)
    lead = Lead.objects.create(name="周杰", company="杭州某科技", source=LeadSource.objects.get(code="telephone"),
                               owner=rep, team=team)
    opportunity = pipeline.create_opportunity(rep, customer=customer, name="年度采购", amount=10000, owner=rep)
    return SimpleNamespace(rep=rep, mate=mate, manager=manager, stranger=stranger, customer=customer,
                           strangers_customer=strangers_customer, lead=lead, opportunity=opportunity)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
