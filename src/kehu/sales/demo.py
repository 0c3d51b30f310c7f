"""Demo data of the sales app, deterministic for a seed. One section per area; ``kehu demo`` calls
them after the customers exist. Like the rest of the demo loader (``kehu.demo``), these write in
bulk and record no audit entries: they are a data set to try Kehu on, not anybody's work.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

# --- leads ----------------------------------------------------------------------------------------
# A realistic mix over the seed's sources, referrals from demo customers (a few introducers bring
# most of them: the "law of 250"), and 18 months of history in which leads were converted (linked
# to the demo customers they became, whose acquisition source and referrer are filled in) or
# disqualified. Conversion depends on the source, the completeness of the contact data and the
# company's size, so the lead score has something true to learn.

LEAD_SOURCE_MIX = {  # code: (share of leads, base chance to convert)
    "online": (0.20, 0.12), "telephone": (0.11, 0.13), "trade_show": (0.09, 0.28), "advertising": (0.07, 0.10),
    "referral": (0.12, 0.45), "celebrity": (0.02, 0.35), "key_opinion": (0.04, 0.40), "door_to_door": (0.04, 0.18),
    "data_lookup": (0.05, 0.08), "club": (0.03, 0.25), "consulting": (0.04, 0.30), "competitor": (0.03, 0.22),
    "direct_mail": (0.06, 0.06), "sms": (0.09, 0.04),
}
LEAD_FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
LEAD_GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
              "秀英", "霞", "平", "刚", "桂英", "建华", "晓东", "海燕", "志强", "文", "婷", "宇", "浩然", "子涵"]
LEAD_CITIES = ["杭州", "上海", "北京", "深圳", "广州", "南京", "苏州", "成都", "武汉", "宁波", "厦门", "西安",
               "重庆", "天津", "长沙", "青岛", "合肥", "福州", "温州", "无锡"]
LEAD_TRADES = ["科技", "贸易", "电子", "餐饮管理", "医疗器械", "物流", "建材", "教育咨询", "食品", "服饰"]
LEAD_CAMPAIGNS = {"trade_show": ["2025 广交会", "上海家电展", "杭州电商峰会"], "advertising": ["春季促销", "抖音投放"],
                  "online": ["官网咨询", "天猫店", "小红书"], "sms": ["618 短信", "双十一短信"],
                  "direct_mail": ["年中目录"], "club": ["会员俱乐部沙龙"]}
MOBILE_PREFIXES = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159",
                   "186", "187", "188", "189"]
HISTORY_DAYS = 548  # 18 months


def seed_leads(n: int = 600, seed: int = 42) -> int:
    """About ``n`` leads over the last 18 months; does nothing if leads exist. Returns how many."""
    from kehu.customers.models import Customer
    from kehu.sales.models import Lead

    if n <= 0 or Lead.objects.exists():
        return 0
    rng = random.Random(seed)
    owners = _seed_leads_owners()
    customers = list(Customer.objects.filter(merged_into__isnull=True).order_by("pk")
                     .values_list("pk", "display_name", "kind", "acquisition_source", "referred_by_id")[:20_000])
    with transaction.atomic():
        leads, customer_updates = _seed_leads_build(n, rng, owners, customers)
        history = [(lead.created_at, lead.updated_at) for lead in leads]
        Lead.objects.bulk_create(leads, batch_size=1000)
        # the insert stamps created/updated with now (on the instances too): put the history back
        for lead, (created, updated) in zip(leads, history, strict=True):
            lead.created_at, lead.updated_at = created, updated
        Lead.objects.bulk_update(leads, ["created_at", "updated_at"], batch_size=1000)
        _seed_leads_customers(customer_updates)
    return len(leads)


def _seed_leads_owners() -> list[tuple[int, int | None]]:
    """(user id, team id) of the sales reps (else the first admin)."""
    from kehu.sales.leads import owners_team_id

    users = get_user_model().objects.filter(is_active=True)
    ids = list(users.filter(groups__name="sales").order_by("pk").values_list("pk", flat=True)) or list(
        users.filter(is_superuser=True).order_by("pk").values_list("pk", flat=True)[:1])
    return [(uid, owners_team_id(uid)) for uid in ids]


def _seed_leads_build(n, rng, owners, customers):
    from kehu.sales.models import DisqualifyReason, Lead, LeadSource

    sources = {s.code: s for s in LeadSource.objects.filter(code__in=LEAD_SOURCE_MIX)}
    codes = [c for c in LEAD_SOURCE_MIX if c in sources and (customers or not sources[c].needs_referrer)]
    weights = [LEAD_SOURCE_MIX[c][0] for c in codes]
    reasons = list(DisqualifyReason.objects.filter(active=True).order_by("position"))
    # a few introducers bring most referrals (Zipf-like weights over a pool of customers)
    pool = customers[: max(1, min(len(customers), 150))]
    pool_weights = [1.0 / (rank + 1) ** 1.1 for rank in range(len(pool))]
    unused = list(range(len(customers)))  # customers a converted lead may become (each once)
    rng.shuffle(unused)
    now = timezone.now()
    leads, updates = [], {}
    for i in range(n):
        code = rng.choices(codes, weights)[0]
        source = sources[code]
        owner_id, team_id = rng.choice(owners) if owners else (None, None)
        created = now - dt.timedelta(days=HISTORY_DAYS * rng.random() ** 0.8, minutes=rng.randint(0, 600))
        organisation = rng.random() < 0.35
        size = rng.choices(["", "1-9", "10-49", "50-249", "250+"], [2, 3, 3, 2, 1])[0] if organisation else ""
        has_phone, has_email = rng.random() < 0.85, rng.random() < 0.55
        city = rng.choice(LEAD_CITIES)
        name = rng.choice(LEAD_FAMILY) + rng.choice(LEAD_GIVEN)
        lead = Lead(
            kind="organisation" if organisation else "person", name=name,
            company=f"{city}{rng.choice(LEAD_FAMILY)}{rng.choice(['达', '盛', '华', '新', '远'])}"
                    f"{rng.choice(LEAD_TRADES)}有限公司" if organisation else "",
            job_title=rng.choice(["总经理", "采购经理", "行政主管", "店长", ""]) if organisation else "",
            region=city, company_size=size, nature="company" if organisation else "individual",
            channel=rng.choice(["phone", "web", "wechat", "in_person", "email", "sms"]), source=source,
            campaign=rng.choice(LEAD_CAMPAIGNS.get(code, [""])), owner_id=owner_id, team_id=team_id,
            created_by_id=owner_id, created_at=created, updated_at=created, status=Lead.Status.NEW)
        if has_phone:
            lead.phone = f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 10**8 - 1):08d}"
            lead.phone_normalized = "+86" + lead.phone
        if has_email:
            lead.email = lead.email_normalized = f"lead{i + 1}.{rng.randint(100, 999)}@" + rng.choice(
                ["qq.com", "163.com", "126.com", "example.cn"])
        if source.needs_referrer:
            lead.referrer_customer_id = rng.choices(pool, pool_weights)[0][0]
        _seed_leads_outcome(lead, rng, now, code, has_phone, has_email, size, reasons, customers, unused, updates)
        leads.append(lead)
    return leads, updates


def _seed_leads_outcome(lead, rng, now, code, has_phone, has_email, size, reasons, customers, unused, updates):
    """Close a lead of the history as converted or disqualified (or leave it open, worked on)."""
    from kehu.sales.models import Lead

    age = (now - lead.created_at).days
    chance = LEAD_SOURCE_MIX[code][1] * (1.3 if has_phone else 0.5) * (1.15 if has_email else 0.9)
    chance *= {"": 1.0, "1-9": 0.9, "10-49": 1.1, "50-249": 1.3, "250+": 1.5}[size]
    if age < 45 and rng.random() < 0.8:  # recent: still being worked
        lead.status = rng.choices([Lead.Status.NEW, Lead.Status.CONTACTED, Lead.Status.QUALIFIED], [5, 4, 2])[0]
        return
    closed = min(now, lead.created_at + dt.timedelta(days=rng.randint(3, 90), hours=rng.randint(0, 23)))
    lead.updated_at = closed
    if rng.random() < min(chance, 0.9) and unused:
        index = unused.pop()
        customer_id, display_name, kind, acquisition, referred_by = customers[index]
        lead.name, lead.kind = display_name[:200], kind
        lead.status, lead.customer_id = Lead.Status.CONVERTED, customer_id
        lead.converted_at = lead.closed_at = closed
        lead.converted_by_id = lead.owner_id
        change = {}
        if not acquisition:
            change["acquisition_source"] = lead.source.customer_source
        # referrers older than the customer only: the demo's referral graph has no loops
        if lead.referrer_customer_id and lead.referrer_customer_id < customer_id and referred_by is None:
            change["referred_by_id"] = lead.referrer_customer_id
        if change:
            updates[customer_id] = change
        return
    if rng.random() < 0.85 and reasons:
        lead.status, lead.closed_at = Lead.Status.DISQUALIFIED, closed
        lead.disqualify_reason = rng.choice(reasons)
        lead.disqualify_note = rng.choice(["", "", "预算明年再说", "已选竞品", "电话多次未接"])
    else:
        lead.status = rng.choice([Lead.Status.CONTACTED, Lead.Status.QUALIFIED])


def _seed_leads_customers(updates: dict[int, dict]) -> None:
    """Fill the converted customers' acquisition source and referrer (where they had none)."""
    from kehu.customers.models import Customer

    rows = []
    for customer in Customer.objects.filter(pk__in=list(updates)):
        for name, value in updates[customer.pk].items():
            setattr(customer, name, value)
        rows.append(customer)
    Customer.objects.bulk_update(rows, ["acquisition_source", "referred_by"], batch_size=1000)


