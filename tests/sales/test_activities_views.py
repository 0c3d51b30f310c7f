"""Activity pages: my day (overdue first, oldest first; then today, the next 7 days, undated to-dos;
counts in the heading; a fixed number of queries), the quick completion (htmx partial and plain
form), planning and logging from the form, the calendar's week and month in Asia/Shanghai with
Chinese labels, the activities panel, visibility (404) and inert user text."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kehu.customers.models import Interaction
from kehu.sales import activities as services
from kehu.sales.models import Activity
from tests.sales import conftest_activities
from tests.sales.conftest_activities import at, client_for

pytestmark = pytest.mark.django_db
crew = conftest_activities.crew  # the shared fixture
XSS = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


def ids_in(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li id="activity-(\d+)"', html)]


def plan(actor, due_at, **kw):
    kw.setdefault("kind", "call")
    kw.setdefault("subject", "回访")
    return services.plan_activity(actor, due_at=due_at, **kw)


@pytest.fixture
def day(crew):
    """The rep's activities around now: two overdue, one later today, one in three days, one in
    ten days, an undated to-do, a done call; the mate's overdue call."""
    b = services.day_bounds()
    now, end = b["now"], b["end_of_today"]
    return {
        "old": plan(crew.rep, now - dt.timedelta(days=3), subject="三天前该打的电话", customer=crew.customer),
        "recent": plan(crew.rep, now - dt.timedelta(minutes=30), subject="半小时前"),
        "today": plan(crew.rep, now + (end - now) / 2, kind="meeting", subject="今天的会"),
        "soon": plan(crew.rep, end + dt.timedelta(days=2), kind="visit", subject="后天拜访"),
        "later": plan(crew.rep, end + dt.timedelta(days=10), subject="十天后"),
        "undated": services.plan_activity(crew.rep, kind="todo", subject="整理名片"),
        "done": services.log_activity(crew.rep, kind="call", subject="已打", customer=crew.customer),
        "mates": plan(crew.mate, now - dt.timedelta(days=1), subject="同事的"),
    }


def test_my_day_lists_overdue_first_oldest_first_then_today_then_the_week(crew, day):
    response = client_for(crew.rep).get("/sales/my-day/")
    assert response.status_code == 200
    html = response.content.decode()
    assert ids_in(html) == [day[k].pk for k in ("old", "recent", "today", "soon", "undated")]
    assert "2 overdue · 1 today · 1 in the next 7 days" in re.sub(r"\s+", " ", html)
    assert 'class="overdue"' in html and "十天后" not in html and "同事的" not in html and "已打" not in html
    assert html.count("id=\"day-counts\"") == 1 and "hx-swap-oob" not in html


def test_my_day_runs_a_fixed_number_of_queries(crew, day):
    client = client_for(crew.rep)
    client.get("/sales/my-day/")  # warm the session and permission caches
    with CaptureQueriesContext(connection) as few:
        client.get("/sales/my-day/")
    now = timezone.now()
    for i in range(60):  # many more rows in every section, each with a customer
        plan(crew.rep, now - dt.timedelta(hours=i + 1), customer=crew.customer, subject=f"c{i}")
        plan(crew.rep, services.day_bounds()["end_of_today"] + dt.timedelta(hours=i), opportunity=crew.opportunity)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/sales/my-day/")
    assert len(many) == len(few) <= 12, [q["sql"] for q in many.captured_queries]
    html = response.content.decode()
    assert len(ids_in(html)) == 50 + 1 + 50 + 1  # each section stops at 50
    more = re.search(r'href="(/sales/my-day/\?section=overdue&amp;after=[^"]+)"', html).group(1)
    rest = client.get(more.replace("&amp;", "&")).content.decode()
    assert len(ids_in(rest)) == 62 - 50  # the overdue ones after the first 50


