"""MockConfig: everything a mock instance is started with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mock_server.state.ids import Clock, SystemClock
from mock_server.state.images import DEFAULT_EXPUNGE_PERIOD
from mock_server.state.model import DeletionPolicy
from mock_server.state.sessions import DEFAULT_SESSION_TIMEOUT, MAX_CONCURRENT_SESSIONS
from mock_server.state.store import StoreSettings
from mock_server.zstack.i18n import Language

# Larger bodies get 413 plain text; the real server's limit is not known (README, differences).
DEFAULT_MAX_BODY = 8 * 1024 * 1024
# the servlet context ZStack's management node is deployed under; its test deployments use "/"
DEFAULT_CONTEXT_PATH = "/zstack"


def normalize_context_path(text: str) -> str:
    """`/zstack`, `zstack/` -> `/zstack`; `/` (the root context) -> `` (Servlet getContextPath)."""
    parts = [p for p in text.strip().split("/") if p]
    return "".join(f"/{p}" for p in parts)


@dataclass(frozen=True, slots=True)
class MockConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    # normalized: "" for the root context, else "/name" (normalize_context_path)
    context_path: str = DEFAULT_CONTEXT_PATH
    job_delay: float = 0.0
    deletion_policy: DeletionPolicy = DeletionPolicy.DELAY
    expunge_period: float = DEFAULT_EXPUNGE_PERIOD
    session_timeout: float = DEFAULT_SESSION_TIMEOUT
    fixtures: Path | None = None
    seed: int | None = None
    max_body: int = DEFAULT_MAX_BODY
    # in tests the mock checks its own responses against the spec
    validate_responses: bool = False
    access_log: bool = False
    log_format: str = "text"
    # allowed CORS origins; empty: any localhost origin
    cors_origins: tuple[str, ...] = ()
    # hosts X-Web-Hook may name; empty: this machine only
    webhook_allow: tuple[str, ...] = ()
    webhook_retry_interval: float = 2.0
    # a served mock ends timed jobs (and fires their webhooks) without waiting for a request
    background_jobs: bool = False
    # --state: keep the state in this SQLite file; None keeps it in memory
    state_file: Path | None = None
    max_sessions: int = MAX_CONCURRENT_SESSIONS
    # --locale: the language of every i18n'd detail; raw is ZStack's source text (i18n.py)
    locale: Language = "raw"
    clock: Clock = field(default_factory=SystemClock)

    def store_settings(self) -> StoreSettings:
        return StoreSettings(
            job_delay=self.job_delay,
            deletion_policy=self.deletion_policy,
            expunge_period=self.expunge_period,
            session_timeout=self.session_timeout,
            seed=self.seed,
            clock=self.clock,
            state_file=self.state_file,
            max_sessions=self.max_sessions,
        )
