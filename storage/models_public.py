"""Tables of the public service: survey tokens and anonymous responses (IKM), complaints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.vocab import ComplaintKind, ComplaintStatus
from storage.models import Base
from storage.types import UTCDateTime, utcnow


class SurveyToken(Base):
    """The one survey link of a guest-book visit: only its SHA-256 is kept, used once.

    Nothing links a token to the response it allowed (no key, no time of use): the answers
    stay anonymous even to someone reading the database.
    """

    __tablename__ = "survey_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guestbook_id: Mapped[int | None] = mapped_column(
        ForeignKey("guestbook.id", ondelete="SET NULL"), unique=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class SurveyResponse(Base):
    """One anonymous answer: the nine element scores (1–4) and an optional comment."""

    __tablename__ = "survey_responses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    u1: Mapped[int] = mapped_column(SmallInteger)
    u2: Mapped[int] = mapped_column(SmallInteger)
    u3: Mapped[int] = mapped_column(SmallInteger)
    u4: Mapped[int] = mapped_column(SmallInteger)
    u5: Mapped[int] = mapped_column(SmallInteger)
    u6: Mapped[int] = mapped_column(SmallInteger)
    u7: Mapped[int] = mapped_column(SmallInteger)
    u8: Mapped[int] = mapped_column(SmallInteger)
    u9: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(String(500))


class Complaint(Base):
    """A complaint or suggestion from the public, tracked by its random tracking number."""

    __tablename__ = "complaints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=ComplaintKind.COMPLAINT.value)
    name: Mapped[str | None] = mapped_column(String(120))
    contact: Mapped[str | None] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(20), default=ComplaintStatus.RECEIVED.value, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Answer by this moment (created_at + complaints.response_days), else overdue.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response: Mapped[str | None] = mapped_column(Text)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
