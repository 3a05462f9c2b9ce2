"""The shape of an API handler, shared by the chain (`api_chain.py`) and the modules of handlers.

A handler gets the chain's read-only view (`Chain`), the store, the checked message and the
caller's session; it returns the event body, or the `Deferred` work of a job that goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from mock_server.state.jobs import Deferred
from mock_server.state.model import Session
from mock_server.state.store import Store
from mock_server.zstack.validation import MessageSchema
from zstack_spec.json_types import JSON


class Chain(Protocol):
    """What a handler may read of the interceptor chain: the message schemas, the tag patterns."""

    @property
    def schemas(self) -> Mapping[str, MessageSchema]: ...

    @property
    def system_tag_patterns(self) -> tuple[str, ...]: ...


Handler = Callable[[Chain, Store, dict[str, JSON], Session], "dict[str, JSON] | Deferred"]
