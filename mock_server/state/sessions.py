"""Accounts and sessions: login, logout, and the session check every authenticated API makes."""

from __future__ import annotations

from mock_server.errors import AuthenticationError, InvalidSession, MaxConcurrentSessionExceeded
from mock_server.state.ids import Clock, IdGenerator
from mock_server.state.model import Account, Session

# Real server: conf/globalConfig/identity.xml session.timeout and session.maxConcurrent.
DEFAULT_SESSION_TIMEOUT = 7200.0
MAX_CONCURRENT_SESSIONS = 500


class SessionBackend:
    def __init__(
        self,
        clock: Clock,
        ids: IdGenerator,
        accounts: dict[str, Account],
        timeout: float = DEFAULT_SESSION_TIMEOUT,
        max_concurrent: int = MAX_CONCURRENT_SESSIONS,
    ) -> None:
        self._clock = clock
        self._ids = ids
        self.accounts = accounts
        self.sessions: dict[str, Session] = {}
        # uuids of sessions changed since the store last saved them (for --state)
        self.touched: set[str] = set()
        self.timeout = timeout
        self.max_concurrent = max_concurrent

    def log_in_by_account(self, account_name: str, password: str) -> Session:
        """LogInByAccount. Real server: AccountLoginBackend.login, Session.login (§9)."""
        account = next((a for a in self.accounts.values() if a.name == account_name), None)
        # the stored SHA-512 hex is compared with what was sent, as is
        if account is None or account.password_sha512 != password:
            raise AuthenticationError("wrong account name or password")
        self._drop_expired()
        active = sum(1 for s in self.sessions.values() if s.account_uuid == account.uuid)
        if active >= self.max_concurrent:
            raise MaxConcurrentSessionExceeded(
                "Login sessions hit limit of max allowed concurrent login sessions"
            )
        now = self._clock.now()
        session = Session(
            uuid=self._ids.uuid(),
            account_uuid=account.uuid,
            create_date=now,
            expired_date=now + self.timeout,
        )
        self.sessions[session.uuid] = session
        self.touched.add(session.uuid)
        return session

    def log_out(self, session_uuid: str) -> None:
        """LogOut; an unknown session is silently ignored (Session.deleteSession)."""
        self.sessions.pop(session_uuid, None)
        self.touched.add(session_uuid)

    def check(self, session_uuid: str | None) -> Session:
        """AuthorizationManager's session check: ID.1001 for an unknown or expired session."""
        session = self.sessions.get(session_uuid or "")
        if session is None:
            raise InvalidSession("Session expired")
        if session.expired_date <= self._clock.now():
            del self.sessions[session.uuid]
            self.touched.add(session.uuid)
            raise InvalidSession("Session expired")
        return session

    def _drop_expired(self) -> None:
        now = self._clock.now()
        for uuid in [u for u, s in self.sessions.items() if s.expired_date <= now]:
            del self.sessions[uuid]
            self.touched.add(uuid)
