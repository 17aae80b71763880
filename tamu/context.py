"""What every command needs: the config, parsed once, and storage built from it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

import click

from core.config import Config, ConfigError, load_config


@dataclass
class AppContext:
    """Lazily loaded config and storage for one `tamu` invocation."""

    config_file: str | None
    _config: Config | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        """The validated config; a bad file ends the command with one clear line."""
        if self._config is None:
            try:
                self._config = load_config(self.config_file)
            except ConfigError as exc:
                raise click.ClickException(f"config error: {exc}") from None
        return self._config

    @cached_property
    def engine(self):
        """The SQLAlchemy engine for `storage.database_url`."""
        from storage.db import make_engine

        return make_engine(self.config.storage.database_url)

    @cached_property
    def sessions(self):
        """A session factory bound to the engine."""
        from storage.db import make_session_factory

        return make_session_factory(self.engine)

    @cached_property
    def media(self):
        """The snapshot store the config names (a folder, or the database)."""
        from storage.media import open_media_store

        return open_media_store(self.config.storage, self.engine)

    def notifier(self):
        """A Notifier for this process when `notifications.enabled`, else None (not started)."""
        if not self.config.notifications.enabled:
            return None
        from notify import Notifier

        return Notifier(self.config, self.sessions)


pass_ctx = click.make_pass_decorator(AppContext)
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
LOG_DATEFMT = "%Y-%m-%d %H:%M:%S"


def setup_logging(verbose: bool) -> None:
    """One readable line per record on stderr; user text in it cannot start a forged line."""
    from core.logs import safe_handler

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        handlers=[safe_handler(LOG_FORMAT, LOG_DATEFMT)],
    )
    for noisy in ("alembic.runtime.plugins", "werkzeug", "engineio.server", "socketio.server"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
