"""The review exports read back: CSV quoted with no live formulas under any separator, and XLSX
with text cells holding the values unchanged."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from storage import guestbook
from storage.db import transaction
from storage.models import AuditLog, User
from tests.support.web import add_arrival, add_guest
from web.export import COLUMNS, neutralise

FORMULA = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = {
    "name": "Siti;=10*10;",
    "institution": "@SUM(1+1)",
    "purpose": 'Audiensi\t=HYPERLINK("http://evil.example")\n-2+3;+cmd',
    "phone": "+62 812 3456 7890",
}


@pytest.fixture
def hostile(env):
    """A walk-in whose guest-book fields are all formula attempts, and an enrolled guest."""
    guest_id = add_guest(env, "=Pak Hadi", institution="-Dinas")
    add_arrival(env, guest_id=guest_id)
    arrival_id, _ = add_arrival(env)
    with transaction(env.sessions) as db:
        operator = db.scalars(select(User).where(User.username == "operator1")).one()
        guestbook.check_in(db, operator, arrival_id=arrival_id, category="masyarakat", **HOSTILE)
    return arrival_id


def csv_text(env) -> str:
    response = env.client("security").get("/review/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return raw.decode("utf-8-sig")


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("Siti;=10*10;", "Siti;'=10*10;"),
        ("=1+1", "'=1+1"),
        ("a; +1", "a; '+1"),
        ("x\t-1", "x\t'-1"),
        ("\t=1", "'\t'=1"),
        ("\r@x", "'\r'@x"),
        ("a,=1", "a,'=1"),
        ("line\n=1", "line\n'=1"),
        ("Budi Santoso", "Budi Santoso"),
        ("2026-11-24T23:30:00+07:00", "2026-11-24T23:30:00+07:00"),
        ("", ""),
    ],
)
def test_neutralise(value, safe):
    assert neutralise(value) == safe


def test_every_csv_field_is_quoted(env, hostile):
    text = csv_text(env)
    rows = list(csv.reader(io.StringIO(text)))
    assert all(len(row) == len(COLUMNS) for row in rows) and len(rows) == 3
    again = io.StringIO()
    csv.writer(again, quoting=csv.QUOTE_ALL).writerows(rows)
    assert again.getvalue() == text  # exactly what quoting every field gives
    assert '"Siti;\'=10*10;"' in text


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_no_cell_starts_a_formula_whatever_the_separator(env, hostile, delimiter):
    text = csv_text(env)
    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]
    # also as a spreadsheet splitting every line on the separator without honouring quotes
    naive = [cell.strip('"') for line in text.splitlines() for cell in line.split(delimiter)]
    for cell in cells + naive:
        assert not cell.lstrip(" ").startswith(FORMULA), repr(cell)


def test_csv_values_read_back(env, hostile):
    rows = list(csv.DictReader(io.StringIO(csv_text(env))))
    walk_in = next(r for r in rows if int(r["arrival_id"]) == hostile)
    assert walk_in["name"] == "Siti;'=10*10;"
    assert walk_in["institution"] == "'@SUM(1+1)"
    assert walk_in["purpose"] == "Audiensi\t'=HYPERLINK(\"http://evil.example\")\n'-2+3;'+cmd"
    enrolled = next(r for r in rows if int(r["arrival_id"]) != hostile)
    assert (enrolled["name"], enrolled["institution"]) == ("'=Pak Hadi", "'-Dinas")


def test_xlsx_export_sits_beside_the_csv_with_text_cells(env, hostile):
    client = env.client("security")
    response = client.get("/review/export.xlsx?decision=none")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert 'filename="tamu-kedatangan-' in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [[cell for cell in row] for row in sheet.iter_rows()]
    assert [c.value for c in rows[0]] == list(COLUMNS)
    for row in rows:
        for cell in row:
            assert cell.data_type == "s", (cell.coordinate, cell.value)  # text, never a formula
            assert cell.number_format == "@"
    records = [dict(zip(COLUMNS, [c.value or "" for c in row], strict=True)) for row in rows[1:]]
    walk_in = next(r for r in records if r["arrival_id"] == str(hostile))
    assert walk_in["name"] == HOSTILE["name"]  # unchanged: a text cell is never evaluated
    assert walk_in["institution"] == HOSTILE["institution"]
    assert walk_in["purpose"] == HOSTILE["purpose"]
    enrolled = next(r for r in records if r["arrival_id"] != str(hostile))
    assert enrolled["name"] == "=Pak Hadi"
    with env.sessions() as db:
        (log,) = db.scalars(select(AuditLog).where(AuditLog.action == "export_xlsx")).all()
    assert log.username == "security1" and '"rows": 2' in log.detail


def test_xlsx_export_follows_the_filters_and_refuses_bad_ones(env, hostile):
    client = env.client("security")
    empty = client.get("/review/export.xlsx?camera=waiting")
    assert [list(r) for r in load_workbook(io.BytesIO(empty.get_data())).active.values] == [
        list(COLUMNS)
    ]
    bad = client.get("/review/export.xlsx?from=9999-12-31")
    assert bad.status_code == 400 and bad.mimetype == "text/html"
    assert env.client("guard").get("/review/export.xlsx").status_code == 403
