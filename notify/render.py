"""Message texts, in Bahasa Indonesia (the residence's language), times in the local zone.

`camera` is always the camera's display name (`config.camera_label`), never its URL name.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

STRANGER = "Tamu tak dikenal"


def clock(at: datetime | str, tz: tzinfo) -> str:
    """'19:30' in the configured timezone, from an aware datetime or its ISO text."""
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return moment.astimezone(tz).strftime("%H:%M")


def guest_arrived(name: str | None, camera: str, at: datetime, tz: tzinfo, outside: bool):
    """Title and text for an arrival (a guest, or a stranger), maybe outside visiting hours."""
    who = name or STRANGER
    title = f"Tamu datang: {who}"
    text = f"{who} tiba di kamera {camera} pukul {clock(at, tz)}."
    if outside:
        title += " (di luar jam kunjungan)"
        text += " Saat ini di luar jam kunjungan."
    return title, text


def unknown_face(camera: str, at: datetime, tz: tzinfo) -> tuple[str, str]:
    """Title and text for a stranger's face at a camera."""
    return (
        f"Wajah tak dikenal di {camera}",
        f"Seseorang yang tidak dikenal terlihat di kamera {camera} pukul {clock(at, tz)}. "
        "Mohon periksa di halaman penjaga.",
    )


def watchlist(person: str, level: str, camera: str, at: datetime, tz: tzinfo) -> tuple[str, str]:
    """Title and text for a watchlist sighting."""
    return (
        f"PERHATIAN: {person} (tingkat {level})",
        f"Orang dalam daftar perhatian, {person}, terlihat di kamera {camera} "
        f"pukul {clock(at, tz)}. Segera periksa.",
    )


def waiting(name: str | None, since: datetime, minutes: int, tz: tzinfo, escalated: bool):
    """Title and text for a guest waiting without a decision (reminder or escalation)."""
    who = name or STRANGER
    title = "Eskalasi: tamu belum diputuskan" if escalated else "Pengingat: tamu menunggu keputusan"
    text = f"{who} menunggu sejak pukul {clock(since, tz)} ({minutes} menit) tanpa keputusan."
    return title, text
