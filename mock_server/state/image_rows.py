"""Images and backup storages as a state file's rows (--state), and back."""

from __future__ import annotations

from mock_server.state.model import (
    BackupStorage,
    BackupStorageStatus,
    Image,
    ImageBackupStorageRef,
    ImageState,
    ImageStatus,
    SystemTag,
)
from zstack_spec.json_types import JSON


def image_from_row(data: dict[str, JSON]) -> Image:
    refs = [
        ImageBackupStorageRef(**{**r, "status": ImageStatus(r["status"])}) for r in data["refs"]
    ]
    status, state = ImageStatus(data["status"]), ImageState(data["state"])
    tags = tuple(SystemTag(**t) for t in data["system_tags"])
    return Image(
        **{
            **data,
            "status": status,
            "state": state,
            "refs": refs,
            "system_tags": tags,
            "user_tags": tuple(data["user_tags"]),
        }
    )


def backup_storage_from_row(data: dict[str, JSON]) -> BackupStorage:
    return BackupStorage(**{**data, "status": BackupStorageStatus(data["status"])})
