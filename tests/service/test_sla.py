"""SLA clocks on the business calendar: weekends, China's public holidays and make-up working days
(调休), company overrides, years the official calendar does not know; which policy a case gets;
breaches flagged and notified once."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kehu.service import sla
from kehu.service.calendar import Calendar
from kehu.service.models import Case, CaseCategory, Holiday, SlaPolicy
from kehu.service.services import open_case, reply

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, mo, d, h=0, mi=0):
    return dt.datetime(y, mo, d, h, mi, tzinfo=SHANGHAI)


def test_minutes_run_only_in_opening_hours():
    cal = Calendar()
    # Tuesday 2026-03-10 17:00 + 120 business minutes: 60 today, 60 from Wednesday 09:00
    assert cal.add(at(2026, 3, 10, 17), 120) == at(2026, 3, 11, 10)
    # before opening: the clock starts at 09:00
    assert cal.add(at(2026, 3, 10, 6, 30), 30) == at(2026, 3, 10, 9, 30)
    # Friday evening → Monday morning
    assert cal.add(at(2026, 3, 13, 17, 30), 60) == at(2026, 3, 16, 9, 30)


def test_national_day_week_and_its_make_up_working_day():
    cal = Calendar()
    # 2026-09-30 (Wed) 17:00 + 2 h: Oct 1–7 are holidays, Oct 8 (Thu) opens
    assert cal.add(at(2026, 9, 30, 17), 120) == at(2026, 10, 8, 10)
    # Saturday 2026-10-10 is a make-up working day (调休): the clock runs
    assert cal.is_workday(dt.date(2026, 10, 10))
    assert cal.add(at(2026, 10, 9, 17), 120) == at(2026, 10, 10, 10)
    # Spring Festival: 2026-02-16 … 02-23 closed, Saturday 02-14 open
    assert not cal.is_workday(dt.date(2026, 2, 17)) and cal.is_workday(dt.date(2026, 2, 14))


def test_overrides_and_unknown_years():
    cal = Calendar(overrides={dt.date(2026, 3, 11): False, dt.date(2026, 3, 14): True})
    assert cal.add(at(2026, 3, 10, 17), 120) == at(2026, 3, 12, 10)  # a company holiday on Wednesday
    assert cal.is_workday(dt.date(2026, 3, 14))  # an extra Saturday
    # 2031 is not in the official calendar yet: Monday to Friday
    assert Calendar().is_workday(dt.date(2031, 10, 1)) and not Calendar().is_workday(dt.date(2031, 10, 4))
    # a centre open on Saturdays still closes on a public holiday that falls on one
    weekend = Calendar(saturday=True)
    assert weekend.is_workday(dt.date(2026, 3, 14)) and not weekend.is_workday(dt.date(2026, 10, 3))


def test_business_minutes_between():
    cal = Calendar()
    assert cal.minutes_between(at(2026, 3, 13, 17), at(2026, 3, 16, 10)) == 120
    assert cal.minutes_between(at(2026, 3, 13, 10), at(2026, 3, 13, 9)) == 0


@pytest.mark.django_db
def test_the_most_specific_then_the_strictest_policy_wins():
    normal = SlaPolicy.objects.get(name="Normal")
    vip = SlaPolicy.objects.get(name="VIP (tier A)")
    assert sla.policy_for("normal", None) == normal
    assert sla.policy_for("normal", "A") == vip  # VIPs get the stricter one
    assert sla.policy_for("critical", "A") == vip  # as quick to resolve, quicker to answer
    SlaPolicy.objects.filter(name="Critical").update(resolution_minutes=240)
    assert sla.policy_for("critical", "A").name == "Critical"  # now the stricter one
    both = SlaPolicy.objects.create(name="VIP critical", severity="critical", tier="A", first_response_minutes=15,
                                    resolution_minutes=120)
    assert sla.policy_for("critical", "A") == both


@pytest.mark.django_db
def test_due_times_are_stored_when_a_case_opens_and_follow_holidays(admin, make_customer):
    Holiday.objects.create(date=dt.date(2031, 6, 2), name="Company day")
    customer = make_customer(admin)
    case = open_case(admin, kind=Case.Kind.COMPLAINT, category=CaseCategory.objects.get(code="product"),
                     channel=Case.Channel.PHONE, subject="坏了", words="收到的水壶是坏的", customer=customer)
    assert case.sla_policy.name == "Normal" and case.first_response_due and case.resolution_due
    sla.apply_policy(case, since=at(2031, 5, 30, 17))  # Friday 17:00, Monday a company holiday
    assert case.first_response_due == at(2031, 6, 3, 12)  # 60 min Friday, 180 min Tuesday


@pytest.mark.django_db
def test_breaches_are_flagged_listed_and_mailed_once(admin, make_user, smtp_server):
    agent = make_user("service")
    agent.email = "agent@example.com"
    agent.save()
    category = CaseCategory.objects.get(code="delivery")
    late = open_case(admin, kind=Case.Kind.ENQUIRY, category=category, channel=Case.Channel.PHONE,
                     subject="where is my parcel", contact_phone="+8613800000000", owner=agent)
    on_time = open_case(admin, kind=Case.Kind.ENQUIRY, category=category, channel=Case.Channel.PHONE,
                        subject="opening hours", contact_phone="+8613800000001", owner=agent)
    reply(agent, on_time, "We open at 9.", send_email=False)  # answered in time: its due time is hours away
    Case.objects.filter(pk=late.pk).update(first_response_due=timezone.now() - dt.timedelta(minutes=5))
    assert sla.refresh_breaches() == [late.pk]
    late.refresh_from_db()
    assert late.first_response_breached and not late.resolution_breached and late.breach_notified_at
    [mail] = smtp_server.to("agent@example.com")
    assert late.reference in mail["Subject"]
    assert sla.refresh_breaches() == [] and len(smtp_server.messages) == 1  # once
    Case.objects.filter(pk=on_time.pk).update(  # had it been due an hour before the answer: late
        first_response_due=timezone.now() - dt.timedelta(hours=1))
    sla.refresh_breaches()
    on_time.refresh_from_db()
    assert on_time.first_response_breached
