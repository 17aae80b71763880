"""Who may see which kind of stored media: shared by the dashboard and the notifier.

Faces are biometric data (UU 27/2022): each role gets only the media kinds its job needs. The
dashboard serves files by this table (`web.security_policy` re-exports it) and the notifier
attaches a snapshot to a message only when the recipient's role may see its kind.
"""

from __future__ import annotations

from core.vocab import Role, values

ROLES = values(Role)

# Media kind (first part of a stored path) -> roles that may see such files.
MEDIA_KIND_ROLES: dict[str, frozenset[str]] = {
    "arrivals": frozenset(Role),
    "unknown": frozenset({Role.BUPATI, Role.ADJUTANT, Role.GUARD, Role.SECURITY, Role.ADMIN}),
    "faces": frozenset({Role.GUARD, Role.SECURITY, Role.ADMIN}),
    "live": frozenset({Role.GUARD, Role.ADMIN, Role.BUPATI, Role.ADJUTANT}),
    # Persons of concern: never the Bupati's or adjutant's pages.
    "watchlist": frozenset({Role.GUARD, Role.SECURITY, Role.ADMIN}),
}


def may_view_media(role: str | None, rel_path: str) -> bool:
    """Whether `role` may see the stored media file `rel_path` (by its kind)."""
    kind = rel_path.split("/", 1)[0]
    return role is not None and role in MEDIA_KIND_ROLES.get(kind, frozenset())
