"""The security review's exports: CSV that no spreadsheet runs as formulas, and XLSX as text.

CSV: every field quoted, and a formula character (= + - @ tab CR) at the start of a field or
of any segment after a separator a spreadsheet might split on (`;`, the Indonesian default,
`,`, tab, line breaks) gets a leading `'`. XLSX: every cell is a text cell formatted as text,
holding the value unchanged, which no spreadsheet evaluates.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter

from storage.review import ArrivalRow

COLUMNS = (
    "arrival_id",
    "first_seen",
    "last_seen",
    "waiting_room_at",
    "camera",
    "camera_label",
    "guest_id",
    "name",
    "category",
    "institution",
    "status",
    "outside_hours",
    "unknown_face",
    "decision",
    "decision_by",
    "on_behalf",
    "decision_at",
    "purpose",
    "companions",
    "checked_in_at",
    "checked_out_at",
    "snapshot",
)
# A formula character at the start of the text or of a segment after a separator (spaces
# between them skipped): a `'` goes in front of it.
_FORMULA_SEGMENT = re.compile(r"(^|[;,\t\r\n])( *)(?=[=+\-@\t\r])")
SHEET = "Kedatangan"
# A camera's name -> its display name (config.camera_label).
Labeller = Callable[[str], str]


def neutralise(text: str) -> str:
    """`text` with a `'` before every formula character that starts it or one of its segments."""
    return _FORMULA_SEGMENT.sub(lambda m: f"{m.group(1)}{m.group(2)}'", text)


def csv_bytes(lines: Iterable[Sequence[str]]) -> bytes:
    """CSV bytes with a BOM so spreadsheet programs read UTF-8; every field quoted, neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    for line in lines:
        writer.writerow([neutralise(value) for value in line])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def arrivals_csv(rows: list[ArrivalRow], tz: ZoneInfo, label: Labeller = str) -> bytes:
    """The arrivals as CSV (csv_bytes): the column names, then one line per arrival."""
    return csv_bytes([COLUMNS, *(row_values(row, tz, label) for row in rows)])


def arrivals_xlsx(rows: list[ArrivalRow], tz: ZoneInfo, label: Labeller = str) -> bytes:
    """An XLSX workbook, one sheet, one line per arrival; every cell is text."""
    out = io.BytesIO()
    options = {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    workbook = xlsxwriter.Workbook(out, options)
    sheet = workbook.add_worksheet(SHEET)
    as_text = workbook.add_format({"num_format": "@"})
    header = workbook.add_format({"num_format": "@", "bold": True})
    sheet.set_column(0, len(COLUMNS) - 1, 18, as_text)
    for col, name in enumerate(COLUMNS):
        sheet.write_string(0, col, name, header)
    for line, row in enumerate(rows, start=1):
        for col, value in enumerate(row_values(row, tz, label)):
            sheet.write_string(line, col, value, as_text)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return out.getvalue()


def _iso(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else ""


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def row_values(row: ArrivalRow, tz: ZoneInfo, label: Labeller = str) -> list[str]:
    """One arrival's values in COLUMNS order, as text (`label`: a camera's display name)."""
    a, d, e, u = row.arrival, row.decision, row.entry, row.unknown
    guest = a.guest
    values = [
        a.id,
        _iso(a.first_seen, tz),
        _iso(a.last_seen, tz),
        _iso(a.waiting_room_at, tz),
        a.camera.name,
        label(a.camera.name),
        a.guest_id,
        row.name,
        guest.category if guest else (e.category if e else None),
        guest.institution if guest else (e.institution if e else None),
        a.status,
        "yes" if a.outside_hours else "no",
        u.status if u else None,
        d.kind if d else None,
        d.by_user.username if d else None,
        ("yes" if d.on_behalf else "no") if d else None,
        _iso(d.created_at, tz) if d else None,
        e.purpose if e else None,
        e.companions if e else None,
        _iso(e.checked_in_at, tz) if e else None,
        _iso(e.checked_out_at, tz) if e else None,
        a.snapshot,
    ]
    return [_text(value) for value in values]
