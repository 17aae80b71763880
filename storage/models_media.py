"""The `media_blobs` table: snapshots and photos kept in the database (media_store: database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime, utcnow


class MediaBlob(Base):
    """One stored JPEG by its relative media path."""

    __tablename__ = "media_blobs"
    path: Mapped[str] = mapped_column(String(200), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