# --- activities -----------------------------------------------------------------------------------
# Each demo sales rep gets calls, meetings, visits, emails and to-dos on their own customers (and
# open opportunities): a history of logged ones (their interactions are on the customers'
# timelines), a few overdue, some today, the next weeks planned with reminders.

DEMO_ACTIVITIES = {  # kind: subjects (Chinese, as reps would write them)
    "call": ["回访电话：确认需求", "电话跟进报价", "约下次见面时间", "询问试用反馈"],
    "meeting": ["产品演示会议", "方案讨论会", "合同条款沟通"],
    "visit": ["上门拜访", "门店实地考察", "售后回访拜访"],
    "email": ["发送报价单", "发送产品资料", "发送会议纪要"],
    "todo": ["准备合同草稿", "整理客户需求清单", "申请特价审批"],
}
DEMO_OUTCOMES = ["done", "done", "interested", "no_answer", "follow_up", "not_interested"]


def seed_activities(n: int = 240, *, seed: int = 42) -> int:
    """About ``n`` activities for the demo sales reps, written through ``kehu.sales.activities`` as
    each rep (so logged ones write their interactions like real work). Does nothing if activities
    exist. Returns how many were made."""
    import datetime as dt
    import random

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from kehu.customers.models import Customer
    from kehu.sales import activities as services
    from kehu.sales.models import Activity, Opportunity

    if Activity.objects.exists() or not Customer.objects.exists():
        return 0
    rng = random.Random(seed)
    reps = list(get_user_model().objects.filter(groups__name="sales", is_active=True).order_by("pk"))
    if not reps:
        return 0
    # what each rep may link to: their own customers and open opportunities
    customers = {rep.pk: list(Customer.objects.filter(owner=rep, merged_into__isnull=True).order_by("pk")
                              .values_list("pk", flat=True)[:300]) for rep in reps}
    opportunities = {rep.pk: list(Opportunity.objects.filter(owner=rep, closed_at__isnull=True).order_by("pk")
                                  .values_list("pk", "customer_id")[:100]) for rep in reps}
    now = timezone.now()
    morning = timezone.localtime(now).replace(hour=9, minute=0, second=0, microsecond=0)
    made = 0
    for i in range(n):
        rep = reps[i % len(reps)]
        kind = rng.choice(["call", "call", "call", "meeting", "visit", "email", "todo"])
        subject = rng.choice(DEMO_ACTIVITIES[kind])
        links = {}
        if opportunities[rep.pk] and rng.random() < 0.35:
            opportunity, customer = rng.choice(opportunities[rep.pk])
            links = {"opportunity": opportunity, "customer": customer}
        elif customers[rep.pk]:
            links = {"customer": rng.choice(customers[rep.pk])}
        minutes = {"meeting": 60, "visit": 90}.get(kind, rng.choice([None, 15, 30]))
        roll = rng.random()
        with transaction.atomic():
            if roll < 0.45:  # history: logged in the last two months
                done_at = now - dt.timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 8))
                services.log_activity(rep, kind=kind, subject=subject, done_at=done_at, duration_minutes=minutes,
                                      outcome=rng.choice(DEMO_OUTCOMES), **links)
            else:
                if roll < 0.55:  # overdue
                    due = morning - dt.timedelta(days=rng.randint(1, 6)) + dt.timedelta(hours=rng.randint(0, 8))
                elif roll < 0.7:  # today
                    due = morning + dt.timedelta(hours=rng.randint(0, 9), minutes=rng.choice([0, 30]))
                else:  # the next three weeks
                    due = morning + dt.timedelta(days=rng.randint(1, 21), hours=rng.randint(0, 8))
                services.plan_activity(rep, kind=kind, subject=subject, due_at=due, duration_minutes=minutes,
                                       remind_minutes_before=rng.choice([None, 15, 30, 60]) if due > now else None,
                                       **links)
        made += 1
    return made


