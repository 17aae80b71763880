"""The audit log in words: an action label per `AuditAction`, details as "label: value" phrases.

Rows store stable codes and JSON (`storage/audit.py`); this module turns them into Bahasa
Indonesia (or English, when chosen) for people. Unknown keys and actions still show, as they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.vocab import AuditAction
from web.i18n import DECISION_LABELS, ESCORT_STATUS_LABELS, ROLE_LABELS

ACTION_LABELS: dict[str, Any] = {
    AuditAction.LOGIN: _l("Masuk"),
    AuditAction.LOGIN_FAILED: _l("Gagal masuk"),
    AuditAction.LOGIN_THROTTLED: _l("Percobaan masuk dibatasi"),
    AuditAction.LOGOUT: _l("Keluar"),
    AuditAction.PASSWORD_CHANGE: _l("Kata sandi diganti"),
    AuditAction.VIEW_LIVE: _l("Melihat kamera langsung"),
    AuditAction.VIEW_SNAPSHOT: _l("Membuka foto"),
    AuditAction.VIEW_ARRIVAL: _l("Melihat riwayat kunjungan"),
    AuditAction.DECIDE: _l("Keputusan kunjungan"),
    AuditAction.RESOLVE_UNKNOWN: _l("Menangani wajah tak dikenal"),
    AuditAction.ESCORT: _l("Pengantaran tamu"),
    AuditAction.CHECKIN: _l("Mengisi buku tamu"),
    AuditAction.CHECKOUT: _l("Tamu pulang (buku tamu)"),
    AuditAction.EXPORT_CSV: _l("Ekspor CSV"),
    AuditAction.EXPORT_XLSX: _l("Ekspor XLSX"),
    AuditAction.SET_RECEIVING: _l("Status menerima tamu"),
    AuditAction.USER_ADD: _l("Pengguna ditambahkan"),
    AuditAction.USER_DISABLE: _l("Pengguna dinonaktifkan"),
    AuditAction.USER_ENABLE: _l("Pengguna diaktifkan kembali"),
    AuditAction.USER_ROLE: _l("Peran pengguna diubah"),
    AuditAction.GUEST_ADD: _l("Tamu didaftarkan"),
    AuditAction.GUEST_REMOVE: _l("Tamu dihapus beserta data wajahnya"),
    AuditAction.PURGE: _l("Penghapusan data lama (retensi)"),
    AuditAction.RECOGNISED: _l("Dikenali kamera"),
    AuditAction.REIDENTIFIED: _l("Nama dari kamera dikoreksi"),
    AuditAction.NOT_THIS_PERSON: _l("Bukan orang ini"),
    AuditAction.FOOTAGE_LEARNT: _l("Belajar dari rekaman"),
    AuditAction.SAMPLE_REMOVE: _l("Data wajah dihapus"),
    AuditAction.VIEW_CALIBRATION: _l("Melihat kalibrasi"),
    AuditAction.VIEW_LIST: _l("Membuka halaman daftar"),
    AuditAction.COMPLAINT_UPDATE: _l("Pengaduan diperbarui"),
    AuditAction.SLIP_PRINT: _l("Slip buku tamu dicetak"),
    AuditAction.APPOINTMENT_ADD: _l("Janji temu dibuat"),
    AuditAction.APPOINTMENT_NO_SHOW: _l("Janji temu: tidak datang"),
    AuditAction.APPOINTMENT_CANCEL: _l("Janji temu dibatalkan"),
    AuditAction.VIEW_REPORT: _l("Melihat laporan layanan"),
    AuditAction.EXPORT_REPORT_CSV: _l("Laporan diunduh (CSV)"),
    AuditAction.EXPORT_REPORT_PDF: _l("Laporan bulanan diunduh (PDF)"),
    AuditAction.OUTCOME_TOLD: _l("Keputusan disampaikan kepada tamu"),
    AuditAction.TOKEN_ADD: _l("Token API dibuat"),
    AuditAction.TOKEN_REVOKE: _l("Token API dicabut"),
    AuditAction.API_CALL: _l("Panggilan API"),
    AuditAction.WATCHLIST_ADD: _l("Daftar perhatian: orang ditambahkan"),
    AuditAction.WATCHLIST_REMOVE: _l("Daftar perhatian: orang dihapus"),
    AuditAction.WATCHLIST_SIGHTED: _l("Daftar perhatian: terlihat di kamera"),
    AuditAction.WATCHLIST_ACK: _l("Daftar perhatian: peringatan ditangani"),
}

# Detail keys, as people read them.
DETAIL_LABELS: dict[str, Any] = {
    "ip": _l("alamat IP"),
    "reason": _l("alasan"),
    "role": _l("peran"),
    "old_role": _l("peran sebelumnya"),
    "via": _l("melalui"),
    "cameras": _l("kamera"),
    "filters": _l("filter"),
    "rows": _l("baris"),
    "action": _l("tindakan"),
    "kind": _l("keputusan"),
    "on_behalf": _l("atas nama Bupati"),
    "reschedule_at": _l("dijadwalkan ulang"),
    "delegate_to": _l("didelegasikan ke"),
    "status": _l("status"),
    "receiving": _l("menerima tamu"),
    "arrival_id": _l("kedatangan"),
    "guest_id": _l("tamu"),
    "unknown_id": _l("wajah tak dikenal"),
    "from_guest_id": _l("dari tamu"),
    "to_guest_id": _l("menjadi tamu"),
    "distance": _l("jarak wajah"),
    "merged_into": _l("digabung ke kedatangan"),
    "samples": _l("sampel wajah"),
    "photos": _l("foto"),
    "encodings": _l("encoding wajah"),
    "impostor_samples": _l("sampel 'bukan orang ini'"),
    "unlearnt_samples": _l("sampel dibatalkan"),
    "arrival_snapshots": _l("foto kunjungan"),
    "arrival_samples": _l("sampel kunjungan"),
    "unknown_faces": _l("wajah tak dikenal"),
    "guestbook": _l("baris buku tamu"),
    "guestbook_policy": _l("buku tamu"),
    "unknown_snapshots": _l("foto wajah tak dikenal"),
    "unknown_encodings": _l("encoding wajah tak dikenal"),
    "unknowns_dismissed": _l("wajah tak dikenal diabaikan"),
    "track_samples": _l("sampel pelacakan"),
    "camera_samples": _l("sampel dari rekaman"),
    "live_frames": _l("gambar langsung"),
    "orphan_files": _l("berkas tanpa pemilik"),
    "since": _l("sejak"),
    "until": _l("sampai"),
    "camera": _l("kamera"),
    "guest": _l("nama tamu"),
    "unknown_only": _l("hanya tak dikenal"),
    "outside_hours": _l("di luar jam kunjungan"),
    "decision": _l("keputusan"),
}

# Stored code values shown as words (reasons, channels, policies).
VALUE_LABELS: dict[str, Any] = {
    "cli": _l("baris perintah"),
    "web": _l("dasbor"),
    "arrival": _l("foto kedatangan"),
    "bad": _l("kata sandi salah"),
    "disabled": _l("akun nonaktif"),
    "anonymise": _l("dianonimkan"),
    "delete": _l("dihapus"),
    "register": _l("daftarkan tamu baru"),
    "identify": _l("cocokkan dengan tamu"),
    "not_guest": _l("bukan tamu"),
    "dismiss": _l("abaikan"),
}

# Where a stored value is looked up for its words, first match wins.
_VALUE_TABLES = (VALUE_LABELS, ROLE_LABELS, DECISION_LABELS, ESCORT_STATUS_LABELS)

# Targets are "<kind>:<id>"; the kind in words.
TARGET_LABELS: dict[str, Any] = {
    "guest": _l("Tamu"),
    "arrival": _l("Kedatangan"),
    "unknown": _l("Wajah tak dikenal"),
    "guestbook": _l("Buku tamu"),
    "escort": _l("Pengantaran"),
}


@dataclass(frozen=True)
class AuditLine:
    """One audit row as shown: action label, target and detail in words, and the raw code."""

    action: str
    label: str
    target: str
    detail: str


def action_label(action: str) -> str:
    """The action in the current language (an unknown code as it is)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def target_text(target: str | None) -> str:
    """ "guest:4" → "Tamu #4"; other targets as stored."""
    if not target:
        return "—"
    kind, sep, ident = target.partition(":")
    if sep and kind in TARGET_LABELS and ident.isdigit():
        return f"{TARGET_LABELS[kind]} #{ident}"
    return target


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(_phrase(k, v) for k, v in value.items())
    if isinstance(value, str):
        for table in _VALUE_TABLES:
            if value in table:
                return str(table[value])
    return str(value)


def _phrase(key: str, value: Any) -> str:
    label = DETAIL_LABELS.get(key)
    return f"{label if label is not None else key}: {_value(value)}"


def detail_text(detail: str | None) -> str:
    """Stored JSON detail as "label: value" phrases; plain text stays as it is."""
    if not detail:
        return ""
    try:
        data = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(data, dict):
        return _value(data)
    return "; ".join(_phrase(k, v) for k, v in data.items() if v not in (None, ""))


def lines(rows: list[Any]) -> list[AuditLine]:
    """Audit rows as people read them."""
    return [
        AuditLine(
            row.action, action_label(row.action), target_text(row.target), detail_text(row.detail)
        )
        for row in rows
    ]
