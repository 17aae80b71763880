"""The report's sections from expected guests, the IKM survey and complaints, on seeded rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.config import VisitingHoursConfig
from core.vocab import AppointmentStatus, ComplaintStatus, ReportGrouping
from storage.db import transaction
from storage.models_appointments import Appointment
from storage.models_public import Complaint, SurveyResponse
from storage.report import build_report, month_scope
from tests.support.report import JAKARTA

IN_NOVEMBER = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)  # 10:00 in Jakarta
IN_DECEMBER = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def november():
    return month_scope(2026, 11, JAKARTA, VisitingHoursConfig(), ReportGrouping.DAY)


def appointment(status: str, at: datetime) -> Appointment:
    return Appointment(
        name="Siti", name_key="siti", at=at, until=at + timedelta(hours=1), status=status
    )


def answer(score: int, at: datetime) -> SurveyResponse:
    return SurveyResponse(submitted_at=at, **{f"u{n}": score for n in range(1, 10)})


def complaint(no: str, status: str, created: datetime, answered: datetime | None = None):
    return Complaint(
        tracking_no=no,
        message="Antrean lama",
        status=status,
        created_at=created,
        due_at=created + timedelta(days=5),
        answered_at=answered,
    )


def rows(report, key: str) -> dict[str, object]:
    return {str(row[0]): row[1] for row in report.section(key).rows}


def test_no_shows_ikm_and_complaints_of_the_month(factory):
    with transaction(factory) as db:
        db.add_all(
            [
                appointment(AppointmentStatus.ARRIVED, IN_NOVEMBER),
                appointment(AppointmentStatus.NO_SHOW, IN_NOVEMBER),
                appointment(AppointmentStatus.NO_SHOW, IN_NOVEMBER + timedelta(days=1)),
                appointment(AppointmentStatus.NO_SHOW, IN_DECEMBER),  # another month
                answer(4, IN_NOVEMBER),
                answer(3, IN_NOVEMBER),
                answer(1, IN_DECEMBER),
                complaint("A1", ComplaintStatus.RECEIVED, IN_NOVEMBER),  # overdue by now
                complaint(
                    "A2", ComplaintStatus.ANSWERED, IN_NOVEMBER, IN_NOVEMBER + timedelta(days=9)
                ),
                complaint("A3", ComplaintStatus.RECEIVED, IN_DECEMBER),
            ]
        )
    with factory() as db:
        report = build_report(db, november())
    expected = rows(report, "appointments")
    assert (expected["Datang"], expected["Tidak datang"], expected["Jumlah"]) == (1, 2, 3)
    ikm = rows(report, "survey_ikm")
    assert ikm["Persyaratan"] == 3.5 and ikm["Jumlah responden"] == 2
    assert ikm["IKM (rata-rata unsur × 25)"] == 87.5
    assert ikm["Mutu pelayanan"] == "B (Baik)"
    complaints = rows(report, "complaints")
    assert complaints["Jumlah"] == 2 and complaints["Dijawab terlambat"] == 1
    assert complaints["Lewat batas waktu (belum dijawab)"] == 1


def test_an_empty_month_shows_the_sections_without_a_score(factory):
    with factory() as db:
        report = build_report(db, november())
    ikm = rows(report, "survey_ikm")
    assert ikm["Jumlah responden"] == 0 and ikm["Mutu pelayanan"] is None
    assert rows(report, "appointments")["Jumlah"] == 0
    assert rows(report, "complaints")["Jumlah"] == 0
