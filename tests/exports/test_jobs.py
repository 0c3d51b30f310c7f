"""Large exports run in the background; their files are for their requester (or an admin) only.
The REST API queues every export the same way."""

import re
import stat

import pytest
from django.utils import timezone

from kehu.exports import services
from kehu.exports.models import ExportJob
from kehu.privacy.models import AuditEntry
from tests.exports.conftest import body, csv_rows, sheet_dicts, xlsx_book

API = "/api/v1/exports/"


def _run_worker():
    """What `kehu worker` does with the queue (without starting scheduled scoring runs)."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id="test-worker", excluded_queue_names=[]).run()


# The worker commits and closes stale connections like it does in production: real transactions.
@pytest.mark.django_db(transaction=True)
def test_a_long_list_is_written_by_the_worker_and_only_its_requester_downloads_it(
        client, settings, east_rep, west_rep, admin, make_user, book, export_folder):
    from django_tasks_db.models import DBTaskResult

    settings.KEHU_EXPORT_STREAM_LIMIT = 1  # the east rep's two customers are "a long list"
    client.force_login(east_rep)
    response = client.post("/exports/customers/?sort=name", {"format": "csv"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    assert (job.status, job.streamed, job.filters) == ("queued", False, {"sort": "name"})
    assert DBTaskResult.objects.get().args_kwargs["args"] == [job.pk]
    assert "Waiting for the background worker" in client.get(f"/exports/{job.pk}/").content.decode()
    assert not AuditEntry.objects.filter(action="export").exists()  # nothing has left yet

    _run_worker()
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.row_count == 2 and re.fullmatch(r"customers-\d{8}-\d{4}\.csv", job.file_name)
    path = export_folder / job.file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    entry = AuditEntry.objects.get(action="export")
    assert entry.actor == east_rep and entry.changes["row_count"] == [None, 2]

    status = client.get(f"/exports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert f"/exports/{job.pk}/download/" in status and "hx-get" not in status  # polling stops
    assert job.file_name in client.get("/exports/").content.decode()

    download = client.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{job.file_name}"'
    assert [r["Name"] for r in csv_rows(body(download))] == ["Mine Active", "Mine New"]

    client.force_login(west_rep)  # may export, but this is not their file
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404
    assert client.get(f"/exports/{job.pk}/").status_code == 404
    assert job.file_name not in client.get("/exports/").content.decode()
    client.force_login(make_user("service"))  # may not export at all
    assert client.get(f"/exports/{job.pk}/download/").status_code == 403
    client.force_login(admin)
    assert client.get(f"/exports/{job.pk}/download/").status_code == 200
    downloads = AuditEntry.objects.filter(action="export", changes__has_key="download")
    assert sorted(e.actor.username for e in downloads) == sorted([east_rep.username, admin.username])


def test_a_short_list_is_sent_at_once_and_the_threshold_is_a_bounded_count(east_rep, book):
    export = services.export_customers(east_rep, {}, "csv", limit=2)
    assert not export.queued and export.job.streamed
    export = services.export_customers(east_rep, {}, "csv", limit=1, enqueue=False)
    assert export.queued and export.job.status == "queued"


def test_run_job_is_idempotent_and_sees_what_the_requester_may_see_now(east_rep, book, team):
    job = services.request_export(east_rep, "customers", "xlsx", filters={"lifecycle_stage": "active"},
                                  enqueue=False)
    book["theirs"].team = team  # west's customer moves to east's team: still not east's to see
    book["theirs"].save()
    done = services.run_job(job.pk)
    assert done.status == "done" and done.row_count == 1
    assert services.run_job(job.pk).file == done.file  # a second run leaves it alone
    assert AuditEntry.objects.filter(action="export").count() == 1


def test_a_job_whose_requester_lost_the_permission_fails(east_rep, book):
    from django.contrib.auth.models import Group, Permission

    job = services.request_export(east_rep, "customers", "csv", enqueue=False)
    Group.objects.get(name="sales").permissions.remove(Permission.objects.get(codename="export_data"))
    failed = services.run_job(job.pk)
    assert failed.status == "failed" and not failed.file
    assert not AuditEntry.objects.filter(action="export").exists()


def test_old_files_are_deleted_and_the_job_stays(east_rep, book, export_folder):
    job = services.run_job(services.request_export(east_rep, "customers", "csv", enqueue=False).pk)
    path = export_folder / job.file
    assert path.exists()
    assert services.purge_expired(timezone.now()) == 0
    assert services.purge_expired(timezone.now() + timezone.timedelta(days=8)) == 1
    job.refresh_from_db()
    assert not path.exists() and job.file == "" and job.expired_at is not None


def test_api_queues_an_export_reports_it_and_serves_the_file(api, east_rep, west_rep, book,
                                                              django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    client = api(east_rep)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(API, {"kind": "customers", "format": "xlsx",
                                    "filters": {"lifecycle_stage": "active"}}, format="json")
    assert created.status_code == 202, created.json()
    job_id = created.json()["id"]
    assert created.json()["status"] == "queued" and created.json()["download_url"] is None
    assert DBTaskResult.objects.get().args_kwargs["args"] == [job_id]
    services.run_job(job_id)  # what the worker does
    status = client.get(f"{API}{job_id}/").json()
    assert status["status"] == "done" and status["row_count"] == 1
    assert status["download_url"].endswith(f"{API}{job_id}/download/")
    download = client.get(status["download_url"])
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")
    assert [r["Name"] for r in sheet_dicts(xlsx_book(body(download)).active)] == ["Mine Active"]
    assert [j["id"] for j in client.get(API).json()["results"]] == [job_id]
    other = api(west_rep)
    assert other.get(f"{API}{job_id}/").status_code == 404
    assert other.get(f"{API}{job_id}/download/").status_code == 404
    assert other.get(API).json()["results"] == []


def test_api_customer_file_and_validation(api, east_rep, west_rep, book):
    client = api(east_rep)
    created = client.post(API, {"kind": "customer_file", "format": "csv", "customer": book["mine"].pk},
                          format="json")
    assert created.status_code == 202, created.json()
    job = services.run_job(created.json()["id"])
    assert job.status == "done" and job.file.endswith(".zip"), job.error
    assert client.post(API, {"kind": "customer_file", "customer": book["theirs"].pk},
                       format="json").status_code == 404
    assert client.post(API, {"kind": "customer_file"}, format="json").status_code == 400
    bad = client.post(API, {"kind": "customers", "filters": {"colour": "red"}}, format="json")
    assert bad.status_code == 400 and "colour" in str(bad.json())
    assert client.post(API, {"kind": "customers", "filters": {"owner": "nobody"}},
                       format="json").status_code == 400
    assert api(None).get(API).status_code == 401
