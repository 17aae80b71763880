"""Typed configuration: `config.yaml` parsed once into frozen pydantic models."""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import date, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from core.events import EVENT_TYPES
from core.policy import ROLES

DEFAULT_CONFIG = "config.yaml"
ENV_CONFIG = "TAMU_CONFIG"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SECRET_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


class ConfigError(Exception):
    """A config file that cannot be used; the message is one line naming key and reason."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CameraRole(StrEnum):
    """Where a camera looks."""

    GATE = "gate"
    WAITING_ROOM = "waiting_room"


class CameraConfig(_Model):
    """One RTSP camera."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$", description="unique, used in URLs")
    role: CameraRole
    url: str = Field(min_length=1, description="RTSP URL; ${ENV_VAR} expands from the environment")
    enabled: bool = True
    label: str | None = Field(
        None, min_length=1, max_length=60, description="display name (default: the name)"
    )

    @property
    def display_name(self) -> str:
        """The label shown in the dashboard and in messages (the name when unlabelled)."""
        return self.label or self.name

    @field_validator("url")
    @classmethod
    def _expand_env(cls, value: str) -> str:
        return expand_env(value)


def expand_env(value: str) -> str:
    """`value` with every ${NAME} replaced from the environment (unset: ValueError)."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ValueError(f"environment variable {name} is not set")
        return os.environ[name]

    return _ENV_REF.sub(sub, value)


def _secret_from_env(value: object) -> str:
    """A secret is only ever a ${NAME} reference in the file, read from the environment."""
    if not isinstance(value, str) or not _SECRET_REF.match(value.strip()):
        raise ValueError("secrets come from the environment: write ${ENV_VAR}, not the secret")
    secret = expand_env(value.strip())
    if not secret:
        raise ValueError(f"environment variable {value.strip()[2:-1]} is empty")
    return secret


# A token or password: `${ENV_VAR}` in the file, the variable's value (hidden in reprs) here.
EnvSecret = Annotated[SecretStr, BeforeValidator(_secret_from_env)]


def _digits_as_text(value: object) -> object:
    """YAML reads an unquoted chat id or phone number as an int; take it as the text it was."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# An identifier that is all digits (chat ids, phone numbers), quoted or not in the file.
DigitsText = Annotated[str, BeforeValidator(_digits_as_text)]


class StorageConfig(_Model):
    """Where arrivals, guests and snapshots live."""

    database_url: str = "sqlite:///data/tamu.db"
    media_dir: Path = Path("data/media")
    # files: under media_dir; database: in the shared PostgreSQL, for workers on other hosts.
    media_store: Literal["files", "database"] = "files"

    @model_validator(mode="after")
    def _database_media_needs_postgresql(self) -> StorageConfig:
        if self.media_store == "database" and not self.database_url.startswith("postgresql"):
            raise ValueError(
                "storage.media_store: database keeps snapshots in a shared PostgreSQL; "
                "with SQLite (one machine) use media_store: files"
            )
        return self


class CaptureConfig(_Model):
    """How a camera is read."""

    open_timeout_s: float = Field(5.0, ge=1, le=60)
    read_timeout_s: float = Field(2.0, ge=0.2, le=30)
    backoff_initial_s: float = Field(0.5, gt=0, le=5)
    # Capped low so a camera back after a long outage is read again within seconds (a refused
    # or timed-out connect costs next to nothing); README "Camera health".
    backoff_max_s: float = Field(
        3.0, gt=0, le=5, description="longest wait between reconnects (≤ 5 s: back within 10 s)"
    )
    transport: str = Field("tcp", pattern="^(tcp|udp)$")


class DetectionConfig(_Model):
    """Face detection on a downscaled frame."""

    fps: float = Field(5.0, gt=0, le=30, description="frames analysed per second per camera")
    scale_width: int = Field(640, ge=160, le=3840, description="detect on frames this wide")
    upsample: int = Field(1, ge=0, le=2)
    min_face_px: int = Field(40, ge=16, le=1000, description="smallest face (full-res pixels)")


# The watchlist's rule (README "Daftar perhatian"): stricter than the guests' 0.58 / 0.10.
WATCHLIST_TOLERANCE = 0.55
WATCHLIST_MARGIN = 0.15


