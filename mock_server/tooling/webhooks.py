"""X-Web-Hook: when a job ends, POST its result to the client's URL, retrying as ZStack does.

Real server: RestServer.callWebHook (zstack-behaviour.md §6) posts the body a poll would return,
with `X-Job-UUID` and `X-Job-Success`, and retries 15 times every 2 s on a non-2xx or an IO error.
Only hosts the operator allows are called (by default this machine), so the mock cannot be turned
against other hosts.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from mock_server.state.jobs import Job, JobState
from mock_server.zstack.encoding import gson_dumps

JSON = Any
log = logging.getLogger(__name__)

RETRIES = 15
DEFAULT_ALLOWED = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True, slots=True)
class Delivery:
    url: str
    job_uuid: str
    success: bool
    body: str


class WebhookSender:
    """Delivers webhook calls from one background thread, in the order jobs ended."""

    def __init__(self, allowed_hosts: tuple[str, ...], retry_interval: float = 2.0) -> None:
        self.allowed_hosts = allowed_hosts or DEFAULT_ALLOWED
        self.retry_interval = retry_interval
        self._queue: queue.Queue[Delivery] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def allows(self, url: str) -> bool:
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
        return parts.scheme in ("http", "https") and (parts.hostname or "") in self.allowed_hosts

    def job_ended(self, job: Job, render: Callable[[Job], JSON]) -> None:
        """Queue the call for a job that carries a webhook."""
        if job.webhook is None:
            return
        body = render(job)
        self._queue.put(
            Delivery(job.webhook, job.uuid, job.state is JobState.SUCCEEDED, gson_dumps(body))
        )
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            delivery = self._queue.get()
            self._deliver(delivery)
            self._queue.task_done()

    def _deliver(self, d: Delivery) -> None:
        headers = {
            "Content-Type": "application/json",
            "X-Job-UUID": d.job_uuid,
            "X-Job-Success": "true" if d.success else "false",
        }
        for attempt in range(1, RETRIES + 1):
            try:
                rsp = requests.post(d.url, data=d.body.encode(), headers=headers, timeout=5)
                if 200 <= rsp.status_code < 300:
                    return
            except requests.RequestException as e:
                log.info("webhook %s for job %s failed: %s", d.url, d.job_uuid, e)
            if attempt < RETRIES:
                threading.Event().wait(self.retry_interval)
        log.warning("webhook %s for job %s gave up after %d tries", d.url, d.job_uuid, RETRIES)
