"""Enrolling a guest from photos, as the web sees it: the entry point hands the app a callable.

The dashboard never imports the face models (`vision`); `tamu` builds an `Enroller` that runs the
same checks as `tamu guests add` and gives it to `web.create_app`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class PhotoProblem:
    """Why one photo cannot be enrolled (the CLI's message, e.g. "no face found")."""

    photo: str
    reason: str


class EnrolmentRefused(Exception):
    """Nothing was enrolled: unusable photos, or guest data that cannot be stored."""

    def __init__(self, problems: Sequence[PhotoProblem] = (), reason: str | None = None) -> None:
        self.problems = list(problems)
        self.reason = reason
        lines = [f"{p.photo}: {p.reason}" for p in self.problems] + ([reason] if reason else [])
        super().__init__("; ".join(lines))


@dataclass(frozen=True)
class Enrolment:
    """A guest just enrolled: id, name, each photo's quality report, look-alikes found."""

    guest_id: int
    name: str
    photos: list[dict[str, object]] = field(default_factory=list)
    similar: list[dict[str, object]] = field(default_factory=list)


class Enroller(Protocol):
    """Enrol a guest from photos (display name, file), all or nothing; audited as `username`."""

    def __call__(
        self,
        photos: Sequence[tuple[str, Path]],
        fields: Mapping[str, object],
        username: str | None,
    ) -> Enrolment:
        """The new guest; EnrolmentRefused when any photo or field is unusable."""
        ...
