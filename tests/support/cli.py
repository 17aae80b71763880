"""The real `tamu` CLI run in-process through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from tamu.cli import cli


class Tamu:
    """`tamu --config <tmp config> …` through click's CliRunner."""

    def __init__(self, config_path: Path, config) -> None:
        self.config_path = config_path
        self.config = config
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(cli, ["--config", str(self.config_path), *map(str, args)])

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result

    def json(self, *args: str):
        return json.loads(self.ok(*args).stdout)

    def media_files(self, kind: str = "faces") -> list[Path]:
        folder = self.config.storage.media_dir / kind
        return sorted(folder.rglob("*.jpg")) if folder.exists() else []
