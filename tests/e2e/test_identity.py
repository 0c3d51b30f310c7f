"""End-to-end: finding duplicate customers, merging them and undoing it, as users click through it.

A scan over a small file of people (three of them entered twice through other channels) fills the
review queue; a manager compares and merges a pair; a sales rep and a service agent get the
"possible duplicate" warning while typing a customer in; the queue is shown in Simplified Chinese.
"""

import datetime as dt
import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from kehu.customers.models import ChannelIdentity, Customer
from kehu.identity import services
from kehu.identity.models import DuplicateCandidate, Merge, NotDuplicate
from tests.e2e.helpers import assert_accessible, login
from tests.identity.people import PEOPLE

pytestmark = pytest.mark.e2e



@pytest.fixture
def crm(live_server, make_user, make_customer, team):
    """Team East: a sales rep owning nine customers (three entered twice), its manager, a service
    agent; one duplicate scan has run."""
    rep = make_user("sales", team=team, username="li.na")
    manager = make_user("manager", team=team, is_manager=True, username="wang.jun")
    agent = make_user("service", username="zhou.kefu")
    people = {key: make_customer(rep, **data) for key, data in PEOPLE}
    run = services.request_scan(None, enqueue=False)
    run = services.execute_scan(run.pk)
    assert run.status == "done"
    return {"rep": rep, "manager": manager, "agent": agent, "people": people}


def _open_pairs(order):
    return [f"pair-{pk}" for pk in DuplicateCandidate.objects.filter(status="open")
            .order_by(order, "id").values_list("pk", flat=True)]


def _queue_rows(page):
    return page.locator("main table tbody tr")


def _shown_pairs(page):
    return [row.get_attribute("data-testid") for row in _queue_rows(page).all()]


def _shown_percentages(page):
    return [float(text.rstrip("%")) for text in _queue_rows(page).locator("td.num").all_inner_texts()]


def _zhang_pair(page):
    return _queue_rows(page).filter(has_text="张伟").filter(has_text="Zhang Wei")