# --- pipeline -------------------------------------------------------------------------------------
# Opportunities for the demo reps' own customers across every stage of the default pipeline,
# written through ``kehu.sales.pipeline`` (the same checks, stage history and audit as real work:
# a hundred-odd deals, not a bulk load), then their histories spread over the last months so time
# in stage, the board and the forecast look lived-in.

DEMO_DEALS = ["年度采购框架协议", "门店厨电升级", "春节礼品团购", "员工福利采购", "新店开业套餐", "售后服务延保",
              "会员积分商城合作", "酒店客房小家电", "学校食堂设备", "写字楼茶水间", "连锁餐饮厨房改造", "电商旗舰店备货"]
DEMO_COMPETITORS = ["美的", "苏泊尔", "九阳", "小米"]


def seed_opportunities(n: int = 120, *, seed: int = 42) -> int:
    """About ``n`` opportunities for demo customers across every stage of the default pipeline
    (lines from the product list, competitors, lost reasons, won ones mostly with their order).
    Does nothing if opportunities exist. Returns how many were made."""
    from decimal import Decimal

    from kehu.customers.models import Customer
    from kehu.orders.models import Product
    from kehu.sales import pipeline as services
    from kehu.sales.models import Competitor, LostReason, Opportunity, PipelineStage

    if Opportunity.objects.exists() or not Customer.objects.exists():
        return 0
    rng = random.Random(seed)
    User = get_user_model()
    reps = list(User.objects.filter(groups__name="sales", is_active=True).order_by("pk")) or list(
        User.objects.filter(is_superuser=True, is_active=True).order_by("pk")[:1])
    if not reps:
        return 0
    pipeline = services.default_pipeline()
    stages = list(pipeline.stages.order_by("position", "pk"))
    open_stages = [s for s in stages if s.kind == PipelineStage.Kind.OPEN]
    won = next((s for s in stages if s.kind == PipelineStage.Kind.WON), None)
    lost = next((s for s in stages if s.kind == PipelineStage.Kind.LOST), None)
    reasons = list(LostReason.objects.filter(active=True).order_by("position", "pk"))
    products = list(Product.objects.filter(is_active=True).order_by("pk")[:200])
    competitors = [Competitor.objects.get_or_create(name=name)[0] for name in DEMO_COMPETITORS]
    anyone = list(Customer.objects.filter(merged_into__isnull=True).order_by("pk").values_list("pk", flat=True)[:5000])
    theirs = {rep.pk: list(Customer.objects.filter(owner=rep, merged_into__isnull=True).order_by("pk")
                           .values_list("pk", flat=True)[:500]) for rep in reps}
    # midnight, so the same seed on the same day gives the same data
    now = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    today = now.date()
    made = 0
    for i in range(n):
        rep = reps[i % len(reps)]
        customer = Customer.objects.get(pk=rng.choice(theirs[rep.pk] or anyone))
        # where it ends: mostly open (spread over the open stages), a fifth won, a sixth lost
        roll = rng.random()
        if roll < 0.2 and won is not None:
            path, end = open_stages, won
        elif roll < 0.37 and lost is not None and reasons:
            path, end = open_stages[:rng.randint(1, len(open_stages))], lost
        else:
            path, end = open_stages[:rng.randint(1, len(open_stages))], None
        lines = [{"product": p, "quantity": rng.choice([1, 2, 5, 10, 20, 50])}
                 for p in rng.sample(products, k=min(len(products), rng.randint(1, 3)))] if products else []
        amount = 0 if lines else Decimal(rng.randrange(5_000, 500_000, 100))
        with transaction.atomic():
            opportunity = services.create_opportunity(
                rep, customer=customer, name=f"{customer.display_name} · {rng.choice(DEMO_DEALS)}", amount=amount,
                expected_close=today + dt.timedelta(days=rng.randint(-10, 150)), pipeline=pipeline, stage=path[0],
                owner=rep, lines=lines)
            if rng.random() < 0.4:
                opportunity = services.update_opportunity(rep, opportunity, expected_version=opportunity.version,
                                                          competitors=rng.sample(competitors, k=rng.randint(1, 2)))
            for stage in path[1:]:
                opportunity = services.move_stage(rep, opportunity, stage, expected_version=opportunity.version)
            if end is won:
                opportunity = services.win(rep, opportunity, expected_version=opportunity.version,
                                           create_order=rng.random() < 0.7)
            elif end is lost:
                opportunity = services.move_stage(rep, opportunity, lost, expected_version=opportunity.version,
                                                  lost_reason=rng.choice(reasons))
            _seed_opportunities_age(opportunity, rng, now)
        made += 1
    return made


