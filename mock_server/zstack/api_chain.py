"""The ZStack APIs the mock serves, each run through ZStack's interceptor chain in the real order.

SYSTEM: the spec-driven `@APIParam` checks; FRONT: the session check, then resourceUuid;
DEFAULT: ImageApiInterceptor's rules; END: TagManagerImpl's system tag check; then the handler.
Real server: ApiMessageProcessorImpl.interceptorPositionToOrder (docs/zstack-protocol.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

from mock_server.state import query as q
from mock_server.state import system_tags, tags
from mock_server.state.jobs import Deferred, Job
from mock_server.state.model import Session
from mock_server.state.store import Store
from mock_server.zstack import image_actions, validation
from mock_server.zstack.backup_storage_apis import (
    BACKUP_STORAGE_HANDLERS,
    BACKUP_STORAGE_MESSAGES,
    check_volume_or_snapshot,
)
from mock_server.zstack.errors import ZStackError
from mock_server.zstack.handler_types import Chain, Handler
from mock_server.zstack.spec import Spec
from mock_server.zstack.validation import MessageSchema, StopRouting
from zstack_spec.json_types import JSON

T = TypeVar("T")
SyncHandler = Callable[["Apis", Store, "ApiCall"], dict[str, JSON]]


def _add_image(
    apis: Chain, store: Store, m: dict[str, JSON], session: Session
) -> dict[str, JSON] | Deferred:
    validation.check_resource_uuid(m)  # ApiMediatorImpl, FRONT
    store.images.validate_add_image(m)  # ImageApiInterceptor, DEFAULT
    m["systemTags"] = tags.check_system_tags(m.get("systemTags"), apis.system_tag_patterns)  # END
    return store.images.add_image(m, session.account_uuid)


# Delete, expunge and recover take effect at once; with --job-delay only their result waits,
# so a delete can still meet an AddImage that is downloading (as it does on the real server).
def _delete_image(apis: Chain, store: Store, m: dict[str, JSON], _: Session) -> dict[str, JSON]:
    return store.images.delete_image(m["uuid"], m.get("backupStorageUuids"), m.get("deleteMode"))


def _expunge_image(apis: Chain, store: Store, m: dict[str, JSON], _: Session) -> dict[str, JSON]:
    return store.images.expunge_image(m["imageUuid"], m.get("backupStorageUuids"))


def _recover_image(apis: Chain, store: Store, m: dict[str, JSON], _: Session) -> dict[str, JSON]:
    return store.images.recover_image(m["imageUuid"], m.get("backupStorageUuids"))


ASYNC_HANDLERS: dict[str, Handler] = {
    "AddImage": _add_image,
    "DeleteImage": _delete_image,
    "ExpungeImage": _expunge_image,
    "RecoverImage": _recover_image,
    **image_actions.HANDLERS,
    **BACKUP_STORAGE_HANDLERS,
}


def _log_in_by_account(apis: Apis, store: Store, call: ApiCall) -> dict[str, JSON]:
    """LogInByAccount: SYSTEM parameter checks, then the account's password (no session yet)."""
    message = dict(call.message)
    validation.check_params(apis.schemas["LogInByAccount"], message, lambda vo, u: True)
    session = store.sessions.log_in_by_account(
        message["accountName"], message["password"], message.get("accountType")
    )
    return {"inventory": session.to_inventory()}


def _log_out(apis: Apis, store: Store, call: ApiCall) -> dict[str, JSON]:
    """LogOut: an unknown session is silently ignored."""
    store.sessions.log_out(call.message["sessionUuid"])
    return {}


def _validate_session(apis: Apis, store: Store, call: ApiCall) -> dict[str, JSON]:
    """ValidateSession: APIValidateSessionReply `valid=validSession`."""
    return {"valid": store.sessions.is_valid(call.message["sessionUuid"])}


def _pick(items: Mapping[str, T], pinned: str | None) -> list[T]:
    """The objects a query scans: only the pinned one for a `uuid=` condition."""
    if pinned is None:
        return list(items.values())
    return [items[pinned]] if pinned in items else []


def _image_rows(store: Store, pinned: str | None) -> list[JSON]:
    """Images, with the tags ZQL's `__systemTag__`/`__userTag__` conditions see."""
    return [
        q.with_tags(i.to_inventory(), system_tags.tag_strings(i), list(i.user_tags))
        for i in _pick(store.images.images, pinned)
    ]


def _backup_storage_rows(store: Store, pinned: str | None) -> list[JSON]:
    return [b.to_inventory() for b in _pick(store.backup_storages, pinned)]


def _system_tag_rows(store: Store, pinned: str | None) -> list[JSON]:
    """Every image's SystemTagVO rows (the mock keeps tags of images only)."""
    return system_tags.inventories(store.images.images.values())


# the inventory each query API answers with, and the rows it reads from the store
QUERY_SOURCES: dict[str, tuple[str, Callable[[Store, str | None], list[JSON]]]] = {
    "QueryImage": ("ImageInventory", _image_rows),
    "QueryBackupStorage": ("BackupStorageInventory", _backup_storage_rows),
    "QuerySystemTag": ("SystemTagInventory", _system_tag_rows),
}


