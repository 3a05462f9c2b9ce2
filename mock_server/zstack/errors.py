"""ZStack's two error channels: ErrorCode inside 503 JSON, and the REST layer's plain text.

The exception tree:

* ZStackError                 503 {"error": ErrorCode}: a failed sync call or a failed job
  + InternalError             SYS.1000
  + MessageTimeout            SYS.1001
  + CreateResourceError       SYS.1002
  + ResourceNotFound          SYS.1003
  + DeleteResourceError       SYS.1004
  + OperationError            SYS.1006
  + InvalidArgumentError      SYS.1007
  + UnknownMessageError       SYS.1008
  + AuthenticationError       ID.1000
  + InvalidSession            ID.1001
  + MaxConcurrentSessionExceeded  ID.1006
* RestError                   RestServer's own rejection before any job exists: plain text
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from zstack_spec.json_types import JSON

# Real server: ErrorFacadeImpl.doInstantiateErrorCode L76-78 cuts details longer than 4096
# chars to their first 4093 and "...".
MAX_DETAILS = 4096


def truncated_details(details: str) -> str:
    return details if len(details) <= MAX_DETAILS else details[: MAX_DETAILS - 3] + "..."


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """ZStack's ErrorCode on the wire; None fields are omitted, as Gson does."""

    code: str
    description: str
    details: str | None = None
    cost: str | None = None
    cause: ErrorCode | None = None

    def to_json(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {"code": self.code, "description": self.description}
        if self.details is not None:
            out["details"] = self.details
        if self.cost is not None:
            out["cost"] = self.cost
        if self.cause is not None:
            out["cause"] = self.cause.to_json()
        return out

    @classmethod
    def from_json(cls, data: dict[str, JSON]) -> ErrorCode:
        cause = data.get("cause")
        return cls(
            code=data["code"],
            description=data["description"],
            details=data.get("details"),
            cost=data.get("cost"),
            cause=cls.from_json(cause) if isinstance(cause, dict) else None,
        )


class ZStackError(Exception):
    """Reported as 503 {"error": ErrorCode}: a sync reply, or a failed job's poll result."""

    code: ClassVar[str] = "SYS.1000"
    description: ClassVar[str] = "An internal error happened in system"

    def __init__(
        self, details: str, *, cause: ZStackError | None = None, elaborated: bool = True
    ) -> None:
        super().__init__(details)
        self.details = truncated_details(details)
        self.cause = cause
        # Platform.err() elaborates (and so sets `cost`); ErrorFacade.instantiateErrorCode alone,
        # as in throwableToInternalError, does not.
        self.elaborated = elaborated

    def to_error_code(self) -> ErrorCode:
        # Real server: Platform.handleErrorElaboration (core/.../Platform.java L1032-1051) sets
        # cost on every err() without a cause (CoreGlobalProperty.ENABLE_ELABORATION is true).
        cause = self.cause.to_error_code() if self.cause is not None else None
        return ErrorCode(
            code=self.code,
            description=self.description,
            details=self.details,
            cost=None if cause is not None or not self.elaborated else "0ms",
            cause=cause,
        )


class InternalError(ZStackError):
    code = "SYS.1000"
    description = "An internal error happened in system"


class MessageTimeout(ZStackError):
    """Platform.touterr (core/.../Platform.java L1110-1111): a reply that did not come in time."""

    code = "SYS.1001"
    description = "A message or a operation timeout"


class CreateResourceError(ZStackError):
    code = "SYS.1002"
    description = "Unable to create a resource"


class ResourceNotFound(ZStackError):
    code = "SYS.1003"
    description = "A resource can not be found"


class DeleteResourceError(ZStackError):
    code = "SYS.1004"
    description = "Unable to delete a resource"


class OperationError(ZStackError):
    code = "SYS.1006"
    description = "An operation failed"


class InvalidArgumentError(ZStackError):
    code = "SYS.1007"
    description = "One or more API argument is invalid"


class UnknownMessageError(ZStackError):
    code = "SYS.1008"
    description = "Unknown message, no service can deal with the message"


class AuthenticationError(ZStackError):
    code = "ID.1000"
    description = "Unable to authenticate a user"


class InvalidSession(ZStackError):
    code = "ID.1001"
    description = "The session is invalid, either wrong session id or the session has been expired"


class MaxConcurrentSessionExceeded(ZStackError):
    code = "ID.1006"
    description = "Max number of active sessions exceeded"


class RestError(Exception):
    """RestServer rejection before any job exists: plain-text body, never JSON (400/404/405/500)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


ALL_ZSTACK_ERRORS: tuple[type[ZStackError], ...] = (
    InternalError,
    CreateResourceError,
    ResourceNotFound,
    DeleteResourceError,
    OperationError,
    InvalidArgumentError,
    AuthenticationError,
    InvalidSession,
    MaxConcurrentSessionExceeded,
)


def error_class_for_code(code: str) -> type[ZStackError]:
    """The error class for a ZStack code, for errors loaded back from JSON or fault rules."""
    for cls in ALL_ZSTACK_ERRORS:
        if cls.code == code:
            return cls
    raise KeyError(code)


def injected_error(code: str, details: str, description: str | None = None) -> ZStackError:
    """A ZStackError with any code, for fault rules and failing jobs by hand."""
    try:
        cls = error_class_for_code(code)
    except KeyError:
        cls = type(
            f"Injected{code.replace('.', '')}",
            (ZStackError,),
            {
                "code": code,
                "description": description or "An error injected by the mock",
            },
        )
    return cls(details)
