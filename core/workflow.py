"""The guest SOP as rules: who may decide, which moves are allowed, what a valid entry is.

Pure logic with no database: `storage.visits` applies these rules to stored rows (core never
imports storage), so web code calls `storage.visits.decide(...)` and friends, and catches
`WorkflowError` from here (re-exported by `storage.visits`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

DECIDERS = ("bupati", "adjutant")
# Roles allowed to record a decision; everyone but the Bupati decides on the Bupati's behalf.
DECIDING_ROLES = (*DECIDERS, "admin")
DECISION_KINDS = ("receive", "wait", "reschedule", "decline", "delegate")
CATEGORIES = ("pemerintah", "swasta", "masyarakat")
# What a decision does to the arrival; "wait" leaves it waiting (still open).
STATUS_AFTER_DECISION = {
    "receive": "received",
    "wait": "waiting",
    "reschedule": "rescheduled",
    "decline": "declined",
    "delegate": "delegated",
}
OPEN_STATUSES = ("waiting",)
ESCORT_NEXT = {"pending": ("escorted", "left"), "escorted": ("left",), "left": ()}
UNKNOWN_ACTIONS = ("identify", "register", "not_guest", "dismiss")
UNKNOWN_STATUS_AFTER = {
    "identify": "identified",
    "register": "registered",
    "not_guest": "not_guest",
    "dismiss": "dismissed",
}

NAME_MAX = 120
PURPOSE_MAX = 500
INSTITUTION_MAX = 160
PHONE_MAX = 40
NOTE_MAX = 500
DELEGATE_MAX = 120
COMPANIONS_MAX = 50
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-.]*$")


class WorkflowError(ValueError):
    """A refused workflow step; the message is shown to the user as it is."""


@dataclass(frozen=True)
class DecisionRequest:
    """A validated decision, ready to be stored."""

    kind: str
    on_behalf: bool
    reschedule_at: datetime | None
    delegate_to: str | None
    note: str | None


@dataclass(frozen=True)
class GuestBookFields:
    """Validated guest-book fields, stripped, empty optionals as None."""

    name: str
    category: str
    institution: str | None
    purpose: str
    phone: str | None
    companions: int


def clean_text(value: object, label: str, max_len: int, *, required: bool) -> str | None:
    """Strip `value`; refuse a missing required value or one longer than `max_len`."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise WorkflowError(f"{label} harus berupa teks.")
    if not text:
        if required:
            raise WorkflowError(f"{label} wajib diisi.")
        return None
    if len(text) > max_len:
        raise WorkflowError(f"{label} terlalu panjang (maksimal {max_len} karakter).")
    return text


def clean_phone(value: object) -> str | None:
    """A plausible phone number (digits, spaces, + ( ) - .; 6 to 20 digits) or None."""
    text = clean_text(value, "Nomor telepon", PHONE_MAX, required=False)
    if text is None:
        return None
    digits = sum(ch.isdigit() for ch in text)
    if not _PHONE.match(text) or not 6 <= digits <= 20:
        raise WorkflowError("Nomor telepon tidak valid (contoh: 0812 3456 7890 atau +62 812 ...).")
    return text


def clean_category(value: object) -> str:
    """One of CATEGORIES."""
    if value not in CATEGORIES:
        raise WorkflowError("Kategori harus salah satu dari: pemerintah, swasta, masyarakat.")
    return str(value)


def clean_companions(value: object) -> int:
    """A whole number of companions between 0 and COMPANIONS_MAX."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise WorkflowError("Jumlah pengikut harus berupa angka bulat.")
    if not 0 <= value <= COMPANIONS_MAX:
        raise WorkflowError(f"Jumlah pengikut harus antara 0 dan {COMPANIONS_MAX}.")
    return value


def validate_guestbook(
    *,
    name: object,
    category: object,
    institution: object = None,
    purpose: object,
    phone: object = None,
    companions: object = 0,
) -> GuestBookFields:
    """Check every guest-book field; the first problem raises WorkflowError."""
    return GuestBookFields(
        name=clean_text(name, "Nama", NAME_MAX, required=True) or "",
        category=clean_category(category),
        institution=clean_text(institution, "Instansi", INSTITUTION_MAX, required=False),
        purpose=clean_text(purpose, "Keperluan", PURPOSE_MAX, required=True) or "",
        phone=clean_phone(phone),
        companions=clean_companions(companions),
    )


def validate_decision(
    kind: str,
    role: str,
    *,
    reschedule_at: datetime | None = None,
    delegate_to: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> DecisionRequest:
    """Check a decision against the SOP: allowed role, kind, and the kind's own fields."""
    if role not in DECIDING_ROLES:
        raise WorkflowError("Hanya Bupati atau ajudan yang dapat memutuskan kunjungan.")
    if kind not in DECISION_KINDS:
        raise WorkflowError(f"Keputusan tidak dikenal: {kind!r}.")
    when = None
    if kind == "reschedule":
        when = _future(reschedule_at, now or datetime.now(UTC))
    delegate = None
    if kind == "delegate":
        delegate = clean_text(delegate_to, "Pejabat yang ditunjuk", DELEGATE_MAX, required=True)
    return DecisionRequest(
        kind=kind,
        on_behalf=role != "bupati",
        reschedule_at=when,
        delegate_to=delegate,
        note=clean_text(note, "Catatan", NOTE_MAX, required=False),
    )


def _future(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        raise WorkflowError("Tanggal dan jam penjadwalan ulang wajib diisi.")
    if at.tzinfo is None:
        raise WorkflowError("Waktu penjadwalan ulang harus menyertakan zona waktu.")
    if at <= now:
        raise WorkflowError("Waktu penjadwalan ulang harus di masa depan.")
    return at.astimezone(UTC)


def check_open(status: str) -> None:
    """Refuse a decision on an arrival that is no longer waiting."""
    if status not in OPEN_STATUSES:
        raise WorkflowError(f"Kunjungan ini sudah diputuskan atau selesai (status: {status}).")


def check_escort_move(current: str, new: str) -> None:
    """Refuse an escort step that does not follow pending → escorted → left."""
    if new not in ESCORT_NEXT:
        raise WorkflowError(f"Status pengantaran tidak dikenal: {new!r}.")
    if new not in ESCORT_NEXT.get(current, ()):
        raise WorkflowError(f"Tugas pengantaran tidak dapat diubah dari {current} ke {new}.")


def check_unknown_action(action: str, status: str) -> str:
    """The unknown face's status after `action`; refuses unknown actions and re-resolving."""
    if action not in UNKNOWN_ACTIONS:
        raise WorkflowError(f"Tindakan tidak dikenal: {action!r}.")
    if status != "pending":
        raise WorkflowError(f"Wajah ini sudah ditangani (status: {status}).")
    return UNKNOWN_STATUS_AFTER[action]


def validate_guest_fields(fields: dict[str, object] | None) -> dict[str, str | None]:
    """Name, category (default masyarakat), institution and phone of a guest to register."""
    fields = fields or {}
    return {
        "name": clean_text(fields.get("name"), "Nama", NAME_MAX, required=True),
        "category": clean_category(fields.get("category") or "masyarakat"),
        "institution": clean_text(
            fields.get("institution"), "Instansi", INSTITUTION_MAX, required=False
        ),
        "phone": clean_phone(fields.get("phone")),
    }
