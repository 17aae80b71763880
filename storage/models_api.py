"""Tables of the REST API and the metrics: API tokens, and counters the camera workers store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime, utcnow


class ApiToken(Base):
    """A token another system of the regency calls the API with; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class MetricCounter(Base):
    """A camera worker's running total (frames, encodings, arrivals, latency buckets).

    Camera processes may run on other hosts: each adds its increments here and the dashboard's
    /metrics exports the totals, so one scrape sees every camera.
    """

    __tablename__ = "metric_counters"
    __table_args__ = (UniqueConstraint("camera", "name", "le", name="uq_metric_counters_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(60))
    # A histogram bucket's upper bound ("" for plain counters).
    le: Mapped[str] = mapped_column(String(16), default="", server_default="")
    value: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
