"""The one table of who may do what: endpoints, media kinds, Socket.IO rooms and events.

Everything not listed here is refused (deny by default). `web.auth.enforce_policy` applies the
endpoint table to every request, `roles_required` checks views against it, `web.media` applies
the media table and `web.realtime` the room and event tables.
"""

from __future__ import annotations

from storage.models import ROLES

ALL_ROLES = frozenset(ROLES)
DECIDERS = frozenset({"bupati", "adjutant", "admin"})
WATCHERS = frozenset({"bupati", "adjutant", "admin"})
GUARDS = frozenset({"guard", "admin"})
LIVE_VIEWERS = GUARDS | {"bupati", "adjutant"}

# Reachable without logging in.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "i18n.set_language", "static"})

# Endpoint -> roles allowed. Checked before the view runs.
ENDPOINT_ROLES: dict[str, frozenset[str]] = {
    "auth.index": ALL_ROLES,
    "auth.logout": ALL_ROLES,
    "bupati.index": WATCHERS,
    "bupati.waiting_panel": WATCHERS,
    "bupati.activity_panel": WATCHERS,
    "bupati.decide": DECIDERS,
    "bupati.set_receiving": DECIDERS,
    "guard.index": GUARDS,
    "guard.status_panel": GUARDS,
    "guard.unknowns_panel": GUARDS,
    "guard.escorts_panel": GUARDS,
    "guard.search_guests": GUARDS,
    "guard.resolve_unknown": GUARDS,
    "guard.update_escort": GUARDS,
    "guard.live_frame": LIVE_VIEWERS,
    # Each media kind has its own roles (MEDIA_KIND_ROLES); this is their union.
    "media.snapshot": frozenset({"bupati", "adjutant", "guard", "operator", "security", "admin"}),
}

# Blueprints whose every endpoint shares one rule (the operator's guest book, security review).
BLUEPRINT_ROLES: dict[str, frozenset[str]] = {
    "operator": frozenset({"operator", "admin"}),
    "review": frozenset({"security", "admin"}),
}

# Media kind (first part of a stored path) -> roles that may see such files. Faces are
# biometric data (UU 27/2022): each role gets only the kinds its job needs.
MEDIA_KIND_ROLES: dict[str, frozenset[str]] = {
    "arrivals": frozenset({"bupati", "adjutant", "guard", "operator", "security", "admin"}),
    "unknown": frozenset({"bupati", "adjutant", "guard", "security", "admin"}),
    "faces": frozenset({"guard", "security", "admin"}),
    "live": LIVE_VIEWERS,
}

# Where each role lands after logging in (endpoint names).
HOME_ENDPOINTS: dict[str, str] = {
    "bupati": "bupati.index",
    "adjutant": "bupati.index",
    "admin": "bupati.index",
    "guard": "guard.index",
    "operator": "operator.index",
    "security": "review.index",
}

# Socket.IO: the rooms each role joins on connect.
ROLE_ROOMS: dict[str, frozenset[str]] = {
    "bupati": frozenset({"bupati"}),
    "adjutant": frozenset({"bupati"}),
    "guard": frozenset({"guard"}),
    "operator": frozenset({"operator"}),
    "security": frozenset({"security"}),
    "admin": frozenset({"bupati", "guard", "operator", "security"}),
}

# Socket.IO: server -> client event name -> rooms that receive it.
EVENT_ROOMS: dict[str, frozenset[str]] = {
    "guest_arrived": frozenset({"bupati", "guard", "operator", "security"}),
    "arrival_updated": frozenset({"bupati", "guard", "operator", "security"}),
    "unknown_face_seen": frozenset({"bupati", "guard", "security"}),
    "unknown_resolved": frozenset({"bupati", "guard", "operator", "security"}),
    "camera_status": frozenset({"bupati", "guard", "security"}),
    "decision_made": frozenset({"bupati", "guard", "security"}),
    "escort_changed": frozenset({"guard", "security"}),
    "receiving_changed": frozenset({"bupati", "guard", "operator", "security"}),
    "guestbook_changed": frozenset({"bupati", "guard", "operator", "security"}),
    # Events may have been missed: every page reloads its own panels (which it may see).
    "resync": frozenset({"bupati", "guard", "operator", "security"}),
}

# Socket.IO: client -> server event name -> roles that may send it (answered by acknowledgement).
SOCKET_EVENT_ROLES: dict[str, frozenset[str]] = {
    "camera_states": LIVE_VIEWERS | {"security"},
    "receiving_state": ALL_ROLES,
}


def is_public(endpoint: str | None) -> bool:
    """True for endpoints reachable without logging in."""
    return endpoint in PUBLIC_ENDPOINTS


def endpoint_roles(endpoint: str | None) -> frozenset[str]:
    """The roles allowed on `endpoint` (empty: nobody, which is the default)."""
    if not endpoint:
        return frozenset()
    if endpoint in ENDPOINT_ROLES:
        return ENDPOINT_ROLES[endpoint]
    blueprint = endpoint.rpartition(".")[0]
    return BLUEPRINT_ROLES.get(blueprint, frozenset())


def may_access(role: str | None, endpoint: str | None) -> bool:
    """Whether a user with `role` (None: anonymous) may use `endpoint`."""
    if is_public(endpoint):
        return True
    return role is not None and role in endpoint_roles(endpoint)


def may_view_media(role: str | None, rel_path: str) -> bool:
    """Whether `role` may see the stored media file `rel_path` (by its kind)."""
    kind = rel_path.split("/", 1)[0]
    return role is not None and role in MEDIA_KIND_ROLES.get(kind, frozenset())


def rooms_for_role(role: str | None) -> frozenset[str]:
    """The Socket.IO rooms a user with `role` joins."""
    return ROLE_ROOMS.get(role or "", frozenset())


def rooms_for_event(event_name: str) -> frozenset[str]:
    """The Socket.IO rooms an event goes to (empty: nobody)."""
    return EVENT_ROOMS.get(event_name, frozenset())


def may_send(role: str | None, event_name: str) -> bool:
    """Whether `role` may send the client event `event_name`."""
    return role is not None and role in SOCKET_EVENT_ROLES.get(event_name, frozenset())
