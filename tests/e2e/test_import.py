"""End-to-end: a sales rep imports a Chinese spreadsheet through the wizard, decides on a possible
duplicate, downloads the invalid rows with their reasons, and undoes the import.

The background worker runs in the test (``kehu worker --once``) while the page polls for
progress. The polls are held by a Playwright route while the worker runs: the live server and the
test share one SQLite connection, so a request must not interleave with the worker's transactions.
"""

import csv
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from kehu.customers.models import Customer
from kehu.imports import services
from kehu.imports.models import ImportJob, MappingTemplate
from tests.e2e.helpers import assert_accessible, horizontal_overflow, login

pytestmark = pytest.mark.e2e

HEADER = ["客户编号", "姓名", "手机", "邮箱", "城市"]
ROWS = [
    ["K001", "王小明", "13812345678", "xm@example.com", "北京"],
    ["K002", "李娜", "13912345678", "", "上海"],
    ["K003", "张伟", "1381234", "", "深圳"],  # row 4: not a phone number
    ["K004", "赵六", "13700000000", "", "广州"],  # row 5: the phone of a customer already on file
]
POLL = re.compile(r"/imports/\d+/status/")


@pytest.fixture
def crm(live_server, make_user, make_customer, team, settings, tmp_path):
    """A sales rep with one customer (赵六, 13700000000); scheduled scoring off, so the worker runs
    only what the test queues."""
    from kehu.scoring import services as scoring

    settings.KEHU_IMPORT_DIR = tmp_path / "imports"
    scoring.save_settings(None, scoring.current_settings(), rescore_every_hours=0)
    rep = make_user("sales", team=team, username="li.na")
    zhao = make_customer(rep, family_name="赵", given_name="六", phone="13700000000")
    path = tmp_path / "展会名单.csv"
    with path.open("w", encoding="gb18030", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    return {"rep": rep, "zhao": zhao, "file": path}


def _run_worker(page):
    """Run the queue while the page's progress polls wait at the route (see the module doc)."""
    held = []
    page.route(POLL, lambda route: held.append(route))
    try:
        call_command("worker", once=True)
    finally:
        page.unroute(POLL)
        for route in held:
            route.continue_()


def test_a_rep_imports_a_chinese_spreadsheet_and_undoes_it(page, shot, crm):
    rep, zhao = crm["rep"], crm["zhao"]
    login(page, rep)

    # My imports → New import: upload the GB18030 file (its encoding is detected)
    page.locator("header nav").get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="My imports")).to_be_visible()
    expect(page.locator("header nav a[aria-current=page]")).to_have_text("Import")
    page.get_by_role("link", name="New import").click()
    expect(page.get_by_label("What to import")).to_have_value("customers")
    page.get_by_label(re.compile(r"^File")).set_input_files(crm["file"])
    shot(page, "upload")
    page.get_by_role("button", name="Upload").click()

    # preview and the suggested mapping
    job = ImportJob.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Import #{job.pk}: 展会名单.csv")
    preview = page.get_by_role("region", name="Preview")
    expect(preview.get_by_role("columnheader", name="姓名")).to_be_visible()
    expect(preview.get_by_role("cell", name="王小明")).to_be_visible()
    expect(page.get_by_text("展会名单.csv · GB18030")).to_be_visible()
    expected = {"客户编号": "external_id", "姓名": "display_name", "手机": "phone", "邮箱": "email",
                "城市": "address_city"}
    for header, field in expected.items():
        expect(page.get_by_label(header, exact=True)).to_have_value(field)
    expect(page.get_by_label("Match existing records by")).to_have_value("external_id")
    expect(page.get_by_label("Skip invalid rows, import the rest")).to_be_checked()
    assert_accessible(page, "the mapping step")
    shot(page, "mapping")
    page.get_by_label("Save this mapping as").fill("展会名单")
    page.get_by_role("button", name="Check the file (dry run)").click()

    # the dry run, in the background
    expect(page.get_by_test_id("status")).to_have_text("Checking (dry run)")
    expect(page.get_by_text("Dry run: checking every row.")).to_be_visible()
    shot(page, "checking")
    _run_worker(page)
    counts = page.get_by_test_id("dry-run-counts")
    expect(counts).to_have_text("To create: 2 · to update: 0 · possible duplicates: 1 · invalid: 1", timeout=15_000)
    assert MappingTemplate.objects.get(target="customers", name="展会名单").mapping == expected
    assert Customer.objects.count() == 1  # nothing written yet

    # the possible duplicate: row 5 is 赵六, already on file
    duplicate = page.get_by_test_id("duplicate-row-5")
    expect(duplicate.get_by_role("link", name=zhao.display_name)).to_have_attribute(
        "href", f"/customers/{zhao.pk}/")
    expect(duplicate).to_contain_text("100%")
    expect(duplicate).to_contain_text("same phone")
    decision = page.get_by_label("Decision for row 5")
    expect(decision).to_have_value("create")
    decision.select_option("skip")
    assert_accessible(page, "the dry-run step")
    shot(page, "dry-run")
    page.get_by_role("button", name="Import", exact=True).click()

    # the import, in the background
    expect(page.get_by_test_id("status")).to_have_text("Queued")
    expect(page.get_by_role("progressbar", name="Import progress")).to_be_visible()
    assert ImportJob.objects.get().decisions == {"5": "skip"}
    shot(page, "queued")
    _run_worker(page)
    expect(page.get_by_test_id("status")).to_have_text("Done", timeout=15_000)
    result = page.get_by_test_id("counts")
    expect(result).to_contain_text("Created records2")
    expect(result).to_contain_text("Skipped1")
    expect(result).to_contain_text("Invalid1")
    assert sorted(Customer.objects.values_list("display_name", flat=True)) == sorted(
        ["王小明", "李娜", zhao.display_name])
    shot(page, "done")

    # the invalid row, as it was in the file, with its reason
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the invalid rows with their reasons (CSV)").click()
    assert download.value.suggested_filename == "展会名单-errors.csv"
    with open(download.value.path(), encoding="utf-8-sig", newline="") as f:
        report = list(csv.reader(f))
    assert report[0] == HEADER + ["error"]
    assert [row[:5] for row in report[1:]] == [ROWS[2]]
    assert report[1][5].startswith("手机: ") and "1381234" in report[1][5]

    # undo: the two new customers are gone, 赵六 stays
    page.get_by_role("button", name="Undo this import").click()
    expect(page.get_by_text(re.compile(r"The import was undone: \d+ rows removed, 0 restored\."))).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("Undone")
    expect(page.get_by_role("button", name="Undo this import")).to_have_count(0)
    assert list(Customer.objects.values_list("pk", flat=True)) == [zhao.pk]
    shot(page, "undone")
    page.locator("header nav").get_by_role("link", name="Customers", exact=True).click()
    expect(page.get_by_role("link", name=zhao.display_name, exact=True)).to_be_visible()
    expect(page.get_by_text("王小明")).to_have_count(0)
    expect(page.get_by_text("李娜")).to_have_count(0)

    page.locator("header nav").get_by_role("link", name="Import", exact=True).click()
    row = page.get_by_test_id(f"import-{job.pk}")
    expect(row).to_contain_text("展会名单.csv")
    expect(row).to_contain_text("Undone")
    shot(page, "list")


def test_the_mapping_step_fits_a_phone(new_page, shot, crm):
    """A wide file scrolls inside its preview; the page itself never scrolls sideways."""
    wide = crm["file"].with_name("wide.csv")
    with wide.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER + [f"备注{i}" for i in range(12)])
        writer.writerows(row + ["很长的一段备注文字" * 3] * 12 for row in ROWS)
    job = services.create_job(crm["rep"], "customers", wide, "wide.csv")
    page = new_page(viewport={"width": 360, "height": 740})
    login(page, crm["rep"])
    page.goto(f"/imports/{job.pk}/")
    expect(page.get_by_label("姓名", exact=True)).to_have_value("display_name")
    overflow = horizontal_overflow(page)
    assert overflow["scrollWidth"] <= overflow["innerWidth"], overflow
    shot(page, "phone")
    page.get_by_label("备注0", exact=True).scroll_into_view_if_needed()
    shot(page, "phone-columns", full_page=False)
