"""The import wizard's pages: who may import what, upload errors, mapping problems, the whole flow
through the dry run and the import (the background tasks called directly), decisions on
possible duplicates, the error file, cancel, resume and undo."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kehu.customers.models import Customer
from kehu.imports import engine, services, tasks
from kehu.imports.models import ImportJob, MappingTemplate

HEADER = ["客户编号", "姓名", "手机", "邮箱", "城市"]
ROWS = [
    ["C1", "王小明", "13812345678", "xm@example.com", "北京"],
    ["C2", "李娜", "13912345678", "", "上海"],
    ["C3", "张伟", "not a phone", "", ""],  # row 4: invalid
    ["C4", "赵六", "13700000000", "", "广州"],  # row 5: the phone of an existing customer
]
# the columns as the mapping form names them, and the fields they are suggested to
SUGGESTED = {"col_0": "external_id", "col_1": "display_name", "col_2": "phone", "col_3": "email",
             "col_4": "address_city"}


@pytest.fixture(autouse=True)
def import_folder(settings, tmp_path):
    settings.KEHU_IMPORT_DIR = tmp_path / "imports"
    return settings.KEHU_IMPORT_DIR


def _csv(rows=ROWS, header=HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def _upload(client, content: bytes, name="customers.csv", target="customers", **fields):
    return client.post("/imports/new/", {"target": target, "file": SimpleUploadedFile(name, content),
                                         "encoding": "", "sheet": "", **fields})


def _uploaded(client, content=None, **kwargs) -> ImportJob:
    response = _upload(client, _csv() if content is None else content, **kwargs)
    job = ImportJob.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    return job


def _mapping_post(**overrides):
    return {**SUGGESTED, "upsert_key": "external_id", "on_error": "skip", "duplicates": "create",
            "save_as": "", **overrides}


def _checked(client, job, **overrides) -> ImportJob:
    response = client.post(f"/imports/{job.pk}/mapping/", _mapping_post(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert tasks.check_import.call(job.pk) == "checked"
    job.refresh_from_db()
    return job


def _page(client, job) -> str:
    response = client.get(f"/imports/{job.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _selected(html: str, name: str) -> str:
    select = re.search(rf'<select [^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select)
    return chosen.group(1) if chosen else ""


# --- who may import --------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["service", "marketing"])
def test_roles_that_do_not_create_customers_are_refused(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/new/").status_code == 403
    assert _upload(client, _csv()).status_code == 403
    assert not ImportJob.objects.exists()
    assert "/imports/" not in client.get("/customers/").content.decode()  # no menu entry


@pytest.mark.parametrize("role, offered", [
    ("admin", ["customers", "contacts", "products", "orders", "interactions", "consents", "leads"]),
    ("manager", ["customers", "contacts", "products", "orders", "interactions", "consents", "leads"]),
    ("sales", ["customers", "contacts", "orders", "interactions", "consents", "leads"]),  # products: view only
])
def test_targets_offered_per_role(client, make_user, role, offered):
    user = make_user(role)
    client.force_login(user)
    assert [t.name for t in services.allowed_targets(user)] == offered
    html = client.get("/imports/new/").content.decode()
    select = re.search(r'<select name="target"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="([^"]+)"', select) == offered
    assert 'href="/imports/"' in client.get("/customers/").content.decode()  # the menu entry


def test_a_target_not_offered_is_refused_on_upload(client, rep):
    client.force_login(rep)
    response = _upload(client, _csv(header=["SKU", "name"], rows=[["A1", "Tea"]]), target="products")
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_another_reps_job_is_a_404_and_a_manager_sees_it(client, rep, make_user, team):
    job = _uploaded(_logged_in(client, rep))
    other = make_user("sales", team=team)
    client.force_login(other)
    for url in ("", "status/?shown=uploaded", "errors/"):
        assert client.get(f"/imports/{job.pk}/{url}").status_code == 404, url
    for url in ("mapping/", "start/", "cancel/", "resume/", "undo/", "back-to-mapping/"):
        assert client.post(f"/imports/{job.pk}/{url}", _mapping_post()).status_code == 404, url
    assert job.original_name not in client.get("/imports/").content.decode()
    job.refresh_from_db()
    assert job.status == "uploaded" and not job.summary  # nothing changed
    client.force_login(make_user("manager", team=team, is_manager=True))  # imports.view_importjob
    assert client.get(f"/imports/{job.pk}/").status_code == 200
    assert job.original_name in client.get("/imports/").content.decode()


def _logged_in(client, user):
    client.force_login(user)
    return client


# --- upload and mapping ------------------------------------------------------------------------

def test_a_file_that_is_not_a_table_shows_the_readers_message(client, rep, import_folder):
    client.force_login(rep)
    response = _upload(client, b"\xd0\xcf\x11\xe0" + b"\0" * 600, name="old.xls")
    assert response.status_code == 422
    html = response.content.decode()
    assert "This is an old Excel (.xls) file" in html and 'role="alert"' in html
    assert not ImportJob.objects.exists()
    assert not any(import_folder.iterdir())  # the upload is not kept

    response = _upload(client, _csv(header=HEADER, rows=[]))
    assert "The file has a header row but no data rows." in response.content.decode()


def test_a_file_over_the_size_limit_is_refused(client, rep, settings, import_folder):
    settings.KEHU_IMPORT_MAX_MB = 1
    client.force_login(rep)
    response = _upload(client, _csv() + b"x" * (1024 * 1024))
    assert response.status_code == 422
    assert "The file is larger than 1 MB." in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not import_folder.exists() or not any(import_folder.iterdir())


def test_an_upload_is_stored_in_chunks_and_its_size_checked_as_it_streams(settings, import_folder):
    import stat

    from django.core.exceptions import ValidationError

    class Streamed(SimpleUploadedFile):
        size = None  # a size the client did not declare (or lied about)

    settings.KEHU_IMPORT_MAX_MB = 1
    path = services.store_upload(Streamed("list.CSV", b"a,b\n1,2\n"))
    assert path.parent == import_folder and path.suffix == ".csv" and path.read_bytes() == b"a,b\n1,2\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        services.store_upload(Streamed("big.csv", b"x" * (1024 * 1024 + 1)))
    assert list(import_folder.iterdir()) == [path]  # the partial copy is removed


def test_a_gb18030_file_is_previewed_with_the_suggested_mapping(client, rep, import_folder):
    client.force_login(rep)
    job = _uploaded(client, _csv(encoding="gb18030"), name="客户.csv")
    assert (job.target, job.encoding, job.original_name, job.upsert_key) == ("customers", "gb18030", "客户.csv",
                                                                          "external_id")
    assert job.path.startswith(str(import_folder)) and job.path.endswith(".csv")
    html = _page(client, job)
    assert "<td>王小明</td>" in html and "<td>not a phone</td>" in html  # the preview, decoded
    for name, key in SUGGESTED.items():
        assert _selected(html, name) == key
    assert "name *" in html  # the required field is marked
    assert f'action="/imports/{job.pk}/mapping/"' in html


def test_a_mapping_without_a_required_field_shows_the_problem(client, rep):
    client.force_login(rep)
    job = _uploaded(client)
    response = client.post(f"/imports/{job.pk}/mapping/", _mapping_post(col_1=""))
    assert response.status_code == 422
    assert "Map a column to “name”: it is required." in response.content.decode()
    assert _selected(response.content.decode(), "col_1") == ""  # the form keeps what was chosen
    job.refresh_from_db()
    assert job.status == "uploaded" and job.mapping["姓名"] == "display_name"  # nothing saved
    response = client.post(f"/imports/{job.pk}/mapping/", _mapping_post(col_0="phone"))
    assert "“phone” is mapped from more than one column: 客户编号, 手机." in response.content.decode()


def test_a_saved_mapping_template_is_applied_to_matching_headers(client, rep):
    client.force_login(rep)
    job = _uploaded(client)
    _checked(client, job, col_4="", save_as="CRM export", on_error="abort")
    template = MappingTemplate.objects.get(target="customers", name="CRM export")
    assert template.mapping == {"客户编号": "external_id", "姓名": "display_name", "手机": "phone",
                                "邮箱": "email", "城市": None}
    assert template.options == {"upsert_key": "external_id", "on_error": "abort", "duplicates": "create"}
    second = _uploaded(client)
    assert _selected(_page(client, second), "col_4") == "address_city"  # the suggestion
    html = client.get(f"/imports/{second.pk}/?template={template.pk}").content.decode()
    assert _selected(html, "col_4") == "" and _selected(html, "col_1") == "display_name"
    assert re.search(r'value="abort"[^>]*checked', html)
    assert "Mapping “CRM export” applied" in html


# --- the whole flow ----------------------------------------------------------------------------

def test_upload_check_decide_import_download_errors_and_undo(client, rep, make_customer,
                                                             django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    zhao = make_customer(rep, family_name="赵", given_name="六", phone="13700000000")
    client.force_login(rep)
    job = _uploaded(client)

    # mapping → the dry run is queued for the worker
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{job.pk}/mapping/", _mapping_post(duplicates="link"))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "checking" and job.duplicates == "link"
    assert DBTaskResult.objects.get().args_kwargs["args"] == [job.pk]
    html = _page(client, job)
    assert "<progress" not in html and "0 rows read" in html and "hx-get" in html  # total unknown yet
    fragment = client.get(f"/imports/{job.pk}/status/?shown=checking", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and 'id="import-progress"' in fragment.content.decode()

    assert tasks.check_import.call(job.pk) == "checked"
    job.refresh_from_db()
    assert {k: job.summary[k] for k in ("create", "update", "duplicate", "invalid", "rows")} == {
        "create": 2, "update": 0, "duplicate": 1, "invalid": 1, "rows": 4}
    assert Customer.objects.count() == 1  # a dry run changes nothing
    moved_on = client.get(f"/imports/{job.pk}/status/?shown=checking", HTTP_HX_REQUEST="true")
    assert moved_on.status_code == 204 and moved_on["HX-Redirect"] == f"/imports/{job.pk}/"

    html = _page(client, job)
    assert "To create: 2 · to update: 0 · possible duplicates: 1 · invalid: 1" in html
    row = re.search(r'<tr data-testid="duplicate-row-5">(.*?)</tr>', html, re.S).group(1)
    assert "赵六" in row and f'href="/customers/{zhao.pk}/"' in row and "100%" in row
    assert _selected(row, "decision_5") == "link"  # the default chosen with the mapping
    assert f'href="/imports/{job.pk}/errors/"' in html

    # decide, import
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{job.pk}/start/", {"decision_5": "skip"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "queued" and job.decisions == {"5": "skip"}
    assert "<progress" in _page(client, job)  # the total is known from the dry run
    assert tasks.run_import.call(job.pk) == "done"
    job.refresh_from_db()
    assert job.counts == {"created": 2, "updated": 0, "skipped": 1, "invalid": 1}
    assert sorted(Customer.objects.values_list("display_name", flat=True)) == ["李娜", "王小明", zhao.display_name]
    assert not zhao.identities.exclude(normalized="+8613700000000").exists()  # skipped, not linked

    html = _page(client, job)
    assert re.search(r"<dt>Created records</dt><dd>2</dd>.*<dt>Skipped</dt><dd>1</dd>.*<dt>Invalid</dt><dd>1</dd>",
                     html, re.S)
    assert "Undo this import" in html and "Resume" not in html
    assert job.original_name in client.get("/imports/").content.decode()

    # the error file: the invalid row as it was, with its reason
    download = client.get(f"/imports/{job.pk}/errors/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="customers-errors.csv"'
    report = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert report[0] == HEADER + ["error"]
    assert [r[:5] for r in report[1:]] == [ROWS[2]]
    assert "手机" in report[1][5] and "not a phone" in report[1][5]
    from kehu.privacy.models import AuditEntry

    entry = AuditEntry.objects.get(action="export", object_type="imports.importjob", object_id=str(job.pk))
    assert entry.actor == rep and entry.changes["rows"] == [None, 1]

    # undo
    response = client.post(f"/imports/{job.pk}/undo/", follow=True)
    assert re.search(r"The import was undone: \d+ rows removed, 0 restored\.", response.content.decode())
    assert list(Customer.objects.values_list("pk", flat=True)) == [zhao.pk]
    job.refresh_from_db()
    assert job.status == "undone"
    html = _page(client, job)
    assert "Undo this import" not in html and "This import was undone" in html
    response = client.post(f"/imports/{job.pk}/undo/", follow=True)
    assert "Only a finished, failed or cancelled import can be undone." in response.content.decode()


def test_abort_mode_with_invalid_rows_cannot_be_started(client, rep):
    client.force_login(rep)
    job = _checked(client, _uploaded(client), on_error="abort")
    html = _page(client, job)
    assert re.search(r'<button class="btn" type="submit" disabled aria-describedby="blocked-why">Import</button>',
                     html)
    assert "1 row is invalid and this import is set to import nothing" in html
    response = client.post(f"/imports/{job.pk}/start/", follow=True)
    assert "Some rows are invalid" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "checked" and Customer.objects.count() == 0

    # back to the mapping, choose to skip invalid rows, check again: now it can run
    client.post(f"/imports/{job.pk}/back-to-mapping/")
    job.refresh_from_db()
    assert job.status == "uploaded" and job.summary == {}
    job = _checked(client, job, on_error="skip")
    assert "disabled" not in re.search(r'<button class="btn" type="submit"[^>]*>Import</button>',
                                       _page(client, job)).group(0)


def test_a_clean_abort_mode_import_runs_without_repeating_the_dry_run(client, rep, monkeypatch):
    client.force_login(rep)
    job = _checked(client, _uploaded(client, _csv(rows=ROWS[:2])), on_error="abort")
    client.post(f"/imports/{job.pk}/start/")
    monkeypatch.setattr(engine, "check", lambda *a, **k: pytest.fail("the dry run was repeated"))
    assert tasks.run_import.call(job.pk) == "done"
    assert Customer.objects.count() == 2


def test_a_dry_run_can_be_cancelled(client, rep):
    client.force_login(rep)
    job = _uploaded(client)
    client.post(f"/imports/{job.pk}/mapping/", _mapping_post())
    response = client.post(f"/imports/{job.pk}/cancel/", follow=True)
    assert "The dry run was cancelled" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "uploaded"
    assert tasks.check_import.call(job.pk) == "uploaded"  # the queued task does nothing
    assert client.get(f"/imports/{job.pk}/cancel/").status_code == 405  # POST only


def test_a_queued_import_cancelled_before_it_starts_changes_nothing(client, rep):
    client.force_login(rep)
    job = _checked(client, _uploaded(client))
    client.post(f"/imports/{job.pk}/start/")
    client.post(f"/imports/{job.pk}/cancel/")
    assert tasks.run_import.call(job.pk) == "cancelled"
    assert Customer.objects.count() == 0
    html = _page(client, job)
    assert "Undo this import" not in html and "Back to mapping" in html


def _started_import_failing_at_second_chunk(client, rep, monkeypatch, failing_apply, error: BaseException):
    """A started 30-row import (chunks of 10) whose second chunk raises ``error``; returns the
    job and a function that puts the real ``apply`` back."""
    rows = [[f"E{i}", f"客户{i}", f"135{i:08d}", "", ""] for i in range(30)]
    client.force_login(rep)
    job = _checked(client, _uploaded(client, _csv(rows=rows)))
    client.post(f"/imports/{job.pk}/start/")
    monkeypatch.setattr(engine, "CHUNK", 10)
    return job, failing_apply(2, error)


def test_a_crashed_import_fails_with_a_message_and_resumes(client, rep, monkeypatch, failing_apply):
    job, restore = _started_import_failing_at_second_chunk(client, rep, monkeypatch, failing_apply,
                                                           RuntimeError("secret internals"))
    assert tasks.run_import.call(job.pk) == "failed"  # the task itself does not raise
    job.refresh_from_db()
    assert job.resume_after == 11 and Customer.objects.count() == 10
    html = _page(client, job)
    assert "The import stopped at row 12 because of an unexpected error." in html
    assert "secret internals" not in html and "Traceback" not in html
    assert "Resume" in html and "Undo this import" in html

    restore()
    client.post(f"/imports/{job.pk}/resume/")
    job.refresh_from_db()
    assert job.status == "queued"
    assert tasks.run_import.call(job.pk) == "done"
    job.refresh_from_db()
    assert job.counts["created"] == 30 and Customer.objects.count() == 30 and job.message == ""


def test_the_dry_run_speaks_the_language_of_the_user_who_asked(client, rep):
    client.force_login(rep)
    client.cookies["django_language"] = "zh-hans"
    job = _uploaded(client)
    assert job.language == "zh-hans"
    job = _checked(client, job)
    with open(job.error_path, encoding="utf-8-sig") as f:
        header = next(csv.reader(f))
    assert header[-1] == "错误"


def test_an_import_whose_worker_died_becomes_resumable_when_the_worker_starts(client, rep, monkeypatch,
                                                                             failing_apply):
    """A worker killed mid-import leaves the job "running"; the next long-running worker makes
    it resumable (after the last committed chunk), and a dry run goes back to the mapping."""

    class WorkerKilled(BaseException):  # not an Exception: nothing in the task gets to handle it
        pass

    job, restore = _started_import_failing_at_second_chunk(client, rep, monkeypatch, failing_apply, WorkerKilled())
    with pytest.raises(WorkerKilled):
        tasks.run_import.call(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(status="running")  # as a killed process leaves it
    checking = _uploaded(client)
    ImportJob.objects.filter(pk=checking.pk).update(status="checking")
    assert "Resume" not in _page(client, job)

    assert services.recover_interrupted() == 2
    job.refresh_from_db()
    assert job.status == "failed" and job.resume_after == 11 and "row 11" in job.message
    assert ImportJob.objects.get(pk=checking.pk).status == "uploaded"
    restore()
    client.post(f"/imports/{job.pk}/resume/")
    assert tasks.run_import.call(job.pk) == "done"
    assert Customer.objects.count() == 30


def test_old_import_files_are_purged_and_the_jobs_kept(client, rep, settings):
    """Uploaded and error files hold personal data: deleted after KEHU_IMPORT_KEEP_DAYS; the job's
    counts and undo stay, an import never started is closed."""
    from datetime import timedelta
    from pathlib import Path

    from django.utils import timezone

    settings.KEHU_IMPORT_KEEP_DAYS = 30
    client.force_login(rep)
    done = _checked(client, _uploaded(client))
    client.post(f"/imports/{done.pk}/start/")
    assert tasks.run_import.call(done.pk) == "done"
    waiting = _checked(client, _uploaded(client))
    fresh = _uploaded(client)
    done.refresh_from_db()
    files = [Path(done.path), Path(done.error_path), Path(waiting.path)]
    assert all(f.is_file() for f in files)
    ImportJob.objects.filter(pk__in=[done.pk, waiting.pk]).update(created_at=timezone.now() - timedelta(days=31))

    assert services.purge_expired() == 2
    assert not any(f.exists() for f in files) and Path(fresh.path).is_file()
    done.refresh_from_db()
    waiting.refresh_from_db()
    assert done.status == "done" and done.counts["created"] == 3 and done.path == ""
    assert waiting.status == "cancelled" and "deleted after 30 days" in waiting.message
    assert client.get(f"/imports/{done.pk}/errors/").status_code == 404
    assert "Undo this import" in _page(client, done)
    assert services.purge_expired() == 0