def _seed_opportunities_age(opportunity, rng, now) -> None:
    """Spread one demo opportunity's history back in time: 3 to 30 days per stage, ending today
    for an open one (still in its stage) or a little while ago for a closed one."""
    from kehu.orders.models import Order
    from kehu.sales.models import Opportunity, StageChange

    changes = list(StageChange.objects.filter(opportunity=opportunity).order_by("at", "pk"))
    days = [rng.randint(3, 30) for _ in changes]
    closed = opportunity.closed_at is not None
    # the last move: a little while ago for a closed one; for an open one, it has been in its stage days[-1] days
    last = now - dt.timedelta(days=rng.randint(0, 20) if closed else days[-1], hours=rng.randint(0, 8))
    moments = [last]
    for spent in reversed(days[:-1]):  # each earlier stage lasted its ``spent`` days
        moments.append(moments[-1] - dt.timedelta(days=spent, hours=rng.randint(0, 8)))
    moments.reverse()
    previous = None
    for change, moment in zip(changes, moments, strict=True):
        change.at = moment
        change.seconds_in_from = int((moment - previous).total_seconds()) if previous is not None else None
        previous = moment
    StageChange.objects.bulk_update(changes, ["at", "seconds_in_from"])
    updates = {"created_at": moments[0], "stage_entered_at": moments[-1]}
    if closed:
        updates["closed_at"] = moments[-1]
        updates["expected_close"] = timezone.localtime(moments[-1]).date()
        if opportunity.order_id:
            Order.objects.filter(pk=opportunity.order_id).update(ordered_at=moments[-1])
    Opportunity.objects.filter(pk=opportunity.pk).update(**updates)


