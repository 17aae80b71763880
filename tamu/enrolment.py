"""Enrolling a guest from one photo, with the checks of `tamu guests add`, for the dashboard and
the `tamu appointments add --photo` command (web never imports vision: it is handed this)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import click

from core.appointments import Enrolled, PhotoRefused
from tamu.commands.guests import _check_photos, _enrol, _finder, _similar
from tamu.context import AppContext


class PhotoEnrolment:
    """Callable `(name, photo) -> Enrolled`; raises PhotoRefused. Face models load on first use."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._finder: Any = None
        self._lock = threading.Lock()

    def __call__(self, name: str, photo: Path) -> Enrolled:
        """Enrol `name` from `photo` (exactly one usable face), or refuse writing nothing."""
        from storage.guests import GuestError

        with self._lock:  # dlib models are not shared between threads
            faces, problems = _check_photos(self.finder(), [photo])
            if problems:
                raise PhotoRefused(problems[0][1])
            similar = _similar(self.ctx, faces)
            try:
                guest_id = _enrol(self.ctx, faces, name=name)
            except GuestError as exc:
                raise PhotoRefused(str(exc)) from None
        names = tuple(f"#{other['id']} {other['name']}" for other in similar)
        return Enrolled(guest_id, names)

    def finder(self) -> Any:
        """The still-photo face finder, loaded once."""
        if self._finder is None:
            try:
                self._finder = _finder(self.ctx)
            except click.ClickException as exc:
                raise PhotoRefused(exc.message) from None
        return self._finder


def photo_enrolment(config: Any) -> PhotoEnrolment:
    """A PhotoEnrolment over `config`'s database and media (the gunicorn worker has no ctx)."""
    return PhotoEnrolment(AppContext(None, _config=config))
