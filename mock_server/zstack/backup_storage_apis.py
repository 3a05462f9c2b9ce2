"""The backup storage APIs' handlers and GetCandidateBackupStorageForCreatingImage's interceptor.

BackupStorageApiInterceptor has no rule for these messages that a request can reach (its
checkNull for Export/DeleteExported repeats the mandatory checks, BsIc L49-52, L63-76), so each
handler runs right after the session check. Real server: BackupStorageManagerImpl.passThrough
L133-151, then BackupStorageBase/CephBackupStorageBase.handleApiMessage.
"""

from __future__ import annotations

from mock_server.state import backup_storages, exports
from mock_server.state.model import Session
from mock_server.state.store import Store
from mock_server.zstack.errors import InvalidArgumentError
from mock_server.zstack.handler_types import Chain, Handler
from mock_server.zstack.i18n import localized
from zstack_spec.json_types import JSON


def _export_image(apis: Chain, store: Store, m: dict[str, JSON], _: Session) -> dict[str, JSON]:
    image = store.images.get_image(m["imageUuid"])
    store.images.changed(image.uuid)
    bs = store.backup_storages[m["backupStorageUuid"]]
    return exports.export_image(bs, image, m, store.clock.now())


def _delete_exported(apis: Chain, store: Store, m: dict[str, JSON], _: Session) -> dict[str, JSON]:
    image = store.images.get_image(m["imageUuid"])
    store.images.changed(image.uuid)
    bs = store.backup_storages[m["backupStorageUuid"]]
    return exports.delete_exported_image(bs, image, m, store.clock.now())


def _change_state(apis: Chain, store: Store, m: dict[str, JSON], _: Session) -> dict[str, JSON]:
    bs = store.backup_storages[m["uuid"]]
    return backup_storages.change_backup_storage_state(bs, m["stateEvent"], store.clock.now())


def _reconnect(apis: Chain, store: Store, m: dict[str, JSON], _: Session) -> dict[str, JSON]:
    bs = store.backup_storages[m["uuid"]]
    return backup_storages.reconnect_backup_storage(bs, store.clock.now())


def _update(apis: Chain, store: Store, m: dict[str, JSON], _: Session) -> dict[str, JSON]:
    bs = store.backup_storages[m["uuid"]]
    name, description = m.get("name"), m.get("description")
    return backup_storages.update_backup_storage(bs, name, description, store.clock.now())


BACKUP_STORAGE_HANDLERS: dict[str, Handler] = {
    "ExportImageFromBackupStorage": _export_image,
    "DeleteExportedImageFromBackupStorage": _delete_exported,
    "ChangeBackupStorageState": _change_state,
    "ReconnectBackupStorage": _reconnect,
    "UpdateBackupStorage": _update,
}

ACTIONS = "ExportImageFromBackupStorage"  # the operation of PUT /v1/backup-storage/{uuid}/actions
# (operationId in the spec, body envelope key) of each API message
BACKUP_STORAGE_MESSAGES: dict[str, tuple[str, str | None]] = {
    "ExportImageFromBackupStorage": (ACTIONS, "exportImageFromBackupStorage"),
    "ChangeBackupStorageState": (ACTIONS, "changeBackupStorageState"),
    "ReconnectBackupStorage": (ACTIONS, "reconnectBackupStorage"),
    "UpdateBackupStorage": (ACTIONS, "updateBackupStorage"),
    "DeleteExportedImageFromBackupStorage": ("DeleteExportedImageFromBackupStorage", None),
    "GetCandidateBackupStorageForCreatingImage": (
        "GetCandidateBackupStorageForCreatingImage",
        None,
    ),
}


def check_volume_or_snapshot(message: dict[str, JSON]) -> None:
    """HostAllocatorApiInterceptor.validate L54-60 (DEFAULT, after the session check)."""
    if message.get("volumeUuid") is None and message.get("volumeSnapshotUuid") is None:
        raise InvalidArgumentError(localized("either volumeUuid or volumeSnapshotUuid must be set"))