# --- insight --------------------------------------------------------------------------------------
# Referral chains among the demo customers ("law of 250"): a few dozen introducers whose referrals
# refer others in turn, several levels deep — each new referral picks an introducer already in a
# chain with a preference for those who have referred before (the well-connected bring most), and
# an introducer always joined before the customer they bring (so the graph has no loops). Referred
# customers get the referral acquisition source. Then the lead score is trained on the leads'
# history, so its page and every open lead's score are there on a fresh install.

REFERRAL_POOL = 20_000  # the oldest demo customers the chains are drawn from
REFERRAL_SHARE = 0.12  # of them, how many were referred by another
REFERRAL_ROOTS = 40  # introducers who start a chain
REFERRAL_MAX_DEPTH = 7


def seed_sales_history(*, seed: int = 42, train: bool = True) -> dict:
    """Referral chains among demo customers (``referred_by``, several levels deep) and a trained
    lead score. The chains are drawn once: when a good share of the pool already has a referrer
    (a second run), they are left as they are. Returns what it made."""
    from kehu.customers.models import Customer
    from kehu.sales.lead_scoring import train_lead_score

    made = {"referrals": 0, "deepest": 0, "introducers": 0, "lead_score": None}
    pool = list(Customer.objects.filter(merged_into__isnull=True).order_by("created_at", "pk")
                .values_list("pk", "referred_by_id")[:REFERRAL_POOL])
    already = sum(1 for _pk, referrer in pool if referrer is not None)
    if len(pool) >= 10 and already < REFERRAL_SHARE * len(pool) / 2:
        links = _seed_history_chains([pk for pk, referrer in pool if referrer is None], random.Random(seed))
        with transaction.atomic():
            Customer.objects.bulk_update(
                [Customer(pk=child, referred_by_id=parent, acquisition_source="referral") for child, parent, _d in links],
                ["referred_by", "acquisition_source"], batch_size=1000)
        made.update(referrals=len(links), deepest=max((d for _c, _p, d in links), default=0),
                    introducers=len({p for _c, p, _d in links}))
    if train:
        made["lead_score"] = train_lead_score(None).kind
    return made