def _query(apis: Apis, store: Store, call: ApiCall) -> dict[str, JSON]:
    """A query API: FRONT's session check, then ZQL's field check, then the conditions."""
    assert call.query is not None
    inventory, rows = QUERY_SOURCES[call.api]
    store.sessions.check(call.session_uuid)
    q.check_fields(call.query, apis.zql_views[inventory])
    page, total = q.run(call.query, rows(store, call.query.uuid_equals()))
    body: dict[str, JSON] = {}
    if not call.query.count:
        body["inventories"] = page
    if call.query.count or call.query.reply_with_count:
        body["total"] = total
    return body


def _get_candidate(apis: Apis, store: Store, call: ApiCall) -> dict[str, JSON]:
    """GetCandidateBackupStorageForCreatingImage (synchronous): SYSTEM, FRONT, DEFAULT.

    Not modelled: volumes and snapshots. Every uuid of one fails PortApiValidator (SYS.1003),
    so the handler (HostAllocatorManagerImpl L106-151) is never reached in the mock.
    """
    message = dict(call.message)
    schema = apis.schemas[call.api]
    validation.check_params(schema, message, lambda vo, u: _exists(store, vo, u))
    store.sessions.check(call.session_uuid)
    check_volume_or_snapshot(message)
    return {"inventories": []}


SYNC_HANDLERS: dict[str, SyncHandler] = {
    "LogInByAccount": _log_in_by_account,
    "LogOut": _log_out,
    "ValidateSession": _validate_session,
    "QueryImage": _query,
    "QueryBackupStorage": _query,
    "QuerySystemTag": _query,
    "GetCandidateBackupStorageForCreatingImage": _get_candidate,
}

# (operationId in the spec, body envelope key) of each API message
MESSAGES: dict[str, tuple[str, str | None]] = {
    "AddImage": ("AddImage", "params"),
    "DeleteImage": ("DeleteImage", None),
    "ExpungeImage": ("ExpungeImage", "expungeImage"),
    "RecoverImage": ("ExpungeImage", "recoverImage"),
    **{api: ("ExpungeImage", key) for key, api in image_actions.ACTIONS.items()},
    "LogInByAccount": ("LogInByAccount", "logInByAccount"),
    **BACKUP_STORAGE_MESSAGES,
}


@dataclass(frozen=True, slots=True)
class ApiCall:
    api: str
    message: dict[str, JSON]
    session_uuid: str | None
    webhook: str | None = None
    wants_schema: bool = False
    # a query API's parsed conditions (RestServer.handleQueryApi)
    query: q.Query | None = None


class Apis:
    """Runs API calls against a store: async ones inside a job, sync ones at once."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        # named after the API, also where two share an operation (RecoverImage's is ExpungeImage's)
        self.schemas: dict[str, MessageSchema] = {
            api: replace(validation.message_schema(spec, spec.operations[op], envelope), api=api)
            for api, (op, envelope) in MESSAGES.items()
        }
        self.system_tag_patterns: tuple[str, ...] = tuple(
            spec.schema("AddImageParams")["x-zstack-system-tag-patterns"]
        )
        # what ZQL knows of each queried inventory, read once from the spec
        self.zql_views = {inv: _zql_view(spec.schema(inv)) for inv, _ in QUERY_SOURCES.values()}
        # each async API's `apiTimeout` (ms), from its operation in the spec
        self.timeouts_ms: dict[str, int] = {
            api: _api_timeout(spec.operations[op].raw, api)
            for api, (op, _) in MESSAGES.items()
            if api in ASYNC_HANDLERS
        }

    def submit(
        self, store: Store, call: ApiCall, job_uuid: str, failure: ZStackError | None = None
    ) -> Job:
        """Run an async API in a job; `failure` (a fault rule's) fails the job instead."""
        handler = ASYNC_HANDLERS[call.api]
        schema = self.schemas[call.api]

        def work() -> dict[str, JSON] | Deferred:
            if failure is not None:
                raise failure
            message = dict(call.message)
            try:
                validation.check_params(schema, message, lambda vo, u: _exists(store, vo, u))
            except StopRouting:
                return {}
            session = store.sessions.check(call.session_uuid)
            return handler(self, store, message, session)

        return store.jobs.submit(
            job_uuid, call.api, work, call.webhook, call.wants_schema, judged=failure is None
        )

    def call(self, store: Store, call: ApiCall) -> dict[str, JSON]:
        """Run a synchronous API at once; its reply body (without `schema`)."""
        return SYNC_HANDLERS[call.api](self, store, call)


def _api_timeout(operation: dict[str, JSON], api: str) -> int:
    """The operation's `apiTimeout`, or the action's own on a shared path (@DefaultTimeout)."""
    timeout: int = operation.get("x-zstack-api-timeouts", {}).get(
        api, operation["x-zstack-api-timeout"]
    )
    return timeout


def _zql_view(schema: dict[str, JSON]) -> q.InventoryFields:
    return q.InventoryFields(
        java_class=schema["x-zstack-class"],
        fields=frozenset([*schema["properties"], *schema.get("x-zstack-query-only-fields", ())]),
        expanded=frozenset(schema.get("x-zstack-expanded-queries", ())),
    )


def _exists(store: Store, vo: str, uuid: JSON) -> bool:
    if not isinstance(uuid, str):
        return False
    if vo == "ImageVO":
        return uuid in store.images.images
    if vo == "BackupStorageVO":
        return uuid in store.backup_storages
    if vo in ("VolumeVO", "VolumeSnapshotVO"):
        return False  # Not modelled: volumes and snapshots; none exist in the mock
    if vo == "TagPatternVO":
        return False  # Not modelled: tag patterns (CreateTagPattern); none exist in the mock
    raise KeyError(f"no resource type {vo} in the mock")
