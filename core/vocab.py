"""The house's vocabulary, defined once: statuses, roles, categories, actions and event names.

Each is a `StrEnum`, so a member *is* its stored string: models keep storing the same values,
JSON and Socket.IO see plain strings, and `"waiting" == ArrivalStatus.WAITING`. Add a value here
(and its label in `web.i18n`); never spell it as a bare string elsewhere.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A dashboard account's role."""

    BUPATI = "bupati"
    ADJUTANT = "adjutant"
    GUARD = "guard"
    OPERATOR = "operator"
    SECURITY = "security"
    ADMIN = "admin"


class GuestCategory(StrEnum):
    """What kind of guest: government, private sector or the public."""

    PEMERINTAH = "pemerintah"
    SWASTA = "swasta"
    MASYARAKAT = "masyarakat"


class ArrivalStatus(StrEnum):
    """Where a visit stands; only WAITING is open for a decision."""

    WAITING = "waiting"
    RECEIVED = "received"
    RESCHEDULED = "rescheduled"
    DECLINED = "declined"
    DELEGATED = "delegated"
    LEFT = "left"
    DISMISSED = "dismissed"


class DecisionKind(StrEnum):
    """What the Bupati (or the adjutant on his behalf) decided on a waiting guest."""

    RECEIVE = "receive"
    WAIT = "wait"
    RESCHEDULE = "reschedule"
    DECLINE = "decline"
    DELEGATE = "delegate"


# A visit's outcome as the guard relays it: the latest decision's kind, or this before any.
AWAITING_DECISION = "awaiting"


class EscortStatus(StrEnum):
    """An escort task: pending → escorted → left."""

    PENDING = "pending"
    ESCORTED = "escorted"
    LEFT = "left"


class UnknownAction(StrEnum):
    """The guard's answer to a stranger's face."""

    IDENTIFY = "identify"
    REGISTER = "register"
    NOT_GUEST = "not_guest"
    DISMISS = "dismiss"


class UnknownStatus(StrEnum):
    """An unknown face: pending until the guard (or the retention purge) settles it."""

    PENDING = "pending"
    IDENTIFIED = "identified"
    REGISTERED = "registered"
    NOT_GUEST = "not_guest"
    DISMISSED = "dismissed"
    RECOGNISED = "recognised"  # the camera's own later evidence named the guest


class RecognitionReason(StrEnum):
    """Why the camera's evidence says what it says about a track (shown to the guard)."""

    EVIDENCE = "evidence"  # enough good samples name the guest
    FAR = "far_from_guests"  # every guest is clearly too far
    NOT_NAMED = "not_named_in_time"  # good samples, but no clear name in time
    UNIDENTIFIED = "no_good_view"  # no good sample in time
    PENDING = "pending"
    NOT_THIS_PERSON = "not_this_person"  # a person said the name was wrong


class SampleSource(StrEnum):
    """Where an enrolled face sample came from."""

    PHOTO = "photo"
    CAMERA = "camera"  # confirmed footage of a visit


class PhotoWarning(StrEnum):
    """Why an enrolment photo was accepted but will match less surely."""

    SMALL_FACE = "small_face"
    BLURRED = "blurred"
    TURNED = "turned"
    EXPOSURE = "exposure"
    CUT_OFF = "cut_off"
    UPSCALED = "upscaled"


class AppointmentStatus(StrEnum):
    """An expected guest (janji temu): expected → arrived | no_show | cancelled."""

    EXPECTED = "expected"
    ARRIVED = "arrived"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class CameraStatus(StrEnum):
    """A camera's connection as the capture worker last reported it."""

    ONLINE = "online"
    OFFLINE = "offline"
    RECONNECTING = "reconnecting"
    # Shown by the dashboard, never stored: online, but no status arrived for web.camera_stale_s.
    STALE = "stale"


class GuestBookAction(StrEnum):
    """What happened to a guest-book entry."""

    CHECKIN = "checkin"
    CHECKOUT = "checkout"


