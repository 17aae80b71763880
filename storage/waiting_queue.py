"""The waiting-room display's queue: queue numbers and initials only, never faces or names.

Each visit of the day gets a number in order of arrival ("A-03"); staff and family are not
counted. The display shows the guests still waiting and those just called in, with their
initials ("S.N.") when the guest book or the enrolment knows a name. Nothing else leaves here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from core.vocab import ArrivalStatus
from storage.models import Arrival, Guest, GuestBookEntry

QUEUE_PREFIX = "A"
SHOWN = (ArrivalStatus.WAITING, ArrivalStatus.RECEIVED)
INITIALS_MAX = 3


@dataclass(frozen=True)
class QueueItem:
    """One line of the display: queue number, initials (or None), waiting or called."""

    number: str
    initials: str | None
    state: str  # an ArrivalStatus: waiting or received (called in)

    def to_dict(self) -> dict[str, str | None]:
        """The JSON the display fetches."""
        return {"number": self.number, "initials": self.initials, "state": self.state}


def initials(name: str | None) -> str | None:
    """ "Siti Nurhaliza" → "S.N."; the first letters of up to three words (None if none)."""
    letters = [word[0].upper() for word in (name or "").split() if word[:1].isalpha()]
    return "".join(f"{ch}." for ch in letters[:INITIALS_MAX]) or None


def waiting_queue(session: Session, day_start: datetime, day_end: datetime) -> list[QueueItem]:
    """Today's guests still waiting or just called in, numbered in order of arrival."""
    not_staff = or_(Arrival.guest_id.is_(None), ~Arrival.guest.has(Guest.is_staff))
    arrivals = session.scalars(
        select(Arrival)
        .where(Arrival.first_seen >= day_start, Arrival.first_seen < day_end, not_staff)
        .options(selectinload(Arrival.guest))
        .order_by(Arrival.first_seen, Arrival.id)
    ).all()
    booked = _guestbook_names(session, [a.id for a in arrivals])
    out = []
    for position, arrival in enumerate(arrivals, start=1):
        if arrival.status not in SHOWN:
            continue
        name = booked.get(arrival.id) or (arrival.guest.name if arrival.guest else None)
        number = f"{QUEUE_PREFIX}-{position:02d}"
        out.append(QueueItem(number, initials(name), arrival.status))
    return out


def _guestbook_names(session: Session, arrival_ids: list[int]) -> dict[int, str]:
    if not arrival_ids:
        return {}
    rows = session.execute(
        select(GuestBookEntry.arrival_id, GuestBookEntry.name).where(
            GuestBookEntry.arrival_id.in_(arrival_ids)
        )
    ).all()
    return {arrival_id: name for arrival_id, name in rows if arrival_id is not None}
