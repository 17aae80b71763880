"""SQLAlchemy models for guests, faces, cameras, arrivals and the visit workflow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core.vocab import (
    ArrivalStatus,
    CameraStatus,
    DecisionKind,
    EscortStatus,
    GuestCategory,
    Role,
    UnknownStatus,
    values,
)
from storage.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The stored strings of each vocabulary (core.vocab), for checks and CLI choices.
GUEST_CATEGORIES = values(GuestCategory)
CAMERA_STATUSES = values(CameraStatus)
UNKNOWN_STATUSES = values(UnknownStatus)
ROLES = values(Role)
DECISIONS = values(DecisionKind)
ESCORT_STATUSES = values(EscortStatus)
ARRIVAL_STATUSES = values(ArrivalStatus)


class Base(DeclarativeBase):
    """Declarative base with constraint names that Alembic can rely on."""

    metadata = MetaData(naming_convention=NAMING)


class Guest(Base):
    """A registered person; `is_staff` marks staff or family who never raise alerts."""

    __tablename__ = "guests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(20), default=GuestCategory.MASYARAKAT.value)
    institution: Mapped[str | None] = mapped_column(String(160))
    phone: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    samples: Mapped[list[FaceSample]] = relationship(
        back_populates="guest", cascade="all, delete-orphan", passive_deletes=True
    )


class FaceSample(Base):
    """One enrolled face: a 128-d float32 encoding (512 bytes) and its source photo."""

    __tablename__ = "face_samples"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guest_id: Mapped[int] = mapped_column(ForeignKey("guests.id", ondelete="CASCADE"), index=True)
    encoding: Mapped[bytes] = mapped_column(LargeBinary)
    photo: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "photo" (enrolment) or "camera" (confirmed footage of a visit).
    source: Mapped[str] = mapped_column(String(10), default="photo", server_default="photo")
    camera: Mapped[str | None] = mapped_column(String(32))
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrival_id: Mapped[int | None] = mapped_column(
        ForeignKey("arrivals.id", ondelete="SET NULL"), index=True
    )
    quality: Mapped[float | None] = mapped_column(Float)
    face_px: Mapped[int | None] = mapped_column(Integer)
    sharpness: Mapped[float | None] = mapped_column(Float)
    frontalness: Mapped[float | None] = mapped_column(Float)
    # Comma-separated core.vocab.PhotoWarning codes of a weak enrolment photo.
    warnings: Mapped[str | None] = mapped_column(String(120))
    guest: Mapped[Guest] = relationship(back_populates="samples")


class Setting(Base):
    """Small shared state: enrolment version, whether the Bupati receives guests."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(400))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Camera(Base):
    """A configured camera and its last known status."""

    __tablename__ = "cameras"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=CameraStatus.OFFLINE.value)
    last_frame_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fps: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    latest_frame: Mapped[str | None] = mapped_column(String(200))


class Arrival(Base):
    """One visit: a person (or stranger) first seen at a camera, extended while seen again."""

    __tablename__ = "arrivals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id"), index=True)
    guest_id: Mapped[int | None] = mapped_column(
        ForeignKey("guests.id", ondelete="SET NULL"), index=True
    )
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    waiting_room_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snapshot: Mapped[str | None] = mapped_column(String(200))
    snapshot_score: Mapped[float] = mapped_column(Float, default=0.0)
    best_distance: Mapped[float | None] = mapped_column(Float)
    sightings: Mapped[int] = mapped_column(Integer, default=1)
    outside_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    # one of ARRIVAL_STATUSES
    status: Mapped[str] = mapped_column(String(20), default=ArrivalStatus.WAITING.value, index=True)
    # When the worker first stored it (first_seen → recorded_at is the time to recognise).
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    camera: Mapped[Camera] = relationship()
    guest: Mapped[Guest | None] = relationship()


class UnknownFace(Base):
    """A stranger's face from one visit, pending a guard's decision."""

    __tablename__ = "unknown_faces"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrival_id: Mapped[int] = mapped_column(
        ForeignKey("arrivals.id", ondelete="CASCADE"), index=True
    )
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id"))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    snapshot: Mapped[str | None] = mapped_column(String(200))
    snapshot_score: Mapped[float] = mapped_column(Float, default=0.0)
    encoding: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default=UnknownStatus.PENDING.value, index=True)
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guests.id", ondelete="SET NULL"))
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrival: Mapped[Arrival] = relationship()
    camera: Mapped[Camera] = relationship()