def test_manager_merges_a_pair_from_the_queue_and_undoes_it(page, shot, crm):
    zhang, web = crm["people"]["zhang"], crm["people"]["zhang_web"]
    assert zhang.pk < web.pk  # the pair's record "a" is 张伟, "b" is Zhang Wei
    candidate = DuplicateCandidate.objects.get(customer_a=zhang, customer_b=web, status="open")
    login(page, crm["manager"])

    # the queue, most likely first
    page.locator("header nav").get_by_role("link", name="Duplicates", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Possible duplicates")).to_be_visible()
    expect(page.locator("header nav a[aria-current=page]")).to_have_text("Duplicates")
    expect(page.get_by_test_id("last-scan")).to_contain_text("Last scan")
    expected = _open_pairs("-probability")
    assert len(expected) >= 3
    expect(_queue_rows(page)).to_have_count(len(expected))
    assert _shown_pairs(page) == expected
    percentages = _shown_percentages(page)
    assert percentages == sorted(percentages, reverse=True)
    header = page.get_by_role("columnheader", name="Match probability")
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(_zhang_pair(page).locator(".evidence")).to_contain_text("same pinyin")
    shot(page, "queue")
    assert_accessible(page, "the review queue")

    # click the header: least likely first
    header.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=probability\b"))
    expect(page.get_by_role("columnheader", name="Match probability")).to_have_attribute(
        "aria-sort", "ascending")
    assert _shown_pairs(page) == _open_pairs("probability") != expected
    percentages = _shown_percentages(page)
    assert percentages == sorted(percentages)
    shot(page, "queue-ascending")

    # side by side, with the evidence per field
    _zhang_pair(page).get_by_role("link", name="Compare").click()
    expect(page).to_have_url(re.compile(rf"/duplicates/{candidate.pk}/$"))
    expect(page.get_by_role("heading", level=1, name="Compare customers")).to_be_visible()
    evidence = page.locator("section[aria-labelledby=evidence-title] .evidence li")
    expect(evidence.locator(".evidence-field")).to_have_text(["Name", "Phone", "Date of birth"])
    expect(evidence.nth(0)).to_contain_text("same pinyin")
    expect(evidence.nth(1)).to_contain_text("one digit off")
    expect(evidence.nth(2)).to_contain_text("same")
    for item in evidence.all():  # all three count for the pair being one person
        expect(item).to_have_class("evidence-for")
    form = page.locator("#merge-form")
    expect(form.get_by_role("columnheader")).to_have_text(
        ["Field", f"张伟 #{zhang.pk}", f"Zhang Wei #{web.pk}"])
    name_row = form.locator("tbody tr", has=page.get_by_role("rowheader", name="Name", exact=True))
    expect(name_row).to_have_class("differs")
    # Zhang Wei was entered last, so its name is proposed; the manager keeps the Chinese one
    expect(name_row.get_by_role("radio", name="Zhang Wei")).to_be_checked()
    keep = form.get_by_role("radio", name="keep this one")
    expect(keep).to_have_count(2)
    expect(keep.nth(0)).to_be_checked()
    keep.nth(1).check()  # first clicks "keep" on the web record, then changes their mind …
    expect(keep.nth(0)).not_to_be_checked()
    keep.nth(0).focus()  # … and keeps 张伟 with the keyboard
    page.keyboard.press("Space")
    expect(keep.nth(0)).to_be_checked()
    expect(keep.nth(1)).not_to_be_checked()
    name_row.get_by_role("radio", name="张伟").check()
    expect(name_row.get_by_role("radio", name="Zhang Wei")).not_to_be_checked()
    source_row = form.locator("tbody tr", has=page.get_by_role("rowheader", name="Acquisition source"))
    expect(source_row.get_by_role("radio", name="Online")).to_be_checked()  # left as proposed
    shot(page, "compare")
    assert_accessible(page, "the compare page")

    form.get_by_role("button", name="Merge", exact=True).click()
    page.wait_for_url(re.compile(rf"/customers/{zhang.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("张伟")
    expect(page.locator(".messages")).to_contain_text("Merged Zhang Wei into 张伟.")
    merge = Merge.objects.get()
    assert (merge.survivor_id, merge.merged_id, merge.undone_at) == (zhang.pk, web.pk, None)
    zhang.refresh_from_db()
    web.refresh_from_db()
    assert web.merged_into_id == zhang.pk
    assert (zhang.display_name, zhang.family_name, zhang.given_name) == ("张伟", "张", "伟")
    assert zhang.acquisition_source == "online"
    candidate.refresh_from_db()
    assert candidate.status == "merged"
    # the web record's email is on the kept customer now, saying where it came from
    email = page.get_by_test_id("identity-email")
    expect(email).to_have_text("zw1985@example.com")
    origin = page.locator("li", has=email).get_by_test_id("identity-origin")
    expect(origin).to_contain_text(re.compile(r"^from Zhang Wei, merged \S"))
    phones = page.locator("li", has=page.get_by_test_id("identity-phone"))
    expect(phones).to_have_count(2)
    expect(phones.filter(has_text="138 1234 5678").get_by_test_id("identity-origin")).not_to_contain_text(
        "merged")
    merges = page.locator("#merges")
    expect(merges.get_by_role("heading", name="Duplicates and merges")).to_be_visible()
    entry = merges.get_by_test_id(f"merge-{merge.pk}")
    expect(entry).to_contain_text(f"Zhang Wei (#{web.pk}) merged in on")
    expect(entry).to_contain_text(crm["manager"].get_username())
    shot(page, "merged")
    assert_accessible(page, "the kept customer's page after a merge")
    # the merged record is gone from the queue
    page.goto("/duplicates/")
    expect(page.locator(f"[data-testid=pair-{candidate.pk}]")).to_have_count(0)
    page.go_back()

    entry.get_by_role("button", name="Undo merge").click()
    page.wait_for_url(re.compile(rf"/customers/{web.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Zhang Wei")
    expect(page.locator(".messages")).to_contain_text("Merge undone")
    expect(page.get_by_test_id("identity-email")).to_have_text("zw1985@example.com")
    shot(page, "undone")
    merge.refresh_from_db()
    web.refresh_from_db()
    zhang.refresh_from_db()
    assert merge.undone_at is not None
    assert web.merged_into_id is None and web.display_name == "Zhang Wei"
    assert zhang.acquisition_source == "store"
    assert set(web.identities.values_list("channel", "normalized")) >= {("email", "zw1985@example.com")}
    assert not zhang.identities.filter(channel="email").exists()
    page.goto(f"/customers/{zhang.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("张伟")
    expect(page.get_by_test_id("identity-email")).to_have_count(0)
    expect(page.locator("[data-testid^=merge-]")).to_have_count(0)


def _new_customer_form(page):
    page.get_by_role("link", name="New customer").click()
    expect(page.get_by_role("heading", level=1, name="New customer")).to_be_visible()
    form = page.locator("#customer-form")
    form.get_by_label("Family name").fill("章")
    form.get_by_label("Given name").fill("伟")
    form.get_by_label("Date of birth").fill("1985-03-12")
    form.get_by_label("Mobile phone").fill("138 1234 5670")
    return form


def test_entering_a_homophone_warns_then_saves_as_a_new_customer(page, shot, crm):
    zhang = crm["people"]["zhang"]
    before = Customer.objects.count()
    login(page, crm["rep"])
    form = _new_customer_form(page)
    form.get_by_role("button", name="Save", exact=True).click()

    warning = page.get_by_test_id("duplicate-warning")
    expect(warning).to_be_visible()
    expect(warning).to_have_attribute("role", "alert")
    expect(warning.get_by_role("heading", name="Possible duplicate")).to_be_visible()
    link = warning.get_by_role("link", name="张伟", exact=True)
    expect(link).to_have_attribute("href", f"/customers/{zhang.pk}/")
    expect(link).to_have_attribute("target", "_blank")
    expect(warning.locator("li", has=page.get_by_role("link", name="张伟", exact=True)).locator(".evidence")).to_contain_text("same pinyin")
    expect(form.get_by_label("Family name")).to_have_value("章")  # nothing typed is lost
    expect(form.get_by_label("Mobile phone")).to_have_value("138 1234 5670")
    assert Customer.objects.count() == before
    shot(page, "duplicate-warning")
    assert_accessible(page, "the new-customer form with a duplicate warning")

    warning.get_by_role("button", name="Save as a new customer").click()
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("章伟")
    new = Customer.objects.get(display_name="章伟")
    assert new.pk != zhang.pk and Customer.objects.count() == before + 1
    assert page.url.endswith(f"/customers/{new.pk}/")
    assert new.birth_date == dt.date(1985, 3, 12) and new.owner_id == crm["rep"].pk
    assert list(new.identities.values_list("channel", "normalized")) == [("phone", "+8613812345670")]
    assert not ChannelIdentity.objects.filter(customer=zhang, normalized="+8613812345670").exists()
    # "save anyway" says they are different people: not proposed again
    a, b = sorted((new.pk, zhang.pk))
    assert NotDuplicate.objects.filter(customer_a=a, customer_b=b).exists()
    expect(page.get_by_test_id("identity-phone")).to_have_text("138 1234 5670")
    shot(page, "saved-as-new")


def test_service_agent_gets_the_warning_when_correcting_a_name(page, shot, crm):
    """A caller's record is renamed to a homophone of another customer with the same birthday.

    (Service agents may change customers but not create them — roles.SERVICE has no
    customers.add_customer — so the agent meets the warning on the edit form.)
    """
    zhang, chen = crm["people"]["zhang"], crm["people"]["chen"]
    login(page, crm["agent"])
    expect(page.get_by_role("link", name="New customer")).to_have_count(0)
    page.goto(f"/customers/{chen.pk}/edit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit 陈静")
    form = page.locator("#customer-form")
    form.get_by_label("Family name").fill("章")
    form.get_by_label("Given name").fill("伟")
    form.get_by_label("Display name").fill("章伟")
    form.get_by_label("Date of birth").fill("1985-03-12")
    form.get_by_role("button", name="Save", exact=True).click()

    warning = page.get_by_test_id("duplicate-warning")
    expect(warning.get_by_role("heading", name="Possible duplicate")).to_be_visible()
    link = warning.get_by_role("link", name="张伟", exact=True)
    expect(link).to_have_attribute("href", f"/customers/{zhang.pk}/")
    compare = warning.locator("li", has=page.get_by_role("link", name="张伟", exact=True)).get_by_role("link", name="compare")
    expect(compare).to_have_attribute("href", f"/duplicates/compare/{chen.pk}/{zhang.pk}/")
    chen.refresh_from_db()
    assert chen.display_name == "陈静"  # not saved yet
    shot(page, "edit-duplicate-warning")

    warning.get_by_role("button", name="Save anyway").click()
    page.wait_for_url(re.compile(rf"/customers/{chen.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("章伟")
    chen.refresh_from_db()
    assert (chen.display_name, chen.birth_date) == ("章伟", dt.date(1985, 3, 12))
    a, b = sorted((chen.pk, zhang.pk))
    assert NotDuplicate.objects.filter(customer_a=a, customer_b=b).exists()


def _zh(message):
    with translation.override("zh-hans"):
        return translation.gettext(message)


def test_review_queue_and_compare_page_in_simplified_chinese(page, shot, crm):
    login(page, crm["manager"])
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.locator("header nav").get_by_role("link", name=_zh("Duplicates"), exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # Structure first: every heading of the queue is the catalogue's text for it (the English
    # msgid while a string is untranslated).
    headings = {"h1": "Possible duplicates", "nav": "Duplicates",
                "columns": ["Customer", "Possible duplicate", "Match probability", "Evidence", "Actions"],
                "button": "Scan for duplicates", "compare": "Compare", "pager": "Pages"}
    expect(page.get_by_role("heading", level=1)).to_have_text(_zh(headings["h1"]))
    expect(page.locator("header nav a[aria-current=page]")).to_have_text(_zh(headings["nav"]))
    columns = page.locator("main table thead th")
    expect(columns).to_have_count(5)
    assert [t.strip() for t in columns.all_text_contents()] == [_zh(c) for c in headings["columns"]]
    expect(page.get_by_role("button", name=_zh(headings["button"]))).to_be_visible()
    expect(_queue_rows(page)).to_have_count(len(_open_pairs("-probability")))
    expect(_zhang_pair(page).get_by_role("link", name=_zh(headings["compare"]))).to_be_visible()
    expect(page.locator("nav.pager")).to_have_attribute("aria-label", _zh(headings["pager"]))
    evidence_fields = _zhang_pair(page).locator(".evidence-field")
    expect(evidence_fields).to_have_text([_zh("Name"), _zh("Phone"), _zh("Date of birth")])

    # No English left in the headings: every one of them is translated (aee15c4 added the catalogue
    # entries; this fails if one goes missing or a new heading is added untranslated).
    untranslated = [s for s in [headings["h1"], headings["nav"], *headings["columns"], headings["button"],
                                headings["compare"], "Name", "Phone", "Date of birth"] if _zh(s) == s]
    assert not untranslated, f"missing from the zh_Hans catalogue: {untranslated}"
    texts = [page.locator("main h1").inner_text(), *columns.all_text_contents(),
             *evidence_fields.all_inner_texts()]
    leftovers = [t for t in texts if re.search(r"[A-Za-z]", t)]
    assert not leftovers, f"English left in the queue's headings: {leftovers}"
    shot(page, "queue-zh-hans")
    assert_accessible(page, "the review queue in Simplified Chinese")

    _zhang_pair(page).get_by_role("link", name=_zh("Compare")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(_zh("Compare customers"))
    expect(page.get_by_role("heading", level=2)).to_have_text([_zh("Evidence per field")])
    expect(page.locator("#merge-form").get_by_role("button", name=_zh("Merge"), exact=True)).to_be_visible()
    expect(page.locator("#merge-form").get_by_role("radio", name=_zh("keep this one"))).to_have_count(2)
    shot(page, "compare-zh-hans")
