"""The one table of who may do what: endpoints, media kinds, Socket.IO rooms and events.

Everything not listed here is refused (deny by default). `web.auth.enforce_policy` applies the
endpoint table to every request, `roles_required` checks views against it, `web.media` applies
the media table and `web.realtime` the room and event tables.
"""

from __future__ import annotations

from core.policy import MEDIA_KIND_ROLES as MEDIA_KIND_ROLES
from core.policy import may_view_media as may_view_media
from core.vocab import EventName, Role

# Short names for the tables below.
BUPATI, ADJUTANT, GUARD, OPERATOR, SECURITY, ADMIN = (
    Role.BUPATI,
    Role.ADJUTANT,
    Role.GUARD,
    Role.OPERATOR,
    Role.SECURITY,
    Role.ADMIN,
)
ALL_ROLES: frozenset[str] = frozenset(Role)
DECIDERS: frozenset[str] = frozenset({BUPATI, ADJUTANT, ADMIN})
WATCHERS: frozenset[str] = frozenset({BUPATI, ADJUTANT, ADMIN})
GUARDS: frozenset[str] = frozenset({GUARD, ADMIN})
LIVE_VIEWERS = GUARDS | {BUPATI, ADJUTANT}
APPOINTMENT_MAKERS: frozenset[str] = frozenset({ADJUTANT, OPERATOR, ADMIN})
EXPECTING: frozenset[str] = frozenset({BUPATI, ADJUTANT, GUARD, OPERATOR, ADMIN})

# Reachable without logging in. The public service pages (web.public, web.survey's form,
# web.complaints' form and tracking) show no face, full name or row id.
PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.login",
        "i18n.set_language",
        "static",
        "public.service",
        "public.waiting_room",
        "public.queue",
        "survey.respond",
        "complaints.submit",
        "complaints.track",
        "api-docs.openapi_json",  # the OpenAPI document says how to call, not what is stored
    }
)
# Blueprints called with a bearer token instead of a login (web.api.auth checks the token's
# role against ENDPOINT_ROLES below; a session cookie counts for nothing there).
TOKEN_BLUEPRINTS = frozenset({"api"})
# Open without a login from the `metrics.allow` networks only; from elsewhere by role below.
NETWORK_ENDPOINTS = frozenset({"metrics.metrics"})

# Endpoint -> roles allowed. Checked before the view runs.
ENDPOINT_ROLES: dict[str, frozenset[str]] = {
    "auth.index": ALL_ROLES,
    "auth.logout": ALL_ROLES,
    "account.password": ALL_ROLES,
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
    "guard.relay_panel": GUARDS,
    "guard.tell": GUARDS,
    "guard.live_frame": LIVE_VIEWERS,
    # "Bukan orang ini": the guard standing with the guest, security reviewing the footage.
    "feedback.not_this_person": frozenset({GUARD, SECURITY, ADMIN}),
    # Enrol a guest from a recorded arrival's snapshot and samples (not only unknown faces).
    "enrol_arrival.index": frozenset({GUARD, OPERATOR, ADMIN}),
    "enrol_arrival.form": frozenset({GUARD, OPERATOR, ADMIN}),
    "enrol_arrival.enrol": frozenset({GUARD, OPERATOR, ADMIN}),
    # The watchlist (daftar perhatian): security manages it; the guard sees and acknowledges
    # its alerts; the Bupati's and adjutant's pages never show it.
    "watchlist.index": frozenset({SECURITY, ADMIN}),
    "watchlist.add": frozenset({SECURITY, ADMIN}),
    "watchlist.remove": frozenset({SECURITY, ADMIN}),
    "watchlist.alerts_panel": frozenset({GUARD, SECURITY, ADMIN}),
    "watchlist.acknowledge": frozenset({GUARD, SECURITY, ADMIN}),
    "calibration.index": frozenset({ADMIN}),
    "calibration.histogram": frozenset({ADMIN}),
    # The guest-book slip with its survey QR is printed by the operator.
    "survey.slip": frozenset({OPERATOR, ADMIN}),
    "complaints.manage": frozenset({ADJUTANT, ADMIN}),
    "complaints.update": frozenset({ADJUTANT, ADMIN}),
    # Each media kind has its own roles (MEDIA_KIND_ROLES); this is their union.
    "media.snapshot": frozenset({BUPATI, ADJUTANT, GUARD, OPERATOR, SECURITY, ADMIN}),
    # Expected guests (janji temu): made by the adjutant and the operator, seen by the four
    # roles that receive guests.
    "appointments.index": APPOINTMENT_MAKERS,
    "appointments.create": APPOINTMENT_MAKERS,
    "appointments.cancel": APPOINTMENT_MAKERS,
    "appointments.panel": EXPECTING,
    "metrics.metrics": frozenset({ADMIN}),
    "api_tokens.index": frozenset({ADMIN}),
    "api_tokens.add": frozenset({ADMIN}),
    "api_tokens.revoke": frozenset({ADMIN}),
    # The REST API (tokens with a role): the same readers as the matching dashboard pages.
    "api.list_arrivals": DECIDERS | {SECURITY},
    "api.get_arrival": DECIDERS | {SECURITY},
    "api.get_visit": frozenset({SECURITY, ADMIN}),
    "api.list_guests_": frozenset({GUARD, SECURITY, ADMIN}),
    "api.get_guest_": frozenset({GUARD, SECURITY, ADMIN}),
    "api.report": frozenset({BUPATI, ADJUTANT, SECURITY, ADMIN}),
    "api.list_appointments": EXPECTING,
    "api.create_appointment": APPOINTMENT_MAKERS,
}

