"""Accounts and sessions: login, logout, and the session check every authenticated API makes."""

from __future__ import annotations

from collections import Counter

from mock_server.state.ids import Clock, IdGenerator
from mock_server.state.model import Account, Session
from mock_server.zstack.errors import (
    AuthenticationError,
    InvalidSession,
    MaxConcurrentSessionExceeded,
)
from mock_server.zstack.i18n import localized

# Real server: conf/globalConfig/identity.xml session.timeout and session.maxConcurrent.
DEFAULT_SESSION_TIMEOUT = 7200.0
MAX_CONCURRENT_SESSIONS = 500
# AccountConstant.LOGIN_TYPE (header/.../identity/AccountConstant.java L30)
ACCOUNT_LOGIN_TYPE = "account"


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
        # live sessions per account, so the cap is checked without a scan
        self._per_account: Counter[str] = Counter()

    def log_in_by_account(
        self, account_name: str, password: str, account_type: str | None = None
    ) -> Session:
        """LogInByAccount. Real server: AccountLoginBackend.login L42-69, Session.login."""
        account = next((a for a in self.accounts.values() if a.name == account_name), None)
        # the stored SHA-512 hex is compared with what was sent, as is; an accountType other
        # than AccountConstant.LOGIN_TYPE ("account") goes to AccountLoginExtensionPoints, and
        # the open-source tree has none
        account_login = account_type is None or account_type == ACCOUNT_LOGIN_TYPE
        if account is None or account.password_sha512 != password or not account_login:
            raise AuthenticationError(localized("wrong account name or password"))
        self._drop_expired()
        if self._per_account[account.uuid] >= self.max_concurrent:
            raise MaxConcurrentSessionExceeded(
                localized("Login sessions hit limit of max allowed concurrent login sessions")
            )
        now = self._clock.now()
        session = Session(
            uuid=self._ids.uuid(),
            account_uuid=account.uuid,
            create_date=now,
            expired_date=now + self.timeout,
        )
        self.add(session)
        return session

    def add(self, session: Session) -> None:
        """Hold a session (a new login, or one read back from a state file)."""
        self.sessions[session.uuid] = session
        self._per_account[session.account_uuid] += 1
        self.touched.add(session.uuid)

    def _remove(self, session_uuid: str) -> None:
        session = self.sessions.pop(session_uuid, None)
        if session is not None:
            self._per_account[session.account_uuid] -= 1
        self.touched.add(session_uuid)

    def log_out(self, session_uuid: str) -> None:
        """LogOut; an unknown session is silently ignored (Session.deleteSession)."""
        self._remove(session_uuid)

    def check(self, session_uuid: str | None) -> Session:
        """AuthorizationManager's session check: ID.1001 for an unknown or expired session."""
        session = self.sessions.get(session_uuid or "")
        if session is None:
            raise InvalidSession(localized("Session expired"))
        if session.expired_date <= self._clock.now():
            self._remove(session.uuid)
            raise InvalidSession(localized("Session expired"))
        return session

    def is_valid(self, session_uuid: str) -> bool:
        """ValidateSession: is the session live? An expired one is dropped as it is found.

        Real server: AccountManagerImpl.handle(APIValidateSessionMsg) L451-461 replies
        `errorCode == null` of Session.checkSessionExpired (identity/.../Session.java L193-225).
        """
        try:
            self.check(session_uuid)
        except InvalidSession:
            return False
        return True

    def _drop_expired(self) -> None:
        # every session lives `timeout` seconds, so the oldest expire first: stop at a live one
        now = self._clock.now()
        expired = []
        for uuid, session in self.sessions.items():
            if session.expired_date > now:
                break
            expired.append(uuid)
        for uuid in expired:
            self._remove(uuid)
