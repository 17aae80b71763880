"""The dispatcher: takes events without ever blocking, applies the rules, sends in the background.

A bounded queue feeds one thread that plans deliveries (logging each in the delivery log first)
and hands them to a small pool of sender threads; failures are retried with exponential
back-off. The same thread runs the periodic check of guests waiting without a decision.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import itertools
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from core.config import Config
from core.events import Event
from notify.message import Delivery
from notify.plan import Channels, Job, notice_jobs, stream_jobs
from notify.rules import Notice, in_quiet_hours, notices_for_event, notices_for_waiting
from storage.media import MediaStore
from storage.notifications import DeliveryRow, claim_delivery, record_attempt, undecided_arrivals
from storage.types import utcnow

log = logging.getLogger(__name__)
SEND_THREADS = 4
# Visits unseen this long drop off the Bupati's list; they get no more reminders either.
WAITING_WINDOW = timedelta(hours=12)
_WAKE = object()


class Dispatcher:
    """Events in (`submit`, never blocking), deliveries out, on its own threads."""

    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        channels: Channels,
        media: MediaStore,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config
        self.channels = channels
        self._cfg = config.notifications
        self._sessions = sessions
        self._media = media
        self._clock = clock
        self._queue: queue.Queue[object] = queue.Queue(maxsize=self._cfg.queue_size)
        self._retries: list[tuple[float, int, Job]] = []
        self._retry_lock = threading.Lock()
        self._order = itertools.count()
        self._pool = ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="notify-send")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._handled: dict[str, datetime] = {}
        self._counts: Counter[str] = Counter()
        self._count_lock = threading.Lock()

    # --- what the rest of the process calls -------------------------------------------------

    def submit(self, event: Event) -> bool:
        """Queue an event for notification; a full queue drops it (logged and counted)."""
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self._count("dropped")
            log.warning(
                "notification queue full (%d); %s not notified", self._cfg.queue_size, event.name
            )
            return False
        self._count("received")
        return True

    def counts(self) -> dict[str, int]:
        """How many events were received and dropped, and deliveries sent, retried, failed."""
        with self._count_lock:
            return dict(self._counts)

    def start(self) -> None:
        """Start the dispatching thread."""
        self._thread = threading.Thread(target=self._run, name="notify-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop taking work, let sends in flight finish, close the channels."""
        self._stop.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._retry_lock:
            if self._retries:
                log.warning("%d notification retries abandoned at stop", len(self._retries))
        self.channels.close()

    # --- the dispatching thread ------------------------------------------------------------

    def _run(self) -> None:
        interval = self._cfg.check_interval_s
        next_check = time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_check:
                self._guarded(self.check_waiting)
                next_check = now + interval
            self._start_due_retries(now)
            try:
                item = self._queue.get(timeout=max(0.0, min(next_check, self._next_retry()) - now))
            except queue.Empty:
                continue
            if isinstance(item, Event):
                self._guarded(functools.partial(self.handle_event, item))

    def handle_event(self, event: Event) -> None:
        """Send the event to the streams (MQTT, webhooks) and the people its rules name."""
        now = self._clock()
        jobs = stream_jobs(event, self.channels, now)
        for notice in notices_for_event(event, self.config):
            jobs += self._jobs_for(notice, now)
        for job in jobs:
            self._begin(job)

    def check_waiting(self) -> list[Notice]:
        """The periodic check: remind about and escalate guests still waiting undecided."""
        now = self._clock()
        with self._sessions() as session:
            waiting = undecided_arrivals(session, seen_since=now - WAITING_WINDOW)
        due = [
            n for n in notices_for_waiting(waiting, now, self.config) if n.key not in self._handled
        ]
        for notice in due:
            for job in self._jobs_for(notice, now):
                self._begin(job)
            self._handled[notice.key] = now
        for key in [k for k, at in self._handled.items() if now - at > 2 * WAITING_WINDOW]:
            del self._handled[key]
        return due

    def _jobs_for(self, notice: Notice, now: datetime) -> list[Job]:
        quiet = {p.id for p in notice.people if in_quiet_hours(p, now, self.config.tz)}
        return notice_jobs(notice, self.channels, self._media, quiet=quiet)

    def _begin(self, job: Job) -> None:
        """Log the delivery (claiming it once across processes), then send unless quiet."""
        if job.logged:
            row = DeliveryRow(
                event_key=job.message.event_key,
                event_type=job.message.event_type,
                channel=job.channel.name,
                recipient=job.message.recipient,
                person=job.person,
                dedupe_key=job.dedupe_key,
                status="quiet" if job.quiet else "pending",
            )
            job.delivery_id = claim_delivery(self._sessions, row)
            if job.delivery_id is None:
                self._count("duplicate")
                return
        if job.quiet:
            self._count("quiet")
            return
        self._pool.submit(self._attempt, job)

    # --- sender threads --------------------------------------------------------------------

    def _attempt(self, job: Job) -> None:
        """Try once; record the outcome; schedule a retry with back-off when it may help."""
        try:
            result = job.channel.send(job.message)
        except Exception as exc:  # a channel must not raise; if one does, treat it as transient
            log.exception("%s channel raised", job.channel.name)
            result = Delivery.failed(f"{type(exc).__name__}: {exc}", retryable=True)
        job.attempts += 1
        retry = self._cfg.retry
        if result.ok:
            status = "sent"
        elif result.retryable and job.attempts < retry.attempts and not self._stop.is_set():
            status = "retrying"
            delay = min(retry.backoff_initial_s * 2 ** (job.attempts - 1), retry.backoff_max_s)
            self._schedule(job, delay)
        else:
            status = "failed"
            log.warning(
                "%s to %s failed after %d attempt(s): %s",
                job.channel.name,
                job.person or job.message.recipient,
                job.attempts,
                result.error,
            )
        self._count(status)
        self._guarded(lambda: self._record(job, status, result.error))

    def _record(self, job: Job, status: str, error: str | None) -> None:
        if job.delivery_id is None:
            if status != "failed":
                return  # unlogged streams (MQTT) leave a row only when they fail for good
            row = DeliveryRow(
                event_key=job.message.event_key,
                event_type=job.message.event_type,
                channel=job.channel.name,
                recipient=job.message.recipient,
            )
            job.delivery_id = claim_delivery(self._sessions, row)
            if job.delivery_id is None:
                return
        record_attempt(self._sessions, job.delivery_id, status, error, job.attempts)

    def _schedule(self, job: Job, delay: float) -> None:
        with self._retry_lock:
            heapq.heappush(self._retries, (time.monotonic() + delay, next(self._order), job))
        self._wake()

    def _next_retry(self) -> float:
        with self._retry_lock:
            return self._retries[0][0] if self._retries else float("inf")

    def _start_due_retries(self, now: float) -> None:
        while True:
            with self._retry_lock:
                if not self._retries or self._retries[0][0] > now:
                    return
                _, _, job = heapq.heappop(self._retries)
            self._pool.submit(self._attempt, job)

    def _wake(self) -> None:
        # A full queue means the thread has work and will look at the retries soon anyway.
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(_WAKE)

    def _count(self, what: str) -> None:
        with self._count_lock:
            self._counts[what] += 1

    def _guarded(self, work: Callable[[], object]) -> None:
        """Run `work`; an error is logged, never allowed to end the thread."""
        try:
            work()
        except Exception:
            log.exception("notification work failed")
