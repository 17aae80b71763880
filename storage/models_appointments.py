"""The table of expected guests (janji temu): who is expected when, and how it turned out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.vocab import AppointmentStatus
from storage.models import Arrival, Base, Guest, User
from storage.types import UTCDateTime, utcnow


class Appointment(Base):
    """A guest expected between `at` and `until`; `arrival_id` is the visit that fulfilled it."""

    __tablename__ = "appointments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # The name folded for matching arrivals of guests it was not linked to by id.
    name_key: Mapped[str] = mapped_column(String(120), index=True)
    guest_id: Mapped[int | None] = mapped_column(
        ForeignKey("guests.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    purpose: Mapped[str | None] = mapped_column(String(500))
    host: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(
        String(20), default=AppointmentStatus.EXPECTED.value, index=True
    )
    arrival_id: Mapped[int | None] = mapped_column(
        ForeignKey("arrivals.id", ondelete="SET NULL"), index=True
    )
    # The visit whose "reschedule" decision made this appointment, if any.
    origin_arrival_id: Mapped[int | None] = mapped_column(
        ForeignKey("arrivals.id", ondelete="SET NULL")
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    guest: Mapped[Guest | None] = relationship()
    arrival: Mapped[Arrival | None] = relationship(foreign_keys=[arrival_id])
    creator: Mapped[User | None] = relationship()
