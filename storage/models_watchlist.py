"""Watchlist (daftar perhatian) tables: persons of concern, their faces and their sightings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models import Base
from storage.types import UTCDateTime, utcnow


class WatchlistEntry(Base):
    """A person of concern enrolled by security, with a level (core.vocab.WatchlistLevel)."""

    __tablename__ = "watchlist_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    samples: Mapped[list[WatchlistSample]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", passive_deletes=True
    )
    sightings: Mapped[list[WatchlistSighting]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", passive_deletes=True
    )


class WatchlistSample(Base):
    """One enrolled face of an entry: a 128-d float32 encoding and its photo under watchlist/."""

    __tablename__ = "watchlist_samples"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("watchlist_entries.id", ondelete="CASCADE"), index=True
    )
    encoding: Mapped[bytes] = mapped_column(LargeBinary)
    photo: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entry: Mapped[WatchlistEntry] = relationship(back_populates="samples")


class WatchlistSighting(Base):
    """An entry seen by a camera: when, how near, its snapshot, and who acknowledged it."""

    __tablename__ = "watchlist_sightings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("watchlist_entries.id", ondelete="CASCADE"), index=True
    )
    camera: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    distance: Mapped[float | None] = mapped_column(Float)
    snapshot: Mapped[str | None] = mapped_column(String(200))
    track: Mapped[str | None] = mapped_column(String(40))
    acknowledged_by: Mapped[str | None] = mapped_column(String(60))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entry: Mapped[WatchlistEntry] = relationship(back_populates="sightings")
