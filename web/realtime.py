"""Socket.IO: who joins which room, what clients may ask, and events pushed to the rooms.

Events reach the rooms three ways: from the web's own views after a commit (`publish`), from the
capture worker's multiprocessing queue (`tamu run`), and, with `events.redis_url`, through
Flask-SocketIO's message queue (web.message_queue), where workers and other web processes emit.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

from flask import Flask, current_app, has_app_context, request, session
from flask_login import current_user
from flask_socketio import join_room

from core.config import EventsConfig
from core.events import Event, EventError, parse_event
from storage.receiving import is_receiving
from web import health, sessions
from web import security_policy as policy
from web.extensions import socketio, state

log = logging.getLogger(__name__)
RELAY_POLL_S = 0.5


def queue_manager(events: EventsConfig) -> Any:
    """The Socket.IO client manager for `events`: the checked Redis queue, or None (in-process)."""
    if not events.redis_url:
        return None
    from web.message_queue import CheckedQueueManager

    return CheckedQueueManager(
        events.redis_url, channel=events.channel, buffer_size=events.buffer_size
    )


def publish(event: Event) -> None:
    """Emit an event to every room allowed to see it (and to the app's sink)."""
    rooms = policy.rooms_for_event(event.name)
    if not rooms:
        log.warning("event %r has no rooms; dropped", event.name)
        return
    socketio.emit(event.name, event.to_dict(), to=sorted(rooms))
    if has_app_context():
        current_app.extensions["tamu"].sink.publish(event)


def _role() -> str | None:
    return current_user.role if current_user.is_authenticated else None


@socketio.on("connect")
def on_connect(auth: Any = None) -> bool:
    """Refuse anonymous connections; put the user in the rooms of their role."""
    role = _role()
    if role is None:
        log.info("refused an anonymous Socket.IO connection")
        return False
    for room in sorted(policy.rooms_for_role(role)):
        join_room(room)
    login_at = session.get(sessions.LOGIN_AT, 0)
    sid = request.sid  # type: ignore[attr-defined]  # set by Flask-SocketIO
    sessions.watch_socket(sid, current_user.id, current_user.session_version, login_at)
    health.start_watching(current_app._get_current_object())  # type: ignore[attr-defined]
    return True


def disconnect_user(user_id: int) -> int:
    """Close this process's Socket.IO connections of `user_id` now; how many there were.

    Other processes close theirs within `web.sessions.SOCKET_CHECK_S`.
    """
    sids = sessions.user_sids(user_id)
    disconnect_sids(sids)
    return len(sids)


def disconnect_sids(sids: list[str]) -> None:
    """Close these Socket.IO connections (the pages reload and meet the login page)."""
    for sid in sids:
        log.info("closing Socket.IO connection %s: its login has ended", sid)
        socketio.server.disconnect(sid, namespace="/")


def _refused(event: str) -> dict[str, Any]:
    log.warning("refused Socket.IO event %r from role %r", event, _role())
    return {"ok": False, "error": "forbidden"}


@socketio.on("camera_states")
def on_camera_states(*_args: Any) -> dict[str, Any]:
    """Acknowledge with every camera's current status (pages resync after a reconnect)."""
    if not policy.may_send(_role(), "camera_states"):
        return _refused("camera_states")
    return {"ok": True, **health.camera_states()}


@socketio.on("receiving_state")
def on_receiving_state(*_args: Any) -> dict[str, Any]:
    """Acknowledge with whether the Bupati receives guests now."""
    if not policy.may_send(_role(), "receiving_state"):
        return _refused("receiving_state")
    with state().sessions() as db:
        return {"ok": True, "receiving": is_receiving(db)}


@socketio.on("*")
def on_unknown_event(event: str, *_args: Any) -> dict[str, Any]:
    """Any event without a handler is refused."""
    return _refused(event)


def start_queue_relay(app: Flask, events: Any, stop: threading.Event) -> Any:
    """Relay events put on a multiprocessing queue (the embedded capture worker); the task."""
    return socketio.start_background_task(_relay_queue, app, events, stop)


def _relay_queue(app: Flask, events: Any, stop: threading.Event) -> None:
    log.info("relaying worker events from the process queue")
    with app.app_context():
        while not stop.is_set():
            try:
                item = events.get(timeout=RELAY_POLL_S)
            except queue.Empty:
                continue
            except (EOFError, OSError, ValueError):
                log.warning("worker event queue closed; relay stops")
                return
            _relay_one(item)


def _relay_one(item: Any) -> None:
    """Publish one relayed event (an Event, or the dict form of a known event type)."""
    try:
        event = item if isinstance(item, Event) else parse_event(item)
    except EventError as exc:
        log.warning("ignored a relayed message: %s", exc)
        return
    try:
        publish(event)
    except Exception:
        log.exception("relaying an event failed")
