"""Typed configuration: `config.yaml` parsed once into frozen pydantic models."""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import date, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_CONFIG = "config.yaml"
ENV_CONFIG = "TAMU_CONFIG"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


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

    @field_validator("url")
    @classmethod
    def _expand_env(cls, value: str) -> str:
        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise ValueError(f"environment variable {name} is not set")
            return os.environ[name]

        return _ENV_REF.sub(sub, value)


class StorageConfig(_Model):
    """Where arrivals, guests and snapshots live."""

    database_url: str = "sqlite:///data/tamu.db"
    media_dir: Path = Path("data/media")


class CaptureConfig(_Model):
    """How a camera is read."""

    open_timeout_s: float = Field(5.0, ge=1, le=60)
    read_timeout_s: float = Field(2.0, ge=0.2, le=30)
    backoff_initial_s: float = Field(0.5, gt=0, le=60)
    backoff_max_s: float = Field(30.0, gt=0, le=600)
    transport: str = Field("tcp", pattern="^(tcp|udp)$")


class DetectionConfig(_Model):
    """Face detection on a downscaled frame."""

    fps: float = Field(5.0, gt=0, le=30, description="frames analysed per second per camera")
    scale_width: int = Field(640, ge=160, le=3840, description="detect on frames this wide")
    upsample: int = Field(1, ge=0, le=2)
    min_face_px: int = Field(40, ge=16, le=1000, description="smallest face (full-res pixels)")


class RecognitionConfig(_Model):
    """Matching faces to enrolled guests."""

    tolerance: float = Field(0.5, gt=0, lt=1, description="max distance for a match")
    margin: float = Field(0.06, ge=0, lt=1, description="min gap to the second-best guest")
    min_votes: int = Field(2, ge=1, le=20, description="samples a track needs before naming")
    max_samples: int = Field(5, ge=1, le=50, description="encodings per track at most")
    sample_interval_s: float = Field(0.4, ge=0, le=10, description="min gap between encodings")
    encoder_model: Path | None = Field(None, description="a dlib face_recognition_model_v1 .dat")
    reload_interval_s: float = Field(2.0, gt=0, le=60, description="check enrolment this often")


class TrackingConfig(_Model):
    """When a face is the same person, and the same visit."""

    revisit_gap_minutes: float = Field(10, ge=0, le=24 * 60)
    track_lost_s: float = Field(3.0, gt=0, le=120, description="a track ends when unseen this long")
    iou_threshold: float = Field(0.2, gt=0, lt=1)


class WebConfig(_Model):
    """The dashboard's listening address and how its server protects itself."""

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

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network") from None
        return value

    def proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """`trusted_proxies` as networks."""
        return [ipaddress.ip_network(entry, strict=False) for entry in self.trusted_proxies]


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
    visiting_hours: VisitingHoursConfig = VisitingHoursConfig()
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


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The config file to use: `--config`, else $TAMU_CONFIG, else ./config.yaml."""
    return Path(explicit or os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG)


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _reason(err: dict[str, Any]) -> str:
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
