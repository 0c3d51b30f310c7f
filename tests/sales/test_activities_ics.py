"""iCalendar: the download and the private subscription, read back with the ``icalendar`` library
— one VEVENT per activity in the window, UTC times, stable UIDs, text escaped (commas, semicolons,
newlines, Chinese), alarms for reminders; subscription tokens that a new one revokes, unknown ones
a 404, and never anyone else's activities."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from kehu.privacy.models import AuditEntry
from kehu.sales import activities as services
from kehu.sales import calendar_feed
from kehu.sales.models import Activity, CalendarFeed
from tests.sales import conftest_activities
from tests.sales.conftest_activities import client_for

pytestmark = pytest.mark.django_db
crew = conftest_activities.crew  # the shared fixture
TRICKY = "报价, 样品; 合同\n第二行 — 张伟"


def events(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def agenda(crew, settings):
    settings.KEHU_PUBLIC_URL = "https://crm.example.com"
    now = timezone.now().replace(microsecond=0)
    return {
        "call": services.plan_activity(crew.rep, kind="call", subject=TRICKY, notes="备注: a,b;c\n下一行",
                                       due_at=now + dt.timedelta(days=1), remind_minutes_before=15,
                                       customer=crew.customer),
        "meeting": services.plan_activity(crew.rep, kind="meeting", subject="方案会", due_at=now + dt.timedelta(days=2),
                                          duration_minutes=90, opportunity=crew.opportunity),
        "done": services.log_activity(crew.rep, kind="visit", subject="已拜访", customer=crew.customer,
                                      done_at=now - dt.timedelta(days=3), outcome="interested", outcome_note="要样品"),
        "cancelled": services.complete_activity(
            crew.rep, services.plan_activity(crew.rep, kind="meeting", subject="取消的会",
                                             due_at=now + dt.timedelta(hours=5)), outcome="cancelled"),
        "too_old": services.log_activity(crew.rep, kind="call", subject="太久以前", done_at=now - dt.timedelta(days=120)),
        "too_far": services.plan_activity(crew.rep, kind="call", subject="明年以后", due_at=now + dt.timedelta(days=400)),
        "undated": services.plan_activity(crew.rep, kind="todo", subject="没有日期"),
        "mates": services.plan_activity(crew.mate, kind="call", subject="同事的", due_at=now + dt.timedelta(days=1)),
    }


def test_the_download_reads_back_with_utc_times_escaping_and_alarms(crew, agenda):
    response = client_for(crew.rep).get("/sales/calendar.ics")
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="kehu-activities.ics"'
    found = events(response.content)
    uid = {k: f"activity-{a.pk}@crm.example.com" for k, a in agenda.items()}
    assert set(found) == {uid["call"], uid["meeting"], uid["done"], uid["cancelled"]}

    call = found[uid["call"]]
    assert str(call["SUMMARY"]) == TRICKY
    assert call.decoded("DTSTART") == agenda["call"].due_at and call.decoded("DTSTART").utcoffset() == dt.timedelta(0)
    assert call.decoded("DTEND") - call.decoded("DTSTART") == dt.timedelta(minutes=30)
    description = str(call["DESCRIPTION"])
    assert "Customer: 张伟" in description and "备注: a,b;c\n下一行" in description
    assert (str(call["STATUS"]), str(call["TRANSP"]), int(call["SEQUENCE"])) == ("CONFIRMED", "TRANSPARENT", 1)
    assert str(call["URL"]) == f"https://crm.example.com/sales/activities/{agenda['call'].pk}/"
    [alarm] = call.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -dt.timedelta(minutes=15) and str(alarm["ACTION"]) == "DISPLAY"
    # on the wire: escaped per RFC 5545 and in UTC
    raw = response.content.decode()
    assert "SUMMARY:报价\\, 样品\\; 合同\\n第二行 — 张伟" in raw.replace("\r\n ", "")
    assert f"DTSTART:{agenda['call'].due_at.astimezone(dt.UTC):%Y%m%dT%H%M%S}Z" in raw

    meeting = found[uid["meeting"]]
    assert meeting.decoded("DTEND") - meeting.decoded("DTSTART") == dt.timedelta(minutes=90)
    assert str(meeting["TRANSP"]) == "OPAQUE" and "Opportunity: 年度采购" in str(meeting["DESCRIPTION"])
    done = found[uid["done"]]
    assert not done.walk("VALARM") and "Done: Interested — 要样品" in str(done["DESCRIPTION"])
    assert str(found[uid["cancelled"]]["STATUS"]) == "CANCELLED"


def test_a_managers_download_holds_only_their_own(crew, agenda):
    mine = services.plan_activity(crew.manager, kind="call", subject="经理的", due_at=timezone.now())
    found = events(client_for(crew.manager).get("/sales/calendar.ics").content)
    assert list(found) == [f"activity-{mine.pk}@crm.example.com"]


def test_the_download_needs_a_login(agenda):
    response = Client().get("/sales/calendar.ics")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_subscription_address_works_without_login_and_holds_only_its_owners(crew, agenda):
    token = calendar_feed.feed_of(crew.rep).token
    response = Client().get(f"/sales/calendar/{token}.ics")
    assert response.status_code == 200 and "Content-Disposition" not in response
    uids = set(events(response.content))
    assert len(uids) == 4 and f"activity-{agenda['mates'].pk}@crm.example.com" not in uids
    mates = events(Client().get(f"/sales/calendar/{calendar_feed.feed_of(crew.mate).token}.ics").content)
    assert list(mates) == [f"activity-{agenda['mates'].pk}@crm.example.com"]


@pytest.mark.parametrize("token", ["unknown-token-that-is-not-there", "a" * 64, "x"])
def test_an_unknown_token_is_a_404(crew, agenda, token):
    calendar_feed.feed_of(crew.rep)
    assert Client().get(f"/sales/calendar/{token}.ics").status_code == 404


def test_a_new_address_revokes_the_old_one(crew, agenda):
    client = client_for(crew.rep)
    page = client.get("/sales/calendar/subscription/")
    old = CalendarFeed.objects.get(user=crew.rep).token
    assert page.status_code == 200 and f"https://crm.example.com/sales/calendar/{old}.ics" in page.content.decode()
    assert client.post("/sales/calendar/subscription/").status_code == 302
    new = CalendarFeed.objects.get(user=crew.rep).token
    assert new != old and len(new) >= 40
    assert Client().get(f"/sales/calendar/{old}.ics").status_code == 404
    assert Client().get(f"/sales/calendar/{new}.ics").status_code == 200
    created, entry = AuditEntry.objects.filter(object_type="sales.calendarfeed").order_by("at", "pk")
    assert (created.action, entry.action) == ("create", "update")
    assert old not in str(entry.changes) and new not in str(entry.changes)


def test_a_deactivated_users_address_stops_working(crew, agenda):
    token = calendar_feed.feed_of(crew.rep).token
    crew.rep.is_active = False
    crew.rep.save()
    assert Client().get(f"/sales/calendar/{token}.ics").status_code == 404


def test_the_feed_costs_the_same_queries_for_many_activities(crew, agenda, django_assert_max_num_queries):
    token = calendar_feed.feed_of(crew.rep).token
    now = timezone.now()
    Activity.objects.bulk_create([Activity(owner=crew.rep, kind="call", subject=f"c{i}", customer=crew.customer,
                                           due_at=now + dt.timedelta(hours=i)) for i in range(200)])
    # the rate limit's cache (up to 5), the token, the permission check (2), the activities (1)
    with django_assert_max_num_queries(10):
        body = Client().get(f"/sales/calendar/{token}.ics").content
    assert len(events(body)) == 204