class WatchlistLevel(StrEnum):
    """How serious a person of concern on the watchlist (daftar perhatian) is."""

    RENDAH = "rendah"
    SEDANG = "sedang"
    TINGGI = "tinggi"


class AuditAction(StrEnum):
    """The actions the audit log records."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    LOGOUT = "logout"
    PASSWORD_CHANGE = "password_change"
    VIEW_LIVE = "view_live"
    VIEW_SNAPSHOT = "view_snapshot"
    VIEW_ARRIVAL = "view_arrival"
    DECIDE = "decide"
    RESOLVE_UNKNOWN = "resolve_unknown"
    ESCORT = "escort"
    CHECKIN = "checkin"
    CHECKOUT = "checkout"
    EXPORT_CSV = "export_csv"
    EXPORT_XLSX = "export_xlsx"
    SET_RECEIVING = "set_receiving"
    USER_ADD = "user_add"
    USER_DISABLE = "user_disable"
    GUEST_ADD = "guest_add"
    GUEST_REMOVE = "guest_remove"
    PURGE = "purge"
    RECOGNISED = "recognised"
    REIDENTIFIED = "reidentified"
    NOT_THIS_PERSON = "not_this_person"
    FOOTAGE_LEARNT = "footage_learnt"
    SAMPLE_REMOVE = "sample_remove"
    VIEW_CALIBRATION = "view_calibration"
    COMPLAINT_UPDATE = "complaint_update"
    SLIP_PRINT = "slip_print"
    APPOINTMENT_ADD = "appointment_add"
    APPOINTMENT_NO_SHOW = "appointment_no_show"
    APPOINTMENT_CANCEL = "appointment_cancel"
    VIEW_REPORT = "view_report"
    EXPORT_REPORT_CSV = "export_report_csv"
    EXPORT_REPORT_PDF = "export_report_pdf"
    VIEW_LIST = "view_list"  # a page listing thumbnails, audited once (not once per image)
    USER_ENABLE = "user_enable"
    USER_ROLE = "user_role"
    OUTCOME_TOLD = "outcome_told"
    TOKEN_ADD = "token_add"
    TOKEN_REVOKE = "token_revoke"
    API_CALL = "api_call"
    WATCHLIST_ADD = "watchlist_add"
    WATCHLIST_REMOVE = "watchlist_remove"
    WATCHLIST_SIGHTED = "watchlist_sighted"
    WATCHLIST_ACK = "watchlist_ack"


class ComplaintKind(StrEnum):
    """What a member of the public sent through the public form (pengaduan)."""

    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"


class ComplaintStatus(StrEnum):
    """A complaint's progress: received → in progress → answered."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"


class ReportGrouping(StrEnum):
    """How the service report groups its figures over time (Asia/Jakarta days)."""

    DAY = "day"
    WEEK = "week"  # Monday to Sunday
    MONTH = "month"


class EventName(StrEnum):
    """Socket.IO event names (`Event.name` of each event type in `core.events`)."""

    GUEST_ARRIVED = "guest_arrived"
    ARRIVAL_UPDATED = "arrival_updated"
    UNKNOWN_FACE_SEEN = "unknown_face_seen"
    CAMERA_STATUS = "camera_status"
    UNKNOWN_RESOLVED = "unknown_resolved"
    DECISION_MADE = "decision_made"
    ESCORT_CHANGED = "escort_changed"
    RECEIVING_CHANGED = "receiving_changed"
    GUESTBOOK_CHANGED = "guestbook_changed"
    ARRIVAL_REIDENTIFIED = "arrival_reidentified"
    WATCHLIST_SIGHTED = "watchlist_sighted"
    APPOINTMENTS_CHANGED = "appointments_changed"
    OUTCOME_TOLD = "outcome_told"
    WORKER_STATUS = "worker_status"
    WATCHLIST_ACKNOWLEDGED = "watchlist_acknowledged"
    RESYNC = "resync"


def values(vocab: type[StrEnum]) -> tuple[str, ...]:
    """The stored strings of a vocabulary, in definition order."""
    return tuple(member.value for member in vocab)