class RecognitionConfig(_Model):
    """Matching faces to enrolled guests: the decision rule and its measured constants."""

    tolerance: float = Field(0.58, gt=0, lt=1, description="max evidence distance for a name")
    margin: float = Field(0.1, ge=0, lt=1, description="min gap to anybody else")
    min_votes: int = Field(3, ge=1, le=20, description="good samples a track needs for a name")
    min_quality: float = Field(0.25, ge=0, le=1, description="samples below this never vote")
    evidence_samples: int = Field(5, ge=1, le=50, description="best samples weighed per track")
    stranger_distance: float = Field(
        0.62, gt=0, lt=2, description="evidence this far from every guest is a stranger at once"
    )
    stranger_after_s: float = Field(
        4.0, gt=0, le=120, description="a track still unnamed this long is a (provisional) stranger"
    )
    split_distance: float = Field(
        0.65, gt=0, lt=2, description="a sample this far from its track is another person"
    )
    reopen_slack: float = Field(
        0.05, ge=0, lt=1, description="beyond tolerance by this much, a named track is reopened"
    )
    max_samples: int = Field(20, ge=1, le=100, description="encodings per track at most")
    sample_interval_s: float = Field(
        0.2, ge=0, le=10, description="gap between encodings until a track has enough good ones"
    )
    resample_intervals_s: list[float] = Field(
        default_factory=lambda: [1.0, 2.0, 4.0, 8.0, 16.0, 30.0],
        min_length=1,
        description="gaps between further samples once a track is decided (last one repeats)",
    )
    max_camera_samples: int = Field(
        10, ge=0, le=100, description="confirmed-footage encodings kept per guest"
    )
    encoder_model: Path | None = Field(None, description="a dlib face_recognition_model_v1 .dat")
    reload_interval_s: float = Field(2.0, gt=0, le=60, description="check enrolment this often")
    watchlist_tolerance: float = Field(
        WATCHLIST_TOLERANCE,
        gt=0,
        lt=1,
        description="max evidence distance for a watchlist sighting",
    )
    watchlist_margin: float = Field(
        WATCHLIST_MARGIN,
        ge=0,
        lt=1,
        description="min gap from a watchlist entry to any other entry",
    )
    watchlist_cooldown_s: float = Field(
        300.0, ge=0, le=86400, description="one sighting per entry per camera within this"
    )

    @field_validator("resample_intervals_s")
    @classmethod
    def _positive(cls, value: list[float]) -> list[float]:
        if any(v <= 0 for v in value):
            raise ValueError("every interval must be greater than 0")
        return value

    @model_validator(mode="before")
    @classmethod
    def _watchlist_defaults(cls, data: Any) -> Any:
        """Unset, the watchlist rule follows a guest rule made stricter than its defaults."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        tolerance, margin = data.get("tolerance"), data.get("margin")
        if "watchlist_tolerance" not in data and isinstance(tolerance, int | float):
            data["watchlist_tolerance"] = min(WATCHLIST_TOLERANCE, tolerance)
        if "watchlist_margin" not in data and isinstance(margin, int | float):
            data["watchlist_margin"] = max(WATCHLIST_MARGIN, margin)
        return data

    @model_validator(mode="after")
    def _watchlist_stricter(self) -> RecognitionConfig:
        if self.watchlist_tolerance > self.tolerance:
            raise ValueError("watchlist_tolerance must not be above tolerance (stricter rule)")
        if self.watchlist_margin < self.margin:
            raise ValueError("watchlist_margin must not be below margin (stricter rule)")
        return self


class TrackingConfig(_Model):
    """When a face is the same person, and the same visit."""

    revisit_gap_minutes: float = Field(10, ge=0, le=24 * 60)
    track_lost_s: float = Field(3.0, gt=0, le=120, description="a track ends when unseen this long")
    iou_threshold: float = Field(0.2, gt=0, lt=1)


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _checked_networks(entries: list[str]) -> list[str]:
    """`entries` when each is an IP address or network, else a ValueError naming the bad one."""
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return entries


def _as_networks(entries: list[str]) -> list[IPNetwork]:
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


class WebConfig(_Model):
    """The dashboard's listening address, how its server protects itself, and how long
    and how safely a login lasts."""

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    secret_key_file: Path = Path("instance/secret_key")
    snapshot_refresh_s: float = Field(1.0, gt=0, le=10)
    max_connections: int = Field(4000, ge=10, le=100_000, description="open connections at most")
    header_timeout_s: float = Field(10.0, ge=1, le=300, description="to send a request's head")
    read_timeout_s: float = Field(30.0, ge=1, le=600, description="longest silence mid-request")
    trusted_proxies: list[str] = Field(
        default_factory=list, description="proxy addresses/networks whose X-Forwarded-* count"
    )
    session_idle_hours: float = Field(12, gt=0, le=24 * 30, description="ends unused sessions")
    session_max_hours: float = Field(
        24, gt=0, le=24 * 90, description="ends every session this long after its login"
    )
    session_cookie_secure: bool = Field(False, description="cookies only over HTTPS (behind TLS)")
    hsts_max_age_s: int = Field(
        0, ge=0, le=2 * 365 * 86400, description="Strict-Transport-Security max-age; 0: none"
    )
    camera_stale_s: float = Field(
        30.0, ge=15, le=3600, description="an online camera silent this long is shown stale"
    )
    worker_down_s: float = Field(
        30.0, ge=15, le=3600, description="no worker heartbeat this long: 'worker not running'"
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        return _checked_networks(value)

    def proxy_networks(self) -> list[IPNetwork]:
        """`trusted_proxies` as networks."""
        return _as_networks(self.trusted_proxies)

    @model_validator(mode="after")
    def _consistent_sessions(self) -> WebConfig:
        if self.session_idle_hours > self.session_max_hours:
            raise ValueError("session_idle_hours must not exceed session_max_hours")
        if self.hsts_max_age_s and not self.session_cookie_secure:
            raise ValueError("hsts_max_age_s needs session_cookie_secure: true (HTTPS only)")
        return self


class MetricsConfig(_Model):
    """Prometheus metrics at /metrics: who may scrape without logging in."""

    enabled: bool = Field(True, description="serve /metrics on the dashboard")
    allow: list[str] = Field(
        default_factory=lambda: ["127.0.0.1", "::1"],
        description="addresses/networks that scrape without a login (others: admin login)",
    )

    @field_validator("allow")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        return _checked_networks(value)

    def networks(self) -> list[IPNetwork]:
        """`allow` as networks."""
        return _as_networks(self.allow)


_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class EventsConfig(_Model):
    """How events travel between processes: Flask-SocketIO's message queue on Redis."""

    redis_url: str | None = Field(
        None, description="redis[s]://[user:password@]host:port/db; turns the message queue on"
    )
    channel: str = Field("tamu", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
    buffer_size: int = Field(10_000, ge=0, le=1_000_000, description="kept while Redis is away")

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(_REDIS_SCHEMES):
            raise ValueError("must start with redis://, rediss:// (TLS) or unix://")
        return value


class PrivacyConfig(_Model):
    """UU 27/2022: keep face data only as long as needed."""

    snapshot_retention_days: int = Field(30, ge=1, le=3650)
    unknown_retention_days: int = Field(7, ge=1, le=3650)
    camera_sample_retention_days: int = Field(
        180,
        ge=1,
        le=3650,
        description="confirmed-footage encodings in the gallery and impostor samples",
    )
    watchlist_retention_days: int = Field(
        365, ge=1, le=3650, description="watchlist entries and their sightings"
    )
    guestbook_on_erase: Literal["anonymise", "delete"] = Field(
        "anonymise",
        description="what erasing a guest does to their guest-book lines: anonymise or delete",
    )


class AppointmentsConfig(_Model):
    """Expected guests (janji temu): how long a visit is booked, how loosely an arrival matches."""

    default_length_minutes: int = Field(
        60, ge=5, le=24 * 60, description="window length when no end time is given"
    )
    match_slack_minutes: int = Field(
        30, ge=0, le=24 * 60, description="an arrival this early or late still matches"
    )
    no_show_check_s: float = Field(
        60.0, ge=5, le=3600, description="how often ended windows become no-shows"
    )


class RetentionConfig(_Model):
    """When the worker applies the retention periods, and those of the records."""

    interval_minutes: float = Field(60, ge=1, le=24 * 60, description="how often retention runs")
    guestbook_days: int | None = Field(
        None, ge=30, le=3650, description="guest book entries; null keeps them"
    )
    audit_days: int = Field(730, ge=90, le=3650, description="audit log rows")

    @model_validator(mode="after")
    def _audit_longest(self) -> RetentionConfig:
        if self.guestbook_days is not None and self.audit_days < self.guestbook_days:
            raise ValueError("audit_days must not be shorter than guestbook_days")
        return self


_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
Weekday = Annotated[str, Field(pattern="^(mon|tue|wed|thu|fri|sat|sun)$")]


class VisitingHoursConfig(_Model):
    """The SOP's visiting hours: weekly windows and holidays, in the configured timezone."""

    weekly: dict[Weekday, list[str]] = Field(
        default_factory=lambda: (
            {d: ["08:00-12:00", "13:00-16:00", "19:00-21:00"] for d in ("mon", "tue", "wed", "thu")}
            | {"fri": ["08:00-11:00", "13:30-16:00", "19:00-21:00"], "sat": ["09:00-12:00"]}
        )
    )
    holidays: list[date] = Field(default_factory=list)
    closed_message: str = (
        "Mohon maaf, saat ini di luar jam kunjungan Rumah Jabatan. "
        "Silakan mengisi buku tamu; ajudan akan menghubungi Bapak/Ibu untuk jadwal kunjungan."
    )

    @field_validator("weekly")
    @classmethod
    def _check_windows(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, windows in value.items():
            for window in windows:
                match = _WINDOW.match(window)
                if not match or window[:5] >= window[6:]:
                    raise ValueError(f"{day}: {window!r} is not a window like 08:00-12:00")
        return value

    def windows(self, weekday: str) -> list[tuple[time, time]]:
        """The open windows of a weekday ('mon'..'sun') as (start, end) times."""
        out = []
        for window in self.weekly.get(weekday, []):
            start, end = window.split("-")
            end_t = time(23, 59, 59) if end == "24:00" else time.fromisoformat(end)
            out.append((time.fromisoformat(start), end_t))
        return out


class PublicConfig(_Model):
    """The pages open to the public: service standard, waiting-room display, survey."""

    display_refresh_s: int = Field(
        default=5, ge=2, le=60, description="how often the waiting-room display asks again"
    )
    survey_valid_days: int = Field(
        default=14, ge=1, le=90, description="how long a slip's survey link can be used"
    )
    appointment_contact: str = Field(
        default="Ajudan Bupati, telepon (0000) 000000 pada jam kerja",
        max_length=200,
        description="how to make an appointment, shown on /layanan",
    )


class ComplaintsConfig(_Model):
    """Complaints and suggestions from the public (pengaduan)."""

    response_days: int = Field(
        default=5, ge=1, le=60, description="days to answer before a complaint is overdue"
    )


_HHMM_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# The event types a webhook gets unless it lists its own: the periodic camera status and the
# "seen again" updates are left out (they come every few seconds), and so is the worker status,
# which each web process with open pages tells on its own.
DEFAULT_WEBHOOK_EVENTS = tuple(
    n for n in EVENT_TYPES if n not in ("camera_status", "arrival_updated", "worker_status")
)


class PersonConfig(_Model):
    """Someone who receives notifications, with their role and addresses."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$", description="referred to by rules")
    name: str = Field(min_length=1, max_length=120)
    role: str = Field(description="bupati, adjutant, guard, operator, security or admin")
    telegram_chat_id: DigitsText | None = Field(None, pattern=r"^(-?\d{1,20}|@[A-Za-z0-9_]{5,32})$")
    whatsapp: DigitsText | None = Field(
        None, pattern=r"^\+?[1-9]\d{7,14}$", description="E.164 number"
    )
    email: str | None = Field(None, pattern=_EMAIL, max_length=200)
    quiet_hours: str | None = Field(None, description="HH:MM-HH:MM, may pass midnight")

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"unknown role {value!r} (one of {', '.join(ROLES)})")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _window(cls, value: str | None) -> str | None:
        if value is not None and (not _HHMM_WINDOW.match(value) or value[:5] == value[6:]):
            raise ValueError(f"{value!r} is not a window like 22:00-06:00")
        return value

    def quiet_window(self) -> tuple[time, time] | None:
        """The quiet hours as (start, end) local times, or None."""
        if self.quiet_hours is None:
            return None
        start, end = self.quiet_hours.split("-")
        return time.fromisoformat(start), time.fromisoformat(end)

    @property
    def whatsapp_number(self) -> str | None:
        """The WhatsApp number as the Cloud API wants it: digits only."""
        return self.whatsapp.lstrip("+") if self.whatsapp else None


class MqttConfig(_Model):
    """An MQTT broker: every event goes to `<topic_prefix>/events/<event type>`."""

    url: str = Field(pattern=r"^mqtts?://[^/\s:@]+(:\d{1,5})?/?$", description="mqtt://host:port")
    topic_prefix: str = Field("tamu", pattern=r"^[^#+\s/]+(/[^#+\s/]+)*$")
    username: str | None = None
    password: EnvSecret | None = None
    qos: int = Field(1, ge=0, le=2)
    retain: bool = False
    client_id: str | None = Field(None, max_length=23)

    @property
    def host(self) -> str:
        """The broker's host name."""
        return urlsplit(self.url).hostname or ""

    @property
    def tls(self) -> bool:
        """True for mqtts:// URLs."""
        return self.url.startswith("mqtts://")

    @property
    def port(self) -> int:
        """The broker's port (1883, or 8883 for mqtts://, when not given)."""
        return urlsplit(self.url).port or (8883 if self.tls else 1883)


class WebhookConfig(_Model):
    """An HTTP endpoint that gets events as JSON POSTs signed with HMAC-SHA256."""

    url: str = Field(pattern=r"^https?://\S+$")
    secret: EnvSecret
    events: list[str] = Field(default_factory=lambda: list(DEFAULT_WEBHOOK_EVENTS))

    @field_validator("events")
    @classmethod
    def _known_events(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in EVENT_TYPES:
                raise ValueError(f"unknown event type {name!r}")
        return value


class TelegramConfig(_Model):
    """A Telegram bot that sends messages (sendMessage, sendPhoto) to people's chats."""

    token: EnvSecret
    api_base: str = Field("https://api.telegram.org", pattern=r"^https?://\S+[^/]$")


class WhatsAppConfig(_Model):
    """The WhatsApp Cloud API number that sends messages to people's numbers."""

    token: EnvSecret
    phone_number_id: DigitsText = Field(pattern=r"^\d{5,20}$")
    api_base: str = Field("https://graph.facebook.com/v21.0", pattern=r"^https?://\S+[^/]$")


class EmailConfig(_Model):
    """An SMTP server that sends e-mail."""

    host: str = Field(min_length=1)
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password: EnvSecret | None = None
    sender: str = Field(pattern=_EMAIL)


class RetryConfig(_Model):
    """How often and how patiently a failed delivery is tried again."""

    attempts: int = Field(5, ge=1, le=20, description="tries in all, the first included")
    backoff_initial_s: float = Field(2.0, gt=0, le=600)
    backoff_max_s: float = Field(300.0, gt=0, le=86400)


Targets = list[str]


class RuleConfig(_Model):
    """Who hears about one kind of happening: roles and/or person ids."""

    to: Targets = Field(default_factory=list)
    urgent: bool = Field(False, description="sent even in the recipients' quiet hours")


class UnknownFaceRule(RuleConfig):
    """A stranger's face, at the cameras of these roles (the gate by default)."""

    cameras: list[CameraRole] = Field(default_factory=lambda: [CameraRole.GATE])


class WatchlistRule(RuleConfig):
    """A watchlist sighting: urgent unless said otherwise."""

    urgent: bool = True


class EscalationStep(_Model):
    """Still undecided this many minutes after arriving: tell these people too."""

    after_minutes: float = Field(gt=0, le=24 * 60)
    to: Targets = Field(min_length=1)


class WaitingRule(RuleConfig):
    """A guest waiting undecided: a reminder after `after_minutes`, then the escalation steps."""

    after_minutes: float = Field(10, gt=0, le=24 * 60)
    escalate: list[EscalationStep] = Field(default_factory=list)

    @model_validator(mode="after")
    def _increasing(self) -> WaitingRule:
        last = self.after_minutes
        for i, step in enumerate(self.escalate):
            if step.after_minutes <= last:
                raise ValueError(f"escalate[{i}].after_minutes must be later than {last:g}")
            last = step.after_minutes
        return self


class RulesConfig(_Model):
    """Who gets what."""

    guest_arrived: RuleConfig = RuleConfig(to=["bupati", "adjutant"])
    unknown_face: UnknownFaceRule = UnknownFaceRule(to=["guard"])
    outside_hours: RuleConfig = RuleConfig(to=["adjutant"])
    waiting: WaitingRule = WaitingRule(
        to=["adjutant"], escalate=[EscalationStep(after_minutes=20, to=["bupati"])]
    )
    watchlist: WatchlistRule = WatchlistRule(to=["guard", "security"])

    def targets(self) -> list[tuple[str, Targets]]:
        """Every (key, list of targets) in the rules, for checking them."""
        out = [
            (f"rules.{name}.to", getattr(self, name).to)
            for name in ("guest_arrived", "unknown_face", "outside_hours", "waiting", "watchlist")
        ]
        out += [
            (f"rules.waiting.escalate[{i}].to", s.to) for i, s in enumerate(self.waiting.escalate)
        ]
        return out


class NotificationsConfig(_Model):
    """Messages to people away from the screen: channels, people and rules."""

    enabled: bool = False
    queue_size: int = Field(1000, ge=10, le=100_000, description="events waiting, then dropped")
    check_interval_s: float = Field(5.0, ge=0.2, le=300, description="waiting-guest check")
    timeout_s: float = Field(10.0, ge=1, le=120, description="one send at most")
    retry: RetryConfig = RetryConfig()
    mqtt: MqttConfig | None = None
    webhooks: list[WebhookConfig] = Field(default_factory=list)
    telegram: TelegramConfig | None = None
    whatsapp: WhatsAppConfig | None = None
    email: EmailConfig | None = None
    people: list[PersonConfig] = Field(default_factory=list)
    rules: RulesConfig = RulesConfig()

    @model_validator(mode="after")
    def _consistent(self) -> NotificationsConfig:
        ids = [p.id for p in self.people]
        for i, person in enumerate(self.people):
            if person.id in ids[:i]:
                raise ValueError(f"people[{i}].id: duplicate person id {person.id!r}")
            for field, channel in (("telegram_chat_id", "telegram"), ("whatsapp", "whatsapp")):
                if getattr(person, field) and getattr(self, channel) is None:
                    raise ValueError(f"people[{i}].{field}: notifications.{channel} is not set")
            if person.email and self.email is None:
                raise ValueError(f"people[{i}].email: notifications.email is not set")
        for key, targets in self.rules.targets():
            for target in targets:
                if target not in ROLES and target not in ids:
                    raise ValueError(f"{key}: {target!r} is neither a role nor a person id")
        return self

    def people_for(self, targets: Targets) -> list[PersonConfig]:
        """The people named by `targets` (roles or ids), each once, in config order."""
        wanted = set(targets)
        return [p for p in self.people if p.id in wanted or p.role in wanted]


class Config(_Model):
    """The whole of `config.yaml`."""

    cameras: list[CameraConfig] = Field(default_factory=list)
    storage: StorageConfig = StorageConfig()
    capture: CaptureConfig = CaptureConfig()
    detection: DetectionConfig = DetectionConfig()
    recognition: RecognitionConfig = RecognitionConfig()
    tracking: TrackingConfig = TrackingConfig()
    web: WebConfig = WebConfig()
    events: EventsConfig = EventsConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    appointments: AppointmentsConfig = AppointmentsConfig()
    retention: RetentionConfig = RetentionConfig()
    visiting_hours: VisitingHoursConfig = VisitingHoursConfig()
    public: PublicConfig = PublicConfig()
    complaints: ComplaintsConfig = ComplaintsConfig()
    notifications: NotificationsConfig = NotificationsConfig()
    metrics: MetricsConfig = MetricsConfig()
    timezone: str = "Asia/Jakarta"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("cameras")
    @classmethod
    def _unique_cameras(cls, value: list[CameraConfig]) -> list[CameraConfig]:
        seen: set[str] = set()
        for cam in value:
            if cam.name in seen:
                raise ValueError(f"duplicate camera name {cam.name!r}")
            seen.add(cam.name)
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The configured timezone."""
        return ZoneInfo(self.timezone)

    def camera(self, name: str) -> CameraConfig:
        """The camera called `name` (KeyError if none)."""
        for cam in self.cameras:
            if cam.name == name:
                return cam
        raise KeyError(name)

    def camera_label(self, name: str) -> str:
        """The display name of the camera called `name` (the name itself if not configured)."""
        for cam in self.cameras:
            if cam.name == name:
                return cam.display_name
        return name

    @model_validator(mode="after")
    def _audit_outlives_faces(self) -> Config:
        longest = max(self.privacy.snapshot_retention_days, self.privacy.unknown_retention_days)
        if self.retention.audit_days < longest:
            raise ValueError(
                f"retention.audit_days must not be shorter than the privacy periods ({longest})"
            )
        return self


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The config file to use: `--config`, else $TAMU_CONFIG, else ./config.yaml."""
    return Path(explicit or os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG)


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _reason(err: ErrorDetails) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def parse_config(data: Any, source: str = DEFAULT_CONFIG) -> Config:
    """Validate already-loaded YAML data; raise ConfigError with one clear line."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys")
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{source}: {_where(err['loc'])}: {_reason(err)}{more}") from None


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate the config file; raise ConfigError with one clear line."""
    file = config_path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read config file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: not a UTF-8 text file") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{file}: not valid YAML{where}") from None
    return parse_config(data, str(file))
