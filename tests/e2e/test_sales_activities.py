"""End-to-end: a sales rep's day in Chinese.

The rep opens "My day" (Simplified Chinese UI): the overdue call comes first, in red, with the
counts in the heading; they complete it with an outcome in the row (htmx swaps the row, the counts
follow) and the customer's timeline shows the call as an interaction. The calendar's week view
shows the planned meeting (day headers in Chinese, today marked), the month view and the
subscription page pass axe-core, and the subject full of markup never runs.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from kehu.customers.models import Interaction
from kehu.sales import activities as services
from kehu.sales.models import Activity
from tests.e2e.helpers import WCAG_TAGS, assert_accessible, login

pytestmark = pytest.mark.e2e

XSS = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'


def _inert(page):
    assert page.evaluate("window.pwned") is None, page.url
    assert page.locator("script:text('window.pwned')").count() == 0, page.url


def _panel_accessible(page):
    """axe-core on the activities panel alone (the rest of the customer page is other apps')."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context="[data-activity-panel]", options={
        "runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    assert results.violations_count == 0, results.generate_report()


def _zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


@pytest.fixture
def day(live_server, make_user, make_customer, team, settings):
    settings.KEHU_PUBLIC_URL = live_server.url
    rep = make_user("sales", team=team, username="li.xiaoshou")
    customer = make_customer(rep, family_name="张", given_name="伟", phone="13912345678", owner=rep, team=team)
    now = timezone.now()
    overdue = services.plan_activity(rep, kind="call", subject="回访张伟" + XSS, notes=XSS, customer=customer,
                                     due_at=now - dt.timedelta(days=2))
    later = services.plan_activity(rep, kind="call", subject="问报价", customer=customer,
                                   due_at=services.day_bounds(now)["end_of_today"] + dt.timedelta(days=1, hours=3))
    morning = timezone.localtime(now).replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    meeting = services.plan_activity(rep, kind="meeting", subject="方案讨论会", customer=customer, due_at=morning,
                                     duration_minutes=60, remind_minutes_before=30)
    return {"rep": rep, "customer": customer, "overdue": overdue, "later": later, "meeting": meeting}


def test_a_reps_day_in_chinese(page, shot, day):
    rep, customer, overdue = day["rep"], day["customer"], day["overdue"]
    login(page, rep)
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # My day: the overdue call first, marked, counts in the heading
    page.goto("/sales/my-day/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(_zh("My day"))
    expect(page.locator("#day-counts")).to_be_visible()
    rows = page.locator("ol.activities > li")
    expect(rows.first).to_have_id(f"activity-{overdue.pk}")
    expect(rows.first).to_have_class("overdue")
    expect(rows.first.locator(".a-subject")).to_have_text("回访张伟" + XSS)
    expect(page.locator("#count-overdue")).to_have_text("(1)")
    _inert(page)
    assert_accessible(page, "my day in Chinese")
    shot(page, "my-day")

    # complete it in the row: the row turns done without a page load, the counts follow
    row = page.locator(f"#activity-{overdue.pk}")
    row.locator("select").select_option("interested")
    row.locator("input[name=note]").fill("想要样品，下周寄" + XSS)
    page.evaluate("window.notReloaded = true")
    row.get_by_role("button").click()
    expect(page.locator(f"#activity-{overdue.pk}")).to_have_class("done")
    expect(page.locator(f"#activity-{overdue.pk} [role=status]")).to_be_visible()
    expect(page.locator("#count-overdue")).to_have_text("(0)")
    assert page.evaluate("window.notReloaded") is True  # htmx swapped the row in place
    _inert(page)
    shot(page, "my-day-done")
    done = Activity.objects.get(pk=overdue.pk)
    assert done.outcome == "interested" and done.interaction is not None
    assert Interaction.objects.filter(customer=customer).count() == 1

    # the customer's page: the activities panel (in the sales panel, loaded by htmx), and the
    # timeline with the call on it
    page.goto(f"/customers/{customer.pk}/")
    panel = page.locator("[data-activity-panel]")
    expect(panel.locator(f"#activity-{overdue.pk}")).to_have_class("done")
    expect(panel.locator(f"#activity-{day['meeting'].pk}")).to_be_visible()
    _panel_accessible(page)
    page.locator("#tab-t").click()
    event = page.locator("#timeline li.kind-interaction")
    expect(event).to_have_count(1)
    expect(event).to_contain_text("回访张伟" + XSS)
    expect(event).to_contain_text("想要样品，下周寄" + XSS)
    _inert(page)
    shot(page, "timeline")

    # the calendar's week view has the planned meeting, in the week of its day
    page.goto("/sales/my-day/")
    page.locator("nav.subnav").get_by_role("link", name=_zh("Calendar"), exact=True).click()
    expect(page.locator("table.calendar thead th").first).to_contain_text("星期一")
    meeting_day = timezone.localdate(day["meeting"].due_at)
    if meeting_day.isocalendar()[:2] != timezone.localdate().isocalendar()[:2]:
        page.locator("a[rel=next]").click()
    cell = page.locator(f'td[data-date="{meeting_day.isoformat()}"]')
    expect(cell.get_by_role("link", name="方案讨论会")).to_be_visible()
    if meeting_day.isocalendar()[:2] == timezone.localdate().isocalendar()[:2]:
        expect(page.locator("td[aria-current=date]")).to_have_attribute("data-date", timezone.localdate().isoformat())
    _inert(page)
    assert_accessible(page, "the calendar's week view")
    shot(page, "calendar-week")

    page.locator("nav.subnav").get_by_role("link", name=_zh("Month"), exact=True).click()
    expect(page).to_have_url(re.compile(r"view=month"))
    expect(page.locator("td[aria-current=date]")).to_have_count(1)
    expect(page.locator("table.calendar caption")).to_contain_text("年")
    _inert(page)
    assert_accessible(page, "the calendar's month view")
    shot(page, "calendar-month")

    # the meeting's page and the subscription page
    cell_link = f"/sales/activities/{day['meeting'].pk}/"
    page.goto(cell_link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("方案讨论会")
    assert_accessible(page, "an activity's page")
    page.goto("/sales/calendar/subscription/")
    expect(page.locator("#feed-url")).to_have_value(re.compile(r"/sales/calendar/[\w-]{40,}\.ics$"))
    assert_accessible(page, "the subscription page")
    shot(page, "subscription")


def test_logging_a_call_from_the_form_without_javascript_help(page, shot, day):
    login(page, day["rep"])
    page.goto(f"/sales/activities/new/?customer={day['customer'].pk}&kind=call&done=1&next=/sales/my-day/")
    assert_accessible(page, "the activity form")
    page.get_by_label("Subject").fill("客户来电咨询" + XSS)
    expect(page.get_by_label("Already done (log it)")).to_be_checked()
    page.get_by_label("Outcome").select_option("follow_up")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{page.url.split('/sales/')[0]}/sales/my-day/")
    expect(page.locator(".messages")).to_contain_text("客户来电咨询")
    _inert(page)
    logged = Activity.objects.get(subject="客户来电咨询" + XSS)
    assert logged.done_at and logged.interaction.customer == day["customer"]
    shot(page, "logged")