def _seed_history_chains(ids: list[int], rng: random.Random) -> list[tuple[int, int, int]]:
    """(child, referrer, depth) links over ``ids`` (oldest first): ``REFERRAL_ROOTS`` early
    customers start chains; each referral is brought by a root (more likely one who has already
    referred many: the well-connected few) or by a recent member of a chain, down to
    ``REFERRAL_MAX_DEPTH`` levels."""
    early = ids[: max(REFERRAL_ROOTS, len(ids) // 5)]
    roots = sorted(rng.sample(early, k=min(REFERRAL_ROOTS, len(early))))
    root_set = set(roots)
    depth = dict.fromkeys(roots, 0)
    children = dict.fromkeys(roots, 0)
    joined, members, links = [], [], []  # roots that joined so far; chain members who may refer
    for pk in ids:
        if pk in root_set:
            joined.append(pk)
            continue
        if not joined or rng.random() >= REFERRAL_SHARE:
            continue
        if not members or rng.random() < 0.4:
            parent = rng.choices(joined, [1 + 3 * children[r] for r in joined])[0]
        else:
            parent = rng.choice(members[-2000:])
        depth[pk], children[pk] = depth[parent] + 1, 0
        children[parent] += 1
        if depth[pk] < REFERRAL_MAX_DEPTH:
            members.append(pk)
        links.append((pk, parent, depth[pk]))
    return links
