"""Run the real `tamu` CLI in-process against a config in tmp_path."""

from __future__ import annotations

import pytest

from tests.support.cli import Tamu


@pytest.fixture
def tamu(write_config) -> Tamu:
    config, path = write_config({"cameras": [{"name": "gate", "role": "gate", "url": "x"}]})
    return Tamu(path, config)