# Blueprints whose every endpoint shares one rule (the operator's guest book, security review).
BLUEPRINT_ROLES: dict[str, frozenset[str]] = {
    "operator": frozenset({OPERATOR, ADMIN}),
    "review": frozenset({SECURITY, ADMIN}),
    # The service report (Laporan layanan): page, CSV and monthly PDF.
    "report": frozenset({BUPATI, ADJUTANT, SECURITY, ADMIN}),
    # The admin's pages: accounts, enrolled guests, cameras (web/admin/).
    "admin": frozenset({ADMIN}),
    "admin_users": frozenset({ADMIN}),
    "admin_guests": frozenset({ADMIN}),
    "admin_cameras": frozenset({ADMIN}),
}

# Media kinds -> roles: MEDIA_KIND_ROLES and may_view_media live in core.policy (the notifier
# applies the same table to snapshots in messages) and are re-exported from here.

# Where each role lands after logging in (endpoint names).
HOME_ENDPOINTS: dict[str, str] = {
    BUPATI: "bupati.index",
    ADJUTANT: "bupati.index",
    ADMIN: "bupati.index",
    GUARD: "guard.index",
    OPERATOR: "operator.index",
    SECURITY: "review.index",
}

# Socket.IO: the rooms each role joins on connect.
ROLE_ROOMS: dict[str, frozenset[str]] = {
    BUPATI: frozenset({BUPATI}),
    ADJUTANT: frozenset({BUPATI}),
    GUARD: frozenset({GUARD}),
    OPERATOR: frozenset({OPERATOR}),
    SECURITY: frozenset({SECURITY}),
    ADMIN: frozenset({BUPATI, GUARD, OPERATOR, SECURITY}),
}

# Socket.IO: server -> client event name -> rooms that receive it.
EVENT_ROOMS: dict[str, frozenset[str]] = {
    EventName.GUEST_ARRIVED: frozenset({BUPATI, GUARD, OPERATOR, SECURITY}),
    EventName.ARRIVAL_UPDATED: frozenset({BUPATI, GUARD, OPERATOR, SECURITY}),
    EventName.UNKNOWN_FACE_SEEN: frozenset({BUPATI, GUARD, SECURITY}),
    EventName.UNKNOWN_RESOLVED: frozenset({BUPATI, GUARD, OPERATOR, SECURITY}),
    EventName.CAMERA_STATUS: frozenset({BUPATI, GUARD, SECURITY}),
    EventName.DECISION_MADE: frozenset({BUPATI, GUARD, OPERATOR, SECURITY}),
    EventName.OUTCOME_TOLD: frozenset({BUPATI, GUARD, OPERATOR, SECURITY}),
    EventName.ESCORT_CHANGED: frozenset({GUARD, SECURITY}),
    EventName.RECEIVING_CHANGED: frozenset({BUPATI, GUARD, OPERATOR, SECURITY}),
    EventName.GUESTBOOK_CHANGED: frozenset({BUPATI, GUARD, OPERATOR, SECURITY}),
    EventName.ARRIVAL_REIDENTIFIED: frozenset({BUPATI, GUARD, OPERATOR, SECURITY}),
    EventName.WATCHLIST_SIGHTED: frozenset({GUARD, SECURITY}),
    EventName.APPOINTMENTS_CHANGED: frozenset({BUPATI, GUARD, OPERATOR}),
    EventName.WORKER_STATUS: frozenset({BUPATI, GUARD, OPERATOR, SECURITY}),
    EventName.WATCHLIST_ACKNOWLEDGED: frozenset({GUARD, SECURITY}),
    # Events may have been missed: every page reloads its own panels (which it may see).
    EventName.RESYNC: frozenset({BUPATI, GUARD, OPERATOR, SECURITY}),
}

# Socket.IO: client -> server event name -> roles that may send it (answered by acknowledgement).
SOCKET_EVENT_ROLES: dict[str, frozenset[str]] = {
    "camera_states": LIVE_VIEWERS | {SECURITY},
    "receiving_state": ALL_ROLES,
}


def is_public(endpoint: str | None) -> bool:
    """True for endpoints reachable without logging in."""
    return endpoint in PUBLIC_ENDPOINTS


def uses_token(endpoint: str | None) -> bool:
    """True for API endpoints, authenticated by a bearer token rather than a login session."""
    return endpoint is not None and endpoint.rpartition(".")[0] in TOKEN_BLUEPRINTS


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


def rooms_for_role(role: str | None) -> frozenset[str]:
    """The Socket.IO rooms a user with `role` joins."""
    return ROLE_ROOMS.get(role or "", frozenset())


def rooms_for_event(event_name: str) -> frozenset[str]:
    """The Socket.IO rooms an event goes to (empty: nobody)."""
    return EVENT_ROOMS.get(event_name, frozenset())


def may_send(role: str | None, event_name: str) -> bool:
    """Whether `role` may send the client event `event_name`."""
    return role is not None and role in SOCKET_EVENT_ROLES.get(event_name, frozenset())
