"""Refused workflow steps as codes with parameters, and the one table of their messages.

`WorkflowError(code, **params)` is raised by `core.workflow` and `storage`; `str(error)` is the
Bahasa Indonesia text (for logs and the CLI). The web shows it in the user's language through
`web.messages`, which translates the same `MESSAGES` and `LABELS` entries (the Indonesian
source strings are the msgids of `web/translations`). A parameter that is a `Field` or a
`Record` is shown by its label, translated too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum

TranslateFn = Callable[[str], str]


def N_(text: str) -> str:
    """Mark `text` for translation without translating it (babel.cfg extracts `N_`)."""
    return text


class Field(StrEnum):
    """An input field a message can name."""

    NAME = "name"
    CATEGORY = "category"
    INSTITUTION = "institution"
    PURPOSE = "purpose"
    PHONE = "phone"
    COMPANIONS = "companions"
    NOTE = "note"
    DELEGATE_TO = "delegate_to"
    RESCHEDULE_AT = "reschedule_at"
    COMMENT = "comment"
    MESSAGE = "message"
    CONTACT = "contact"
    RESPONSE = "response"
    SCORE = "score"
    AT = "at"
    UNTIL = "until"
    HOST = "host"
    WAIT_MINUTES = "wait_minutes"
    LEVEL = "level"


class Record(StrEnum):
    """A kind of stored record a message can name."""

    ARRIVAL = "arrival"
    UNKNOWN_FACE = "unknown_face"
    ESCORT_TASK = "escort_task"
    GUESTBOOK_ENTRY = "guestbook_entry"
    GUEST = "guest"
    COMPLAINT = "complaint"
    APPOINTMENT = "appointment"


class ErrorCode(StrEnum):
    """Why a workflow step was refused."""

    NOT_TEXT = "not_text"
    CONTROL_CHARS = "control_chars"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    BAD_PHONE = "bad_phone"
    BAD_CATEGORY = "bad_category"
    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "out_of_range"
    INVALID_FIELDS = "invalid_fields"
    NOT_A_DECIDER = "not_a_decider"
    UNKNOWN_DECISION = "unknown_decision"
    NAIVE_TIME = "naive_time"
    NOT_IN_FUTURE = "not_in_future"
    ALREADY_DECIDED = "already_decided"
    UNKNOWN_ESCORT_STATUS = "unknown_escort_status"
    ESCORT_MOVE = "escort_move"
    UNKNOWN_ACTION = "unknown_action"
    ALREADY_RESOLVED = "already_resolved"
    BAD_ID = "bad_id"
    NOT_FOUND = "not_found"
    CHOOSE_GUEST = "choose_guest"
    IS_STAFF = "is_staff"
    NO_ENCODING = "no_encoding"
    BAD_GUEST = "bad_guest"
    ARRIVAL_DISMISSED = "arrival_dismissed"
    ALREADY_CHECKED_IN = "already_checked_in"
    ALREADY_CHECKED_OUT = "already_checked_out"
    NOT_NAMED = "not_named"
    SURVEY_UNKNOWN = "survey_unknown"
    SURVEY_USED = "survey_used"
    COMPLAINT_MOVE = "complaint_move"
    UNKNOWN_COMPLAINT_KIND = "unknown_complaint_kind"
    BAD_TIME = "bad_time"
    UNTIL_NOT_AFTER = "until_not_after"
    APPOINTMENT_CLOSED = "appointment_closed"
    ALREADY_NAMED = "already_named"
    NO_FACE_DATA = "no_face_data"
    NOT_A_RELAYER = "not_a_relayer"
    NOTHING_TO_TELL = "nothing_to_tell"
    ALREADY_TOLD = "already_told"
    DECISION_CHANGED = "decision_changed"


# code -> Indonesian source string; `%(name)s` placeholders are the error's parameters.
MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.NOT_TEXT: N_("%(field)s harus berupa teks."),
    ErrorCode.CONTROL_CHARS: N_("%(field)s berisi karakter kontrol yang tidak diizinkan."),
    ErrorCode.REQUIRED: N_("%(field)s wajib diisi."),
    ErrorCode.TOO_LONG: N_("%(field)s terlalu panjang (maksimal %(max)s karakter)."),
    ErrorCode.BAD_PHONE: N_("Nomor telepon tidak valid (contoh: 0812 3456 7890 atau +62 812 ...)."),
    ErrorCode.BAD_CATEGORY: N_("Kategori harus salah satu dari: pemerintah, swasta, masyarakat."),
    ErrorCode.NOT_A_NUMBER: N_("%(field)s harus berupa angka bulat."),
    ErrorCode.OUT_OF_RANGE: N_("%(field)s harus antara %(min)s dan %(max)s."),
    ErrorCode.INVALID_FIELDS: N_("Periksa kembali isian formulir."),
    ErrorCode.NOT_A_DECIDER: N_("Hanya Bupati atau ajudan yang dapat memutuskan kunjungan."),
    ErrorCode.UNKNOWN_DECISION: N_("Keputusan tidak dikenal: %(kind)s."),
    ErrorCode.NAIVE_TIME: N_("Waktu penjadwalan ulang harus menyertakan zona waktu."),
    ErrorCode.NOT_IN_FUTURE: N_("Waktu penjadwalan ulang harus di masa depan."),
    ErrorCode.ALREADY_DECIDED: N_(
        "Kunjungan ini sudah diputuskan atau selesai (status: %(status)s)."
    ),
    ErrorCode.UNKNOWN_ESCORT_STATUS: N_("Status pengantaran tidak dikenal: %(status)s."),
    ErrorCode.ESCORT_MOVE: N_("Tugas pengantaran tidak dapat diubah dari %(current)s ke %(new)s."),
    ErrorCode.UNKNOWN_ACTION: N_("Tindakan tidak dikenal: %(action)s."),
    ErrorCode.ALREADY_RESOLVED: N_("Wajah ini sudah ditangani (status: %(status)s)."),
    ErrorCode.BAD_ID: N_("%(record)s tidak ditemukan (id tidak valid: %(id)s)."),
    ErrorCode.NOT_FOUND: N_("%(record)s #%(id)s tidak ditemukan."),
    ErrorCode.CHOOSE_GUEST: N_("Pilih tamu yang dimaksud."),
    ErrorCode.IS_STAFF: N_("Orang ini terdaftar sebagai staf/keluarga, bukan tamu."),
    ErrorCode.NOT_NAMED: N_("Kedatangan #%(id)s tidak bernama; tidak ada nama untuk dibatalkan."),
    ErrorCode.NO_FACE_DATA: N_(
        "Kedatangan #%(id)s tidak menyimpan data wajah; daftarkan tamu dari foto."
    ),
    ErrorCode.ALREADY_NAMED: N_(
        'Kedatangan #%(id)s sudah bernama; gunakan "Bukan orang ini" bila namanya salah.'
    ),
    ErrorCode.NO_ENCODING: N_("Wajah ini tidak memiliki data pengenal; pilih 'abaikan'."),
    ErrorCode.BAD_GUEST: N_("Data tamu tidak dapat disimpan: %(reason)s."),
    ErrorCode.ARRIVAL_DISMISSED: N_("Kedatangan #%(id)s sudah diabaikan (bukan tamu)."),
    ErrorCode.ALREADY_CHECKED_IN: N_(
        "Kedatangan #%(id)s sudah tercatat di buku tamu (entri #%(entry)s)."
    ),
    ErrorCode.ALREADY_CHECKED_OUT: N_("Entri buku tamu #%(id)s sudah check-out."),
    ErrorCode.SURVEY_UNKNOWN: N_("Tautan survei ini tidak dikenal atau sudah tidak berlaku."),
    ErrorCode.SURVEY_USED: N_("Survei untuk kunjungan ini sudah diisi. Terima kasih."),
    ErrorCode.COMPLAINT_MOVE: N_(
        "Status pengaduan tidak dapat diubah dari %(current)s ke %(new)s."
    ),
    ErrorCode.UNKNOWN_COMPLAINT_KIND: N_("Jenis harus pengaduan atau saran."),
    ErrorCode.BAD_TIME: N_(
        "%(field)s tidak valid (tanggal dan jam dengan zona waktu, tahun %(min)s–%(max)s)."
    ),
    ErrorCode.UNTIL_NOT_AFTER: N_("Waktu selesai harus sesudah waktu mulai."),
    ErrorCode.APPOINTMENT_CLOSED: N_(
        "Janji temu #%(id)s tidak lagi dijadwalkan (status: %(status)s)."
    ),
    ErrorCode.NOT_A_RELAYER: N_("Hanya penjaga yang dapat mencatat bahwa tamu sudah diberi tahu."),
    ErrorCode.NOTHING_TO_TELL: N_("Kedatangan #%(id)s belum mendapat keputusan."),
    ErrorCode.ALREADY_TOLD: N_("Keputusan ini sudah disampaikan kepada tamu."),
    ErrorCode.DECISION_CHANGED: N_(
        "Keputusan untuk kedatangan #%(id)s sudah berubah; periksa lagi sebelum menyampaikan."
    ),
}

# How a Field or Record parameter is named inside a message (Indonesian source strings).
LABELS: dict[StrEnum, str] = {
    Field.NAME: N_("Nama"),
    Field.CATEGORY: N_("Kategori"),
    Field.INSTITUTION: N_("Instansi"),
    Field.PURPOSE: N_("Keperluan"),
    Field.PHONE: N_("Nomor telepon"),
    Field.COMPANIONS: N_("Jumlah pengikut"),
    Field.NOTE: N_("Catatan"),
    Field.DELEGATE_TO: N_("Pejabat yang ditunjuk"),
    Field.RESCHEDULE_AT: N_("Tanggal dan jam penjadwalan ulang"),
    Field.COMMENT: N_("Komentar"),
    Field.MESSAGE: N_("Isi pengaduan atau saran"),
    Field.CONTACT: N_("Kontak"),
    Field.RESPONSE: N_("Tanggapan"),
    Field.SCORE: N_("Nilai"),
    Field.AT: N_("Waktu janji"),
    Field.UNTIL: N_("Waktu selesai"),
    Field.HOST: N_("Bertemu dengan"),
    Field.WAIT_MINUTES: N_("Lama menunggu (menit)"),
    Field.LEVEL: N_("Tingkat"),
    Record.ARRIVAL: N_("Kedatangan"),
    Record.UNKNOWN_FACE: N_("Data wajah"),
    Record.ESCORT_TASK: N_("Tugas antar"),
    Record.GUESTBOOK_ENTRY: N_("Entri buku tamu"),
    Record.GUEST: N_("Tamu"),
    Record.COMPLAINT: N_("Pengaduan"),
    Record.APPOINTMENT: N_("Janji temu"),
}


def render(
    code: ErrorCode, params: Mapping[str, object], translate: TranslateFn | None = None
) -> str:
    """The message of `code` with `params`; every text goes through `translate` when given."""
    tr = translate or _identity
    shown = {
        key: tr(LABELS[value]) if isinstance(value, Field | Record) else value
        for key, value in params.items()
    }
    return tr(MESSAGES[code]) % shown


class WorkflowError(ValueError):
    """A refused workflow step: a code and its parameters; `str()` is the Indonesian text."""

    def __init__(self, code: ErrorCode, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(self.text())

    def text(self, translate: TranslateFn | None = None) -> str:
        """The message, each text passed through `translate` (the web's gettext)."""
        return render(self.code, self.params, translate)


class InvalidFields(WorkflowError):
    """Several fields refused at once; `problems` holds each field's first problem."""

    def __init__(self, problems: Mapping[Field, WorkflowError]) -> None:
        self.problems = dict(problems)
        super().__init__(ErrorCode.INVALID_FIELDS)

    def text(self, translate: TranslateFn | None = None) -> str:
        """Every field's problem, one after the other."""
        return " ".join(problem.text(translate) for problem in self.problems.values())


def _identity(text: str) -> str:
    return text
