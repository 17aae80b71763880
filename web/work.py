"""Storage commands run by views: one unit of work, its events published after the commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from core.events import Event
from storage.unit_of_work import UnitOfWork
from storage.unit_of_work import unit_of_work as storage_unit_of_work
from web.extensions import state
from web.realtime import publish


class _SocketSink:
    """Publishes to the Socket.IO rooms (and the app's own sink) as `web.realtime.publish`."""

    def publish(self, event: Event) -> None:
        """Emit one committed event."""
        publish(event)


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """The app's database and media in one unit of work; `uow.collect` keeps a command's events.

    The events are published only after the commit, the same way the capture worker does.
    """
    with storage_unit_of_work(state().sessions, state().media, _SocketSink()) as uow:
        yield uow