def test_quick_completion_by_htmx_returns_the_done_row_and_the_counts(crew, day):
    call = day["old"]
    response = client_for(crew.rep).post(f"/sales/activities/{call.pk}/complete/", {
        "outcome": "interested", "note": "要报价", "version": call.version, "counts": "1", "next": "/sales/my-day/"},
        HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<li id="activity-{call.pk}" class="done"') and 'role="status"' in html
    assert 'id="day-counts" class="day-counts" hx-swap-oob="true">1 overdue' in html
    assert 'id="count-overdue" class="count" hx-swap-oob="true">(1)' in html
    [interaction] = Interaction.objects.filter(customer=crew.customer, subject="三天前该打的电话")
    assert interaction.notes.startswith("Interested: 要报价")


def test_quick_completion_without_javascript_goes_back_to_my_day(crew, day):
    client = client_for(crew.rep)
    call = day["recent"]
    response = client.post(f"/sales/activities/{call.pk}/complete/", {
        "outcome": "no_answer", "version": call.version, "next": "/sales/my-day/"})
    assert response.status_code == 302 and response["Location"] == "/sales/my-day/"
    assert Activity.objects.get(pk=call.pk).outcome == "no_answer"
    # a stale form (the old version) is refused with a message, nothing written twice
    again = client.post(f"/sales/activities/{call.pk}/complete/", {"outcome": "done", "version": call.version,
                                                                    "next": "https://evil.example/"}, follow=True)
    assert again.redirect_chain[-1][0] == f"/sales/activities/{call.pk}/"
    assert "changed by someone else" in again.content.decode()
    assert Activity.objects.get(pk=call.pk).outcome == "no_answer"


@pytest.mark.parametrize("who", ["mate", "stranger"])
def test_another_reps_activity_is_a_404_everywhere(crew, day, who):
    client, call = client_for(getattr(crew, who)), day["old"]
    assert client.get(f"/sales/activities/{call.pk}/").status_code == 404
    for action in ("complete", "reopen", "delete"):
        assert client.post(f"/sales/activities/{call.pk}/{action}/", {"outcome": "done"}).status_code == 404
    assert Activity.objects.get(pk=call.pk).done_at is None
    own = [day["mates"].pk] if who == "mate" else []
    assert ids_in(client.get("/sales/activities/").content.decode()) == own


def test_the_manager_sees_and_completes_their_peoples_activities(crew, day):
    client = client_for(crew.manager)
    assert client.get(f"/sales/activities/{day['old'].pk}/").status_code == 200
    response = client.post(f"/sales/activities/{day['old'].pk}/complete/", {"outcome": "done"})
    assert response.status_code == 302 and Activity.objects.get(pk=day["old"].pk).done_at is not None


def test_planning_and_logging_from_the_form(crew):
    client = client_for(crew.rep)
    page = client.get(f"/sales/activities/new/?customer={crew.customer.pk}&kind=call&done=1")
    assert page.status_code == 200 and "For the customer 张伟" in page.content.decode()
    response = client.post("/sales/activities/new/", {
        "kind": "call", "subject": "电话回访", "customer": crew.customer.pk, "done": "on", "outcome": "interested",
        "outcome_note": "下周见面", "next": f"/customers/{crew.customer.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/customers/{crew.customer.pk}/"
    logged = Activity.objects.get(subject="电话回访")
    assert logged.done_at and logged.interaction.customer == crew.customer
    when = timezone.localtime(timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/sales/activities/new/", {
        "kind": "meeting", "subject": "方案会", "due_at": when, "duration_minutes": "90",
        "remind_minutes_before": "30", "opportunity": crew.opportunity.pk})
    planned = Activity.objects.get(subject="方案会")
    assert response.status_code == 302 and response["Location"] == f"/sales/activities/{planned.pk}/"
    assert (planned.opportunity, planned.duration_minutes, planned.remind_minutes_before) == (crew.opportunity, 90, 30)
    # someone else's customer: the form says so, nothing is written
    refused = client.post("/sales/activities/new/", {"kind": "call", "subject": "x", "due_at": when,
                                                     "customer": crew.strangers_customer.pk})
    assert refused.status_code == 422 and "No such customer" in refused.content.decode()
    assert Activity.objects.count() == 2


def test_the_edit_form_refuses_a_stale_version(crew, day):
    client, call = client_for(crew.rep), day["today"]
    when = timezone.localtime(call.due_at).strftime("%Y-%m-%dT%H:%M")
    form = {"kind": "meeting", "subject": "改了", "due_at": when, "version": call.version}
    assert client.post(f"/sales/activities/{call.pk}/", form).status_code == 302
    stale = client.post(f"/sales/activities/{call.pk}/", {**form, "subject": "又改了"})
    assert stale.status_code == 422 and "changed by someone else" in stale.content.decode()
    assert Activity.objects.get(pk=call.pk).subject == "改了"


def test_user_text_is_inert_on_every_page(crew):
    evil = plan(crew.rep, timezone.now() - dt.timedelta(hours=1), subject=XSS, notes=XSS, customer=crew.customer)
    client = client_for(crew.rep)
    for url in ("/sales/my-day/", "/sales/calendar/", "/sales/calendar/?view=month", f"/sales/activities/{evil.pk}/",
                "/sales/activities/"):
        html = client.get(url).content.decode()
        assert XSS not in html and "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html, url


# --- the calendar -------------------------------------------------------------------------------------

def test_a_week_runs_monday_to_sunday_in_shanghai(crew):
    # Wednesday 2026-03-11: the week is Monday 03-09 … Sunday 03-15, Shanghai time
    first = plan(crew.rep, at(2026, 3, 9, 0, 0), subject="周一零点")  # Sunday 16:00 UTC
    last = plan(crew.rep, at(2026, 3, 15, 23, 59), subject="周日深夜")
    plan(crew.rep, at(2026, 3, 8, 23, 59), subject="上周日")
    plan(crew.rep, at(2026, 3, 16, 0, 0), subject="下周一")
    grid = services.calendar_days(crew.rep, view="week", day=dt.date(2026, 3, 11), today=dt.date(2026, 3, 12))
    assert [d.date.isoformat() for d in grid["days"]] == [f"2026-03-{n:02d}" for n in range(9, 16)]
    assert [[a.pk for a in d.activities] for d in grid["days"]] == [[first.pk], [], [], [], [], [], [last.pk]]
    assert [d.is_today for d in grid["days"]] == [False, False, False, True, False, False, False]
    assert (grid["previous"], grid["following"]) == (dt.date(2026, 3, 2), dt.date(2026, 3, 16))


def test_a_month_shows_whole_weeks_and_its_neighbours_days(crew):
    in_feb = plan(crew.rep, at(2026, 2, 28, 23, 59), subject="二月底")
    end_of_march = plan(crew.rep, at(2026, 3, 31, 23, 30), subject="三月底")  # 15:30 UTC
    plan(crew.rep, at(2026, 4, 6, 0, 0), subject="四月六日")
    grid = services.calendar_days(crew.rep, view="month", day=dt.date(2026, 3, 17))
    days = grid["days"]
    assert (days[0].date, days[-1].date, len(grid["weeks"])) == (dt.date(2026, 2, 23), dt.date(2026, 4, 5), 6)
    by_date = {d.date: d for d in days}
    assert [a.pk for a in by_date[dt.date(2026, 2, 28)].activities] == [in_feb.pk]
    assert not by_date[dt.date(2026, 2, 28)].in_range and by_date[dt.date(2026, 3, 1)].in_range
    assert [a.pk for a in by_date[dt.date(2026, 3, 31)].activities] == [end_of_march.pk]
    assert sum(len(d.activities) for d in days) == 2
    assert (grid["previous"], grid["following"]) == (dt.date(2026, 2, 1), dt.date(2026, 4, 1))


def test_the_calendar_page_in_chinese_highlights_today_in_one_query(crew, django_assert_max_num_queries):
    today = timezone.localdate()
    meeting = plan(crew.rep, timezone.now() + dt.timedelta(minutes=1), kind="meeting", subject="方案讨论会")
    client = client_for(crew.rep)
    client.get("/sales/calendar/")
    with django_assert_max_num_queries(8):
        html = client.get("/sales/calendar/?view=month", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<th scope="col">星期一</th>' in html and f"{today.year}年{today.month}月" in html
    cell = re.search(r'<td class="today[^"]*" data-date="([0-9-]+)" aria-current="date">', html)
    assert cell.group(1) == today.isoformat()
    week = client.get("/sales/calendar/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'href="/sales/activities/{meeting.pk}/"' in week and "方案讨论会" in week
    assert f"{today.month}月{today.day}日" in week  # the day headers (MONTH_DAY_FORMAT)


def test_a_manager_picks_a_team_member_and_no_one_else(crew):
    mates = plan(crew.mate, timezone.now() + dt.timedelta(hours=1), subject="同事的会")
    manager = client_for(crew.manager)
    assert "同事的会" in manager.get(f"/sales/calendar/?user={crew.mate.pk}").content.decode()
    assert manager.get(f"/sales/calendar/?user={crew.stranger.pk}").status_code == 404
    rep = client_for(crew.rep)
    assert rep.get(f"/sales/calendar/?user={crew.mate.pk}").status_code == 404
    assert "同事的会" not in rep.get("/sales/calendar/").content.decode()
    assert mates.pk


def test_bad_calendar_dates_fall_back_to_today(crew):
    client = client_for(crew.rep)
    for value in ("2026-02-30", "junk", ""):
        assert client.get(f"/sales/calendar/?date={value}&view=month").status_code == 200


# --- the panel ----------------------------------------------------------------------------------------

def _panel(user, record, path="/sales/leads/1/", **headers):
    from django_htmx.middleware import HtmxDetails

    request = RequestFactory().get(path, **headers)
    request.user = user
    request.htmx = HtmxDetails(request)
    return Template("{% load sales_activities %}{% activity_panel record %}").render(
        Context({"record": record, "request": request, "csrf_token": "t"}))


def test_the_panel_lists_open_first_then_recent_done_ten_at_most(crew):
    now = timezone.now()
    done = [services.log_activity(crew.rep, kind="call", subject=f"done{i}", lead=crew.lead,
                                  done_at=now - dt.timedelta(days=i)) for i in range(1, 4)]
    open_ = [plan(crew.rep, now + dt.timedelta(days=i), subject=f"open{i}", lead=crew.lead) for i in (2, 1)]
    plan(crew.manager, now, subject="同事的", lead=crew.lead, owner=crew.mate)  # the rep may not see it
    html = _panel(crew.rep, crew.lead)
    assert ids_in(html) == [open_[1].pk, open_[0].pk, done[0].pk, done[1].pk, done[2].pk]
    assert 'action="/sales/activities/new/"' in html and f'name="lead" value="{crew.lead.pk}"' in html
    assert 'name="next" value="/sales/leads/1/"' in html
    for i in range(8):
        plan(crew.rep, now + dt.timedelta(days=5 + i), subject=f"more{i}", lead=crew.lead)
    with CaptureQueriesContext(connection) as queries:
        html = _panel(crew.rep, crew.lead)
    assert len(ids_in(html)) == 10 and f'href="/sales/activities/?lead={crew.lead.pk}"' in html
    assert len(queries) <= 6


def test_the_panel_works_for_opportunities_and_customers(crew):
    on_opportunity = plan(crew.rep, timezone.now(), opportunity=crew.opportunity)
    on_customer = plan(crew.rep, timezone.now(), customer=crew.customer)
    assert ids_in(_panel(crew.rep, crew.opportunity)) == [on_opportunity.pk]
    assert ids_in(_panel(crew.rep, crew.customer)) == [on_customer.pk]


def test_the_panel_has_no_form_without_the_add_permission(crew, make_user):
    from django.contrib.auth.models import Permission

    viewer = make_user("service")
    viewer.user_permissions.add(Permission.objects.get(codename="view_activity"))
    viewer = type(viewer).objects.get(pk=viewer.pk)  # fresh permission cache
    html = _panel(viewer, crew.lead)
    assert "activity-panel" in html and "/sales/activities/new/" not in html
    assert "activity-panel" not in _panel(make_user("marketing"), crew.lead)  # no activities at all


def test_a_panel_post_with_an_error_goes_back_with_a_message(crew):
    client = client_for(crew.rep)
    response = client.post("/sales/activities/new/", {"compact": "1", "kind": "call", "subject": "",
                                                      "lead": crew.lead.pk, "next": "/sales/leads/1/"}, follow=False)
    assert response.status_code == 302 and response["Location"] == "/sales/leads/1/"
    assert Activity.objects.count() == 0
    ok = client.post("/sales/activities/new/", {"compact": "1", "kind": "call", "subject": "打电话",
                                                "due_at": "2031-01-02T10:00", "lead": crew.lead.pk,
                                                "next": "/sales/leads/1/"})
    assert ok["Location"] == "/sales/leads/1/" and Activity.objects.get().lead == crew.lead


def test_a_panel_loaded_by_htmx_comes_back_to_the_page_it_is_on(crew):
    plan(crew.rep, timezone.now() + dt.timedelta(hours=1), customer=crew.customer)
    html = _panel(crew.rep, crew.customer, path=f"/sales/customers/{crew.customer.pk}/panel/", HTTP_HX_REQUEST="true",
                  HTTP_HX_CURRENT_URL=f"http://testserver/customers/{crew.customer.pk}/?tab=t")
    assert html.count(f'name="next" value="/customers/{crew.customer.pk}/?tab=t"') == 2  # the row's and the form's
