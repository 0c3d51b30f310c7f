"""kehu import: the command creates and configures its job through the same services as the wizard."""

import csv
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kehu.customers.models import Customer
from kehu.imports.models import ImportJob, MappingTemplate

HEADER = ["客户编号", "姓名", "手机"]
ROWS = [["C1", "王小明", "13812345678"], ["C2", "李娜", "bad phone"]]


def _csv(tmp_path, header=HEADER, rows=ROWS, name="c.csv"):
    path = tmp_path / name
    with path.open("w", encoding="gb18030", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_dry_run_then_import_with_a_saved_mapping(admin, tmp_path, capsys):
    path = _csv(tmp_path)
    call_command("import", "customers", str(path), "--dry-run", "--save-mapping", "展会")
    job = ImportJob.objects.get()
    assert (job.status, job.encoding, job.upsert_key, job.created_by) == ("checked", "gb18030", "external_id", admin)
    assert job.summary["create"] == 1 and job.summary["invalid"] == 1
    assert Customer.objects.count() == 0
    template = MappingTemplate.objects.get(target="customers", name="展会")
    assert template.mapping == {"客户编号": "external_id", "姓名": "display_name", "手机": "phone"}
    out = capsys.readouterr().out
    assert "姓名 → display_name" in out and "would create 1, update 0" in out

    call_command("import", "customers", str(path), "--mapping", "展会", "--key", "nonsense")
    job = ImportJob.objects.latest("pk")
    assert job.status == "done" and job.upsert_key == "" and job.counts["created"] == 1  # --key as before


def test_a_mapping_that_cannot_run_is_an_error_and_leaves_no_job(admin, tmp_path):
    path = _csv(tmp_path)
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"客户编号": "external_id", "手机": "phone"}), "utf-8")
    with pytest.raises(CommandError, match="Map a column to “name”: it is required."):
        call_command("import", "customers", str(path), "--mapping", str(mapping))
    assert not ImportJob.objects.exists()
    with pytest.raises(CommandError, match="header row but no data rows"):
        call_command("import", "customers", str(tmp_path / "m.json"))
