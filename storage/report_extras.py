"""The report's sections from other features: expected guests, satisfaction (IKM), complaints."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.ikm import ELEMENTS
from core.vocab import AppointmentStatus
from storage.complaints import complaint_counts
from storage.models_appointments import Appointment
from storage.report_types import Cell, Label, ReportScope, Section
from storage.survey import ikm_summary

APPOINTMENT_LABELS = {
    AppointmentStatus.ARRIVED: Label("Datang"),
    AppointmentStatus.NO_SHOW: Label("Tidak datang"),
    AppointmentStatus.CANCELLED: Label("Dibatalkan"),
    AppointmentStatus.EXPECTED: Label("Masih ditunggu"),
}


def appointments_section(session: Session, scope: ReportScope) -> Section:
    """Expected guests whose window started in the period, by what became of them."""
    rows = session.execute(
        select(Appointment.status, func.count(Appointment.id))
        .where(Appointment.at >= scope.since, Appointment.at < scope.until)
        .group_by(Appointment.status)
    ).all()
    counts = {str(status): int(count) for status, count in rows}
    body = tuple((label, counts.get(status, 0)) for status, label in APPOINTMENT_LABELS.items())
    return Section(
        "appointments",
        "Janji temu",
        ("Janji temu", "Jumlah"),
        (*body, (Label("Jumlah"), sum(counts.values()))),
        note="Tidak datang: jendela waktu janji berakhir tanpa kedatangan yang cocok.",
    )


def ikm_section(session: Session, scope: ReportScope) -> Section:
    """The satisfaction survey's answers in the period: each element's mean, the IKM, its grade."""
    summary = ikm_summary(session, scope.since, scope.until)
    rows: list[tuple[Cell, ...]] = [
        (Label(element.name), summary.element_means.get(element.code)) for element in ELEMENTS
    ]
    rows.append((Label("Jumlah responden"), summary.responses))
    rows.append((Label("IKM (rata-rata unsur × 25)"), float(summary.ikm) if summary.ikm else None))
    grade = summary.category
    rows.append((Label("Mutu pelayanan"), f"{grade.grade} ({grade.name})" if grade else None))
    return Section(
        "survey_ikm",
        "Survei kepuasan masyarakat (IKM)",
        ("Unsur pelayanan", "Nilai rata-rata (1–4)"),
        tuple(rows),
        note="PermenPANRB No. 14 Tahun 2017: 88,31–100 A, 76,61–88,30 B, 65,00–76,60 C, "
        "25,00–64,99 D.",
    )


def complaints_section(session: Session, scope: ReportScope) -> Section:
    """Complaints and suggestions received in the period, by their status now."""
    counts = complaint_counts(session, scope.since, scope.until)
    return Section(
        "complaints",
        "Pengaduan dan saran",
        ("Status", "Jumlah"),
        (
            (Label("Diterima"), counts.received),
            (Label("Diproses"), counts.in_progress),
            (Label("Dijawab"), counts.answered),
            (Label("Lewat batas waktu (belum dijawab)"), counts.overdue),
            (Label("Dijawab terlambat"), counts.answered_late),
            (Label("Jumlah"), counts.total),
        ),
    )


SECTIONS = (appointments_section, ikm_section, complaints_section)