class User(Base):
    """A dashboard account with one role."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    full_name: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of every session's id: raising it ends all of the account's sessions (logout,
    # password change, disable).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Decision(Base):
    """A decision on a waiting guest, by the Bupati or the adjutant on the Bupati's behalf."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrival_id: Mapped[int] = mapped_column(
        ForeignKey("arrivals.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    reschedule_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delegate_to: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    wait_minutes: Mapped[int | None] = mapped_column(Integer)
    # When and by whom the guard told the guest this decision ("Sudah disampaikan").
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    told_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_user: Mapped[User] = relationship(foreign_keys=[by_user_id])
    told_user: Mapped[User | None] = relationship(foreign_keys=[told_by])


class EscortTask(Base):
    """The guard's task to escort a received guest, then mark them gone."""

    __tablename__ = "escort_tasks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrival_id: Mapped[int] = mapped_column(
        ForeignKey("arrivals.id", ondelete="CASCADE"), index=True
    )
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    status: Mapped[str] = mapped_column(String(20), default=EscortStatus.PENDING.value, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    escorted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escorted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class GuestBookEntry(Base):
    """A line of the digital guest book (buku tamu), kept by the operator."""

    __tablename__ = "guestbook"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrival_id: Mapped[int | None] = mapped_column(
        ForeignKey("arrivals.id", ondelete="SET NULL"), index=True
    )
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guests.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(20))
    institution: Mapped[str | None] = mapped_column(String(160))
    purpose: Mapped[str] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(40))
    companions: Mapped[int] = mapped_column(Integer, default=0)
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AuditLog(Base):
    """Who viewed, decided, exported or changed what, and when."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str | None] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str | None] = mapped_column(String(120))
    detail: Mapped[str | None] = mapped_column(Text)
    # A burst of the same event (failed logins) is one row: how many, and the latest one's time.
    count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ArrivalSample(Base):
    """A good face sample of a visit's track: what confirmed footage and calibration learn from."""

    __tablename__ = "arrival_samples"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrival_id: Mapped[int] = mapped_column(
        ForeignKey("arrivals.id", ondelete="CASCADE"), index=True
    )
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id"))
    track: Mapped[str] = mapped_column(String(40))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    encoding: Mapped[bytes] = mapped_column(LargeBinary)
    quality: Mapped[float] = mapped_column(Float)
    face_px: Mapped[int] = mapped_column(Integer)
    sharpness: Mapped[float] = mapped_column(Float)
    frontalness: Mapped[float] = mapped_column(Float)
    # The guest this sample alone was nearest to, and how near.
    nearest_guest_id: Mapped[int | None] = mapped_column(
        ForeignKey("guests.id", ondelete="SET NULL")
    )
    distance: Mapped[float | None] = mapped_column(Float)
    camera: Mapped[Camera] = relationship()


class ImpostorSample(Base):
    """A face once wrongly named as `guest_id` ("Bukan orang ini"): never that guest again."""

    __tablename__ = "impostor_samples"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guest_id: Mapped[int] = mapped_column(ForeignKey("guests.id", ondelete="CASCADE"), index=True)
    encoding: Mapped[bytes] = mapped_column(LargeBinary)
    arrival_id: Mapped[int | None] = mapped_column(ForeignKey("arrivals.id", ondelete="SET NULL"))
    quality: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class NotificationDelivery(Base):
    """One message to one recipient over one channel, and how its delivery went."""

    __tablename__ = "notification_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(120), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(300))
    person: Mapped[str | None] = mapped_column(String(40))
    # pending | retrying | sent | failed | quiet | dropped
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # Set for messages to people: the same message is claimed once, whichever process sees it.
    dedupe_key: Mapped[str | None] = mapped_column(String(400), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CalibrationReport(Base):
    """A calibration report (JSON) for the admin's page: distances, look-alikes, advice."""

    __tablename__ = "calibration_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    report: Mapped[str] = mapped_column(Text)


Index("ix_arrivals_guest_last_seen", Arrival.guest_id, Arrival.last_seen)

# Tables declared in their own modules, registered on Base.metadata with the rest.
from storage import models_api as _api  # noqa: E402,F401  (registers tables)
from storage import models_appointments as _appointments  # noqa: E402,F401  (registers tables)
from storage import models_health as _health  # noqa: E402,F401  (registers tables)
from storage import models_media as _media  # noqa: E402,F401
from storage import models_public as _public  # noqa: E402,F401  (registers tables)
from storage import models_watchlist as _watchlist  # noqa: E402,F401  (registers tables)
