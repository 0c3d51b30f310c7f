"""Export fixtures: files go to a temporary folder; two reps in two teams with their customers."""

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook


@pytest.fixture(autouse=True)
def export_folder(settings, tmp_path):
    settings.KEHU_EXPORT_DIR = tmp_path / "exports"
    return settings.KEHU_EXPORT_DIR


@pytest.fixture
def east_rep(make_user, team):
    return make_user("sales", team=team)


@pytest.fixture
def west_rep(make_user, other_team):
    return make_user("sales", team=other_team)


@pytest.fixture
def book(east_rep, west_rep, make_customer, team, other_team):
    """Two customers of the east rep (one active), one of the west rep, with personal data."""
    return {
        "mine": make_customer(east_rep, display_name="Mine Active", team=team, phone="13812345678",
                              email="wang@example.com", id_number="110101198503041234",
                              birth_date="1985-03-04", lifecycle_stage="active", tags=["vip"]),
        "mine_new": make_customer(east_rep, display_name="Mine New", team=team, lifecycle_stage="new"),
        "theirs": make_customer(west_rep, display_name="Theirs", team=other_team, phone="13987654321",
                                lifecycle_stage="active"),
    }


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(data: bytes, encoding: str = "utf-8-sig") -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode(encoding), newline="")))


def xlsx_book(data: bytes):
    return load_workbook(io.BytesIO(data))


def sheet_dicts(worksheet) -> list[dict]:
    rows = list(worksheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
