"""The `tamu` command's config contract: --config, $TAMU_CONFIG, one clear error line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

TAMU = [sys.executable, "-m", "tamu"]
ROOT = Path(__file__).resolve().parent.parent


def run(args, cwd, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k != "TAMU_CONFIG"}
    env.update(env_extra or {})
    return subprocess.run(
        [*TAMU, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("cameras: [{name: gate, role: gate}]\n", "cameras[0].url: required key is missing"),
        ("recognition: {tolerance: 3}\n", "recognition.tolerance: Input should be less than 1"),
        ("cameraz: []\n", "cameraz: unknown key"),
    ],
)
def test_bad_config_exits_nonzero_with_one_line(tmp_path, body, expected):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(body, encoding="utf-8")
    result = run(["--config", str(cfg), "db", "upgrade"], tmp_path)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert not (tmp_path / "data").exists()


def test_env_var_names_the_config_and_cwd_default_is_used(tmp_path):
    db = tmp_path / "env.db"
    cfg = tmp_path / "other.yaml"
    cfg.write_text(f"storage: {{database_url: 'sqlite:///{db}'}}\n", encoding="utf-8")
    result = run(["db", "upgrade"], tmp_path, {"TAMU_CONFIG": str(cfg)})
    assert result.returncode == 0, result.stderr
    assert db.is_file()
    missing = run(["db", "upgrade"], tmp_path)
    assert missing.returncode != 0
    assert "config.yaml: cannot read config file" in missing.stderr
