from pathlib import Path

import pytest

from core.config import ConfigError, config_path, load_config, parse_config

CAM = {"name": "gate", "role": "gate", "url": "rtsp://127.0.0.1:8554/gate"}


def test_shipped_config_is_valid():
    cfg = load_config(Path(__file__).resolve().parents[2] / "config.yaml")
    assert [c.name for c in cfg.cameras] == ["gate", "waiting"]
    assert cfg.timezone == "Asia/Jakarta"
    assert cfg.tracking.revisit_gap_minutes == 10


def test_defaults_fill_everything_but_cameras():
    cfg = parse_config({"cameras": [CAM]})
    assert cfg.storage.database_url == "sqlite:///data/tamu.db"
    assert 0 < cfg.recognition.tolerance < 1
    assert cfg.web.port == 8080
    assert cfg.web.trusted_proxies == [] and cfg.web.max_connections >= 2500
    assert cfg.events.redis_url is None and cfg.events.channel == "tamu"


def test_redis_url_error_does_not_show_the_password():
    with pytest.raises(ConfigError) as err:
        parse_config({"events": {"redis_url": "http://u:s3cret@h/0"}})
    assert "s3cret" not in str(err.value)


def test_trusted_proxies_accept_addresses_and_networks():
    cfg = parse_config({"web": {"trusted_proxies": ["10.0.0.5", "2001:db8::/32"]}})
    assert [str(n) for n in cfg.web.proxy_networks()] == ["10.0.0.5/32", "2001:db8::/32"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"cameras": [{"name": "gate", "role": "gate"}]},
            "cameras[0].url: required key is missing",
        ),
        ({"cameras": [{**CAM, "colour": "red"}]}, "cameras[0].colour: unknown key"),
        ({"bogus": 1}, "bogus: unknown key"),
        ({"privacy": {"guestbook_on_erase": "keep"}}, "guestbook_on_erase: Input should be"),
        ({"recognition": {"tolerance": 1.5}}, "recognition.tolerance: Input should be less than 1"),
        ({"recognition": {"tolerance": "x"}}, "tolerance: Input should be a valid number"),
        ({"recognition": {"margin": -0.1}}, "recognition.margin: Input should be greater than"),
        ({"cameras": [CAM, {**CAM, "url": "rtsp://x"}]}, "cameras: duplicate camera name 'gate'"),
        ({"cameras": [{**CAM, "role": "roof"}]}, "cameras[0].role: Input should be 'gate' or"),
        ({"cameras": "gate"}, "cameras: Input should be a valid list"),
        ({"detection": {"fps": 0}}, "detection.fps: Input should be greater than 0"),
        ({"timezone": "Mars/Olympus"}, "timezone: unknown timezone 'Mars/Olympus'"),
        ({"visiting_hours": {"weekly": {"mon": ["9-12"]}}}, "visiting_hours.weekly: mon: '9-12'"),
        ({"visiting_hours": {"weekly": {"funday": []}}}, "visiting_hours.weekly.funday"),
        (["a", "list"], "the top level must be a mapping"),
        ({"web": {"trusted_proxies": ["nginx"]}}, "web.trusted_proxies: 'nginx' is not an IP"),
        ({"web": {"max_connections": 5}}, "web.max_connections: Input should be greater than"),
        ({"web": {"header_timeout_s": 0}}, "web.header_timeout_s: Input should be greater"),
        (
            {"events": {"redis_url": "http://u:secret@h/0"}},
            "events.redis_url: must start with redis://",
        ),
        ({"events": {"channel": "tamu events"}}, "events.channel: String should match"),
        ({"capture": {"backoff_max_s": 30}}, "capture.backoff_max_s: Input should be less than"),
        ({"cameras": [{**CAM, "label": ""}]}, "cameras[0].label: String should have at least"),
        ({"retention": {"interval_minutes": 0}}, "retention.interval_minutes: Input should be"),
        (
            {"retention": {"guestbook_days": 800, "audit_days": 400}},
            "retention: audit_days must not be shorter than guestbook_days",
        ),
        (
            {"privacy": {"snapshot_retention_days": 1000}, "retention": {"audit_days": 400}},
            "retention.audit_days must not be shorter than the privacy periods (1000)",
        ),
    ],
)
def test_bad_config_names_key_and_reason(data, expected):
    with pytest.raises(ConfigError) as err:
        parse_config(data, "c.yaml")
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("c.yaml: ")
    assert expected in message


def test_env_credentials_expand(monkeypatch):
    monkeypatch.setenv("CAM_PASS", "s3cret")
    cfg = parse_config({"cameras": [{**CAM, "url": "rtsp://admin:${CAM_PASS}@127.0.0.1/x"}]})
    assert cfg.cameras[0].url == "rtsp://admin:s3cret@127.0.0.1/x"


def test_missing_env_credential_is_named(monkeypatch):
    monkeypatch.delenv("NOPE_PASS", raising=False)
    with pytest.raises(ConfigError, match=r"cameras\[0\].url: environment variable NOPE_PASS"):
        parse_config({"cameras": [{**CAM, "url": "rtsp://a:${NOPE_PASS}@h/x"}]})


def test_unreadable_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "absent.yaml")
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "dir.yaml")


def test_bad_yaml_and_binary(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("cameras: [\n  - name: gate\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_config(bad)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="not a UTF-8 text file"):
        load_config(binary)


def test_config_path_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("TAMU_CONFIG", raising=False)
    assert config_path() == Path("config.yaml")
    monkeypatch.setenv("TAMU_CONFIG", str(tmp_path / "env.yaml"))
    assert config_path() == tmp_path / "env.yaml"
    assert config_path("explicit.yaml") == Path("explicit.yaml")


def test_camera_labels_default_to_the_name():
    config = parse_config(
        {"cameras": [{**CAM, "label": "Gerbang depan"}, {**CAM, "name": "waiting"}]}, "c.yaml"
    )
    assert config.camera_label("gate") == "Gerbang depan"
    assert config.camera_label("waiting") == "waiting"
    assert config.camera_label("gone") == "gone"  # a camera removed from the config


def test_retention_defaults_keep_the_guest_book_and_the_audit_log_longer():
    config = parse_config({}, "c.yaml")
    assert config.retention.guestbook_days is None
    assert config.retention.audit_days > config.privacy.snapshot_retention_days
