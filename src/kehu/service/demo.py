"""Demo cases: complaints at every step, enquiries, a few late ones, closed ones with outcomes, so
the queues, the board and the dashboard show something on a fresh install. Written through the
services (the same checks and history as real cases), deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kehu.customers.models import Customer
from kehu.service import services
from kehu.service.models import Case, CaseCategory, FollowUp, Proposal

COMPLAINTS = [
    ("product", "电饭煲用了一周就不加热了", "我买回来才一个星期，今天早上煮饭完全不热，太让人失望了！", "product_defect", "换新"),
    ("delivery", "快递三天还没到", "说好次日达，现在第三天了还没到，也没人告诉我原因。", "logistics", "尽快送到并说明原因"),
    ("staff", "门店店员态度差", "我问了两次价格，店员理都不理，还翻白眼。", "staff", "道歉，并改进服务"),
    ("billing", "多扣了一次款", "同一笔订单银行卡被扣了两次钱。", "billing_error", "退回多扣的钱"),
    ("price", "买完第二天就降价", "昨天买的今天降了两百，感觉被坑了。", "policy", "补差价"),
    ("service", "维修师傅没按约定时间来", "约了上午十点，等到下午三点都没人来。", "service_failure", "重新约时间并补偿"),
]
ENQUIRIES = [("delivery", "能送货到乡镇吗？"), ("product", "这款水壶能不能煮奶？"), ("other", "会员积分怎么查？")]


def seed_cases(n: int = 60, *, seed: int = 42) -> int:
    """About ``n`` cases for demo customers; does nothing if cases exist. Returns how many."""
    if Case.objects.exists() or not Customer.objects.exists():
        return 0
    rng = random.Random(seed)
    User = get_user_model()
    agents = list(User.objects.filter(groups__name="service").order_by("pk")) or list(
        User.objects.filter(is_superuser=True)[:1])
    customers = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[:5000])
    categories = {c.code: c for c in CaseCategory.objects.all()}
    made = 0
    for i in range(n):
        agent = agents[i % len(agents)]
        customer = Customer.objects.get(pk=rng.choice(customers))
        with transaction.atomic():
            if rng.random() < 0.25:
                code, subject = rng.choice(ENQUIRIES)
                case = services.open_case(agent, kind=Case.Kind.ENQUIRY, category=categories[code],
                                          channel=rng.choice(["phone", "wechat", "web"]), subject=subject,
                                          customer=customer, owner=agent)
                if rng.random() < 0.6:
                    services.reply(agent, case, "您好，可以的，详情已发送给您。", send_email=False)
                    case.refresh_from_db()
                    services.advance(agent, case, Case.Stage.CLOSED, expected_version=case.version)
            else:
                code, subject, words, cause, wants = rng.choice(COMPLAINTS)
                case = services.open_case(agent, kind=Case.Kind.COMPLAINT, category=categories[code],
                                          channel=rng.choice(["phone", "store", "email", "web", "wechat"]),
                                          severity=rng.choice(["normal", "normal", "high", "low", "critical"]),
                                          subject=subject, words=words, customer=customer, owner=agent)
                _walk(agent, case, rng.randint(0, 4), cause, wants, rng)
        _age(case, rng)
        made += 1
    return made


def _walk(agent, case: Case, steps: int, cause: str, wants: str, rng: random.Random) -> None:
    """Take a demo complaint ``steps`` steps through the workflow."""
    def move(stage):
        case.refresh_from_db()
        services.advance(agent, case, stage, expected_version=case.version)

    if steps < 1:
        return
    services.reply(agent, case, "非常抱歉给您带来不便，我们已经记录下来，会尽快处理。", send_email=False)
    move(Case.Stage.RECORD)
    if steps < 2:
        return
    case.refresh_from_db()
    services.record_key_points(agent, case, expected_version=case.version, what_happened=case.customer_words,
                               happened_on=timezone.localdate() - dt.timedelta(days=rng.randint(1, 10)),
                               expectation=wants, root_cause=cause)
    move(Case.Stage.PROPOSE)
    if steps < 3:
        return
    if rng.random() < 0.4:
        first = services.propose(agent, case, kind=Proposal.Kind.APOLOGY, description="书面道歉")
        services.answer_proposal(agent, first, accepted=False, customer_wants=wants)
    kind = rng.choice([Proposal.Kind.REFUND, Proposal.Kind.REPLACE, Proposal.Kind.COMPENSATION])
    amount = Decimal(rng.choice([50, 100, 200, 299])) if kind != Proposal.Kind.REPLACE else None
    accepted = services.propose(agent, case, kind=kind, amount=amount, description=wants)
    services.answer_proposal(agent, accepted, accepted=True)
    move(Case.Stage.FOLLOW_UP)
    follow_up = services.schedule_follow_up(agent, case, due_at=timezone.now() + dt.timedelta(days=rng.randint(-2, 5)))
    if steps < 4:
        return
    services.complete_follow_up(agent, follow_up, outcome=rng.choice(["satisfied", "satisfied", "not_satisfied"]),
                                note="已电话回访")
    move(Case.Stage.CLOSED)


def _age(case: Case, rng: random.Random) -> None:
    """Spread the demo cases over the last two months (their clocks shifted alike)."""
    shift = dt.timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 8))
    fields = ["created_at", "first_response_at", "first_response_due", "resolution_due", "resolved_at", "closed_at"]
    case.refresh_from_db()
    updates = {f: getattr(case, f) - shift for f in fields if getattr(case, f) is not None}
    Case.objects.filter(pk=case.pk).update(**updates)
    FollowUp.objects.filter(case=case, done_at__isnull=True).update(due_at=timezone.now() + dt.timedelta(
        days=rng.randint(-2, 5)))
