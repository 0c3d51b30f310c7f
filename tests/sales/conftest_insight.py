"""Builders for the insight tests (referrals, lead score, reports): plain rows in bulk — chains of
customers, orders, scores, leads with a known history — so a test states exactly what it counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kehu.customers.models import Customer
from kehu.orders.models import Order
from kehu.sales.models import Lead, LeadSource
from kehu.scoring.models import CustomerScore, ScoreRun


def customers(n: int, *, owner=None, team=None, prefix: str = "客", created_at=None, **fields) -> list[Customer]:
    """``n`` customers in one INSERT (ids in creation order)."""
    rows = Customer.objects.bulk_create([
        Customer(display_name=f"{prefix}{i}", owner=owner, team=team, **fields) for i in range(n)])
    if created_at is not None:
        Customer.objects.filter(pk__in=[c.pk for c in rows]).update(created_at=created_at)
        for c in rows:
            c.created_at = created_at
    return rows


def link(child: Customer, parent: Customer | None) -> None:
    Customer.objects.filter(pk=child.pk).update(referred_by=parent)
    child.referred_by = parent


def chain(n: int, **kw) -> list[Customer]:
    """A root and ``n`` customers each referred by the one before: depth n."""
    people = customers(n + 1, **kw)
    Customer.objects.bulk_update([Customer(pk=c.pk, referred_by_id=p.pk) for p, c in zip(people, people[1:], strict=False)],
                                 ["referred_by"], batch_size=2000)
    for p, c in zip(people, people[1:], strict=False):
        c.referred_by_id = p.pk
    return people


def order(customer: Customer, total, *, status=Order.Status.COMPLETED, at=None) -> Order:
    return Order.objects.create(customer=customer, total=Decimal(str(total)), status=status,
                                ordered_at=at or timezone.now() - dt.timedelta(days=1))


def orders(pairs, *, at=None) -> None:
    Order.objects.bulk_create([Order(customer_id=c.pk, total=Decimal(str(t)), status=Order.Status.COMPLETED,
                                     ordered_at=at or timezone.now() - dt.timedelta(days=1)) for c, t in pairs])


def clv(pairs) -> None:
    """CustomerScore rows with these CLVs (a finished run is needed as their run)."""
    run = ScoreRun.objects.create(status=ScoreRun.Status.DONE)
    CustomerScore.objects.bulk_create([CustomerScore(customer_id=c.pk, run=run, clv=Decimal(str(v)))
                                       for c, v in pairs])


def source(code: str) -> LeadSource:
    return LeadSource.objects.get(code=code)


def lead(name="线索", *, source_code="online", status=Lead.Status.NEW, referrer=None, owner=None, team=None,
         created_at=None, closed_at=None, **fields) -> Lead:
    row = Lead.objects.create(name=name, source=source(source_code), status=status, referrer_customer=referrer,
                              owner=owner, team=team, closed_at=closed_at, **fields)
    if created_at is not None:
        Lead.objects.filter(pk=row.pk).update(created_at=created_at)
        row.created_at = created_at
    return row


def closed_history(n: int, *, seed: int = 1, converted_share: float | None = None, owner=None,
                   start=None) -> list[Lead]:
    """``n`` closed leads over a year with a known signal: being referred (more so by a tier-A
    customer) and having a phone raise conversion strongly; channel and region are noise. The
    log-odds: −2 + 2.2·referred + 1.0·VIP referrer + 1.8·phone (+ a little noise).
    ``converted_share`` instead fixes the share converted at random (no signal)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    start = start or timezone.now() - dt.timedelta(days=400)
    vip, plain = customers(1, tier="A", prefix="贵宾")[0], customers(1, tier="C", prefix="普通")[0]
    sources = {s.code: s for s in LeadSource.objects.all()}
    rows = []
    referred = rng.random(n) < 0.35
    by_vip = referred & (rng.random(n) < 0.5)
    phone = rng.random(n) < 0.5
    email = rng.random(n) < 0.6
    logit = -2.0 + 2.2 * referred + 1.0 * by_vip + 1.8 * phone + rng.normal(0, 0.3, n)
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    if converted_share is not None:
        won = rng.random(n) < converted_share
    channels = ["phone", "email", "wechat", "web", "in_person"]
    regions = ["浙江", "广东", "上海", "北京", "四川"]
    offsets = np.sort(rng.uniform(0, 360, n))
    created_at = []
    for i in range(n):
        code = rng.choice(["referral", "key_opinion"]) if referred[i] else rng.choice(
            ["online", "advertising", "telephone", "trade_show"])
        created = start + dt.timedelta(days=float(offsets[i]))
        rows.append(Lead(
            name=f"历史{i}", source=sources[str(code)], owner=owner,
            referrer_customer=(vip if by_vip[i] else plain) if referred[i] else None,
            phone="13800000000" if phone[i] else "", email="a@example.com" if email[i] else "",
            channel=str(rng.choice(channels)), region=str(rng.choice(regions)),
            status=Lead.Status.CONVERTED if won[i] else Lead.Status.DISQUALIFIED,
            closed_at=created + dt.timedelta(days=float(rng.uniform(1, 30)))))
        created_at.append(created)
    made = Lead.objects.bulk_create(rows)  # created_at is "now" here (auto_now_add) …
    for lead_row, created in zip(made, created_at, strict=True):
        lead_row.created_at = created  # … and spread over the year by this update
    Lead.objects.bulk_update(made, ["created_at"], batch_size=500)
    return made


def open_leads(n: int, *, owner=None, **fields) -> list[Lead]:
    sources = {s.code: s for s in LeadSource.objects.all()}
    code = fields.pop("source_code", "online")
    return Lead.objects.bulk_create([Lead(name=f"开放{i}", source=sources[code], owner=owner, **fields)
                                     for i in range(n)])
