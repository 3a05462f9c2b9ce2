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
from mock_server.state.jobs import Job
from mock_server.state.store import Store
from mock_server.tooling.faults import FaultRules
from mock_server.tooling.journal import Journal, Origin
from mock_server.tooling.request_log import log_late_findings
from mock_server.tooling.verdict import job_findings
from mock_server.tooling.webhooks import WebhookSender
from mock_server.zstack.api_chain import Apis
from mock_server.zstack.encoding import job_result_body
from mock_server.zstack.errors import ZStackError, injected_error
from mock_server.zstack.spec import Spec


@dataclass(slots=True)
class MockRuntime:
    """Per-app state reached through `runtime()`: the spec, the APIs and the (resettable) store."""

    config: MockConfig
    spec: Spec
    apis: Apis
    store: Store
    faults: FaultRules = field(default_factory=FaultRules)
    journal: Journal = field(default_factory=Journal)
    webhooks: WebhookSender = field(default_factory=lambda: WebhookSender(()))

    def install(self, store: Store) -> None:
        """Make `store` the live state, wired to the webhook sender and the journal."""
        store.jobs.on_end = self._job_ended
        persisted = store.persisted
        self.faults.on_change = None if persisted is None else persisted.save_faults
        self.store = store

    def restore_faults(self) -> None:
        """--state: the fault rules saved with the state apply again after a restart."""
        if self.store.persisted is not None:
            self.store.persisted.load_faults(self.faults)

    def spec_error(self, code: str, details: str) -> ZStackError:
        """A ZStackError for any code, with ZStack's description for it from the spec's table."""
        descriptions = self.spec.schema("ErrorCode")["x-zstack-descriptions"]
        return injected_error(code, details, descriptions.get(code))

    def tick(self) -> None:
        """End the jobs that have come due (entering the store's lock does it)."""
        store = self.store
        if store.jobs.has_pending():
            with store.locked():
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
    rt: MockRuntime = current_app.extensions["zstack"]
    return rt


def current_store() -> Store:
    return runtime().store
