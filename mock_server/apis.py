"""The ZStack APIs the mock serves, each run through ZStack's interceptor chain in the real order.

SYSTEM: the spec-driven `@APIParam` checks; FRONT: the session check, then resourceUuid;
DEFAULT: ImageApiInterceptor's rules; END: TagManagerImpl's system tag check; then the handler.
Real server: ApiMessageProcessorImpl.interceptorPositionToOrder (docs/zstack-protocol.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from mock_server import validation
from mock_server.backup_storage_apis import (
    BACKUP_STORAGE_HANDLERS,
    BACKUP_STORAGE_MESSAGES,
    check_volume_or_snapshot,
)
from mock_server.errors import ZStackError
from mock_server.spec import Spec
from mock_server.state import tags
from mock_server.state.jobs import Deferred, Job
from mock_server.state.model import Session
from mock_server.state.store import Store
from mock_server.validation import MessageSchema, StopRouting

JSON = Any
Handler = Callable[["Apis", Store, dict[str, JSON], Session], "dict[str, JSON] | Deferred"]


def _add_image(
    apis: Apis, store: Store, m: dict[str, JSON], session: Session
) -> dict[str, JSON] | Deferred:
    validation.check_resource_uuid(m)  # ApiMediatorImpl, FRONT
    store.images.validate_add_image(m)  # ImageApiInterceptor, DEFAULT
    m["systemTags"] = tags.check_system_tags(m.get("systemTags"), apis.system_tag_patterns)  # END
    return store.images.add_image(m, session.account_uuid)


# Delete, expunge and recover take effect at once; with --job-delay only their result waits,
# so a delete can still meet an AddImage that is downloading (as it does on the real server).
def _delete_image(apis: Apis, store: Store, m: dict[str, JSON], _: Session) -> dict[str, JSON]:
    return store.images.delete_image(m["uuid"], m.get("backupStorageUuids"), m.get("deleteMode"))


def _expunge_image(apis: Apis, store: Store, m: dict[str, JSON], _: Session) -> dict[str, JSON]:
    return store.images.expunge_image(m["imageUuid"], m.get("backupStorageUuids"))


def _recover_image(apis: Apis, store: Store, m: dict[str, JSON], _: Session) -> dict[str, JSON]:
    return store.images.recover_image(m["imageUuid"], m.get("backupStorageUuids"))


ASYNC_HANDLERS: dict[str, Handler] = {
    "AddImage": _add_image,
    "DeleteImage": _delete_image,
    "ExpungeImage": _expunge_image,
    "RecoverImage": _recover_image,
    **BACKUP_STORAGE_HANDLERS,
}

# (operationId in the spec, body envelope key) of each API message
MESSAGES: dict[str, tuple[str, str | None]] = {
    "AddImage": ("AddImage", "params"),
    "DeleteImage": ("DeleteImage", None),
    "ExpungeImage": ("ExpungeImage", "expungeImage"),
    "RecoverImage": ("ExpungeImage", "recoverImage"),
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

    def log_in_by_account(self, store: Store, message: dict[str, JSON]) -> Session:
        message = dict(message)
        validation.check_params(self.schemas["LogInByAccount"], message, lambda vo, u: True)
        return store.sessions.log_in_by_account(
            message["accountName"], message["password"], message.get("accountType")
        )

    def get_candidate_backup_storage(
        self, store: Store, message: dict[str, JSON], session_uuid: str
    ) -> dict[str, JSON]:
        """GetCandidateBackupStorageForCreatingImage (synchronous): SYSTEM, FRONT, DEFAULT.

        Not modelled: volumes and snapshots. Every uuid of one fails PortApiValidator (SYS.1003),
        so the handler (HostAllocatorManagerImpl L106-151) is never reached in the mock.
        """
        message = dict(message)
        schema = self.schemas["GetCandidateBackupStorageForCreatingImage"]
        validation.check_params(schema, message, lambda vo, u: _exists(store, vo, u))
        store.sessions.check(session_uuid)
        check_volume_or_snapshot(message)
        return {"inventories": []}


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
