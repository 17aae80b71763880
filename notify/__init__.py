"""Notifications beyond the browser: MQTT, webhooks, Telegram, WhatsApp and e-mail.

`Notifier` is what the `tamu` commands wire: a dispatcher (bounded queue, background thread,
delivery log, retries with back-off), the sink that hands it events, and for camera processes
an inbox queue. Rules decide who gets what; channels only send.
"""

from notify.dispatcher import Dispatcher
from notify.message import Channel, Delivery, Message
from notify.service import Notifier

__all__ = ["Channel", "Delivery", "Dispatcher", "Message", "Notifier"]
