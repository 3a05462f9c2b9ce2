"""The backup storage actions: change state, reconnect, update.

Real server: BackupStorageBase.handleApiMessage L463-490
(storage/.../backup/BackupStorageBase.java); no interceptor rule applies to them
(BackupStorageApiInterceptor only sets the service id).
Each event carries getSelfInventory (`BackupStorage.self_inventory`).
"""

from __future__ import annotations

from mock_server.state.model import BackupStorage, BackupStorageStatus
from zstack_spec.json_types import JSON

# AbstractBackupStorage L11-14: every event is allowed from every state
NEXT_STATE = {"enable": "Enabled", "disable": "Disabled"}


def change_backup_storage_state(bs: BackupStorage, state_event: str, now: float) -> dict[str, JSON]:
    """BackupStorageBase.handle(APIChangeBackupStorageStateMsg) L789-811.

    Not modelled: preChange's CHANGE_RESOURCE_STATE_ERROR (no extension point in the tree
    raises it). The row is written even when the state does not change (updateAndRefresh).
    """
    bs.state, bs.last_op_date = NEXT_STATE[state_event], now
    return {"inventory": bs.self_inventory()}


def reconnect_backup_storage(bs: BackupStorage, now: float) -> dict[str, JSON]:
    """BackupStorageBase.handle(APIReconnectBackupStorageMsg) L655-673 via ConnectBackupStorageMsg.

    Connecting, then the type's connectHook, then Connected (L345-393). Simulation choice: the
    connect hook always succeeds (a `fail_job` fault rule gives the failure case).
    """
    bs.status, bs.last_op_date = BackupStorageStatus.CONNECTED, now
    return {"inventory": bs.self_inventory()}


def update_backup_storage(
    bs: BackupStorage, name: str | None, description: str | None, now: float
) -> dict[str, JSON]:
    """BackupStorageBase.handle(APIUpdateBackupStorageMsg) L675-697: non-null fields replace."""
    if name is not None:
        bs.name = name
    if description is not None:
        bs.description = description
    if name is not None or description is not None:
        bs.last_op_date = now
    return {"inventory": bs.self_inventory()}
