"""The composition root: one mock instance's runtime, built by the app factory.

`MockRuntime` holds what outlives a reset (the spec, the API chain, fault rules, the journal, the
webhook sender) and the live `Store`. Routes and tooling reach it through `runtime()`; nothing
here imports a route module.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import current_app

from mock_server.config import MockConfig
from mock_server.state.jobs import Job, JobState
from mock_server.state.store import Store
from mock_server.tooling.faults import FaultRules
from mock_server.tooling.journal import Journal, Origin
from mock_server.tooling.request_log import log_late_findings
from mock_server.tooling.verdict import job_findings
from mock_server.tooling.webhooks import WebhookSender
from mock_server.zstack import rest_headers
from mock_server.zstack.api_chain import ApiCall, Apis
from mock_server.zstack.encoding import job_result_body
from mock_server.zstack.errors import ZStackError, injected_error
from mock_server.zstack.i18n import Locale, speaking
from mock_server.zstack.spec import Spec
from zstack_spec.json_types import JSON


@dataclass(frozen=True, slots=True)
class JobHeaders:
    """What the REST layer read for an async API besides its message."""

    job_uuid: str | None  # X-Job-UUID as sent
    api_timeout: str | None  # X-API-Timeout as sent
    origin: dict[str, JSON]  # the starting request, redacted, for a late finding
    failure: ZStackError | None = None  # a fault rule's error, to fail the job with


@dataclass(slots=True)
class MockRuntime:
    """Per-app state reached through `runtime()`: the spec, the APIs and the (resettable) store."""

    config: MockConfig
    spec: Spec
    apis: Apis
    store: Store
    # the language of every i18n'd detail (--locale): the app's, spoken while it serves
    locale: Locale
    faults: FaultRules = field(default_factory=FaultRules)
    journal: Journal = field(default_factory=Journal)
    webhooks: WebhookSender = field(default_factory=lambda: WebhookSender(()))

    def install(self, store: Store) -> None:
        """Make `store` the live state, wired to the webhook sender and the journal."""
        store.jobs.on_end = self._job_ended
        state_file = store.state_file
        # the fault rules outlive a reset: they are kept in the state file beside the store
        self.faults.on_change = (
            None if state_file is None else lambda: state_file.save([self.faults])
        )
        self.store = store

    def restore_faults(self) -> None:
        """--state: the fault rules saved with the state apply again after a restart."""
        if self.store.state_file is not None:
            self.store.state_file.load([self.faults])

    def spec_error(self, code: str, details: str) -> ZStackError:
        """A ZStackError for any code, with ZStack's description for it from the spec's table."""
        descriptions = self.spec.schema("ErrorCode")["x-zstack-descriptions"]
        return injected_error(code, details, descriptions.get(code))

    def submit(self, call: ApiCall, headers: JobHeaders) -> tuple[Job, int]:
        """Start an async API: one transaction checks the job headers, then queues the job.

        The job's own run (the interceptor chain, the handler) happens when it comes due, under
        the store's lock, and its error becomes a late finding of this request when it ends.
        Returns the job and the `apiTimeout` (ms) its 202 carries.
        """
        default_ms = self.apis.timeouts_ms[call.api]
        with self.store.locked() as store:
            uuid = rest_headers.job_uuid(headers.job_uuid, store.jobs.exists, store.ids.uuid)
            timeout_ms = rest_headers.api_timeout(headers.api_timeout, default_ms)
            self.journal.expect_job(uuid)
            job = self.apis.submit(store, call, uuid, headers.failure)
            job.origin = headers.origin
        return job, timeout_ms

    def call(self, call: ApiCall) -> dict[str, JSON]:
        """Run a synchronous API in one transaction; its reply body."""
        with self.store.locked() as store:
            return self.apis.call(store, call)

    def poll_job(self, uuid: str, with_schema: bool) -> tuple[int, dict[str, JSON]] | None:
        """GetJob: 202 {} while running, 200 or 503 with its result; None when unknown."""
        with self.store.locked() as store:
            job = store.jobs.get(uuid)
            if job is None or not store.jobs.is_visible(job):
                return None
            store.jobs.polled(job)
            if job.state is JobState.PROCESSING:
                return 202, {}
            status = 503 if job.state is JobState.FAILED else 200
            return status, job_result_body(self.spec, job, with_schema)

    def skips_bad_session(self, image_uuid: str, session_uuid: str) -> bool:
        """DeleteImage of a missing image succeeds before its session is checked: is it bad?"""
        with self.store.locked() as store:
            if image_uuid in store.images.images:
                return False  # the job checks the session, and a bad one is its ID.1001
            session = store.sessions.sessions.get(session_uuid)
            return session is None or session.expired_date <= store.clock.now()

    def tick(self) -> None:
        """End the jobs that have come due (entering the store's lock does it)."""
        store = self.store
        if store.jobs.has_pending():
            with speaking(self.locale), store.locked():
                pass

    def start_ticker(self, interval: float = 0.1) -> threading.Thread:
        """End timed jobs as they come due even when nobody polls, so webhooks fire on time."""

        def loop() -> None:
            while True:
                threading.Event().wait(interval)
                self.tick()

        thread = threading.Thread(target=loop, name="job-ticker", daemon=True)
        thread.start()
        return thread

    def _job_ended(self, job: Job) -> None:
        """A job ended (however: due, polled, ticked, after a restart): webhook, late finding."""
        self.webhooks.job_ended(job, lambda j: job_result_body(self.spec, j, j.wants_schema))
        origin = None if job.origin is None else Origin.from_json(job.origin)
        findings = job_findings(job)
        entry = self.journal.job_ended(job.uuid, findings, origin, job.finished or job.submitted)
        if entry is not None and self.config.access_log:
            log_late_findings(entry, findings, self.config.log_format)


def runtime() -> MockRuntime:
    """The runtime of the app serving the current request."""
    # the app itself, not Flask's proxy (werkzeug's documented LocalProxy._get_current_object)
    rt: MockRuntime = current_app._get_current_object().extensions["zstack"]  # type: ignore[attr-defined]
    return rt


def current_store() -> Store:
    return runtime().store
