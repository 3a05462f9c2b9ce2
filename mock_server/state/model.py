"""The resources the mock keeps, as dataclasses that write their own wire form."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from mock_server.state.ids import gson_timestamp
from zstack_spec.json_types import JSON


class ImageStatus(StrEnum):
    CREATING = "Creating"
    DOWNLOADING = "Downloading"
    READY = "Ready"
    ERROR = "Error"
    DELETED = "Deleted"
    MIGRATING = "Migrating"


class ImageState(StrEnum):
    ENABLED = "Enabled"
    DISABLED = "Disabled"


class DeletionPolicy(StrEnum):
    """ImageDeletionPolicyManager.ImageDeletionPolicy, the values image.deletionPolicy allows."""

    DIRECT = "Direct"
    DELAY = "Delay"
    NEVER = "Never"


class DeleteMode(StrEnum):
    """APIDeleteMessage.DeletionMode."""

    PERMISSIVE = "Permissive"
    ENFORCING = "Enforcing"


class BackupStorageStatus(StrEnum):
    CONNECTING = "Connecting"
    CONNECTED = "Connected"
    DISCONNECTED = "Disconnected"


def _omit_none(d: dict[str, JSON]) -> dict[str, JSON]:
    """Gson without serializeNulls: null fields are left out."""
    return {k: v for k, v in d.items() if v is not None}


@dataclass(slots=True)
class ImageBackupStorageRef:
    id: int
    image_uuid: str
    backup_storage_uuid: str
    status: ImageStatus
    install_path: str
    create_date: float
    last_op_date: float
    deleted_at: float | None = None
    # ExportImageFromBackupStorage (Ceph) writes both; DeleteExported clears only the url
    export_url: str | None = None
    export_md5_sum: str | None = None

    def to_inventory(self) -> dict[str, JSON]:
        return _omit_none(
            {
                "id": self.id,
                "imageUuid": self.image_uuid,
                "backupStorageUuid": self.backup_storage_uuid,
                "installPath": self.install_path,
                "exportUrl": self.export_url,
                "exportMd5Sum": self.export_md5_sum,
                "status": self.status.value,
                "createDate": gson_timestamp(self.create_date),
                "lastOpDate": gson_timestamp(self.last_op_date),
            }
        )


@dataclass(slots=True)
class SystemTag:
    """A SystemTagVO of an image (tags are resources of their own, never in ImageInventory)."""

    uuid: str
    tag: str
    create_date: float
    inherent: bool = False

    def to_inventory(self, resource_uuid: str) -> dict[str, JSON]:
        """SystemTagInventory.valueOf (header/.../tag/SystemTagInventory.java L15-25).

        lastOpDate is the createDate; Gson writes the class's own field before TagInventory's.
        """
        return {
            "inherent": self.inherent,
            "uuid": self.uuid,
            "resourceUuid": resource_uuid,
            "resourceType": "ImageVO",
            "tag": self.tag,
            "type": "System",
            "createDate": gson_timestamp(self.create_date),
            "lastOpDate": gson_timestamp(self.create_date),
        }


@dataclass(slots=True)
class Image:
    uuid: str
    name: str
    url: str
    media_type: str
    format: str
    status: ImageStatus
    create_date: float
    last_op_date: float
    description: str | None = None
    state: ImageState = ImageState.ENABLED
    size: int = 0
    actual_size: int = 0
    md5_sum: str | None = None
    guest_os_type: str | None = None
    type: str = "zstack"
    platform: str | None = None
    architecture: str | None = None
    system: bool = False
    virtio: bool = True
    refs: list[ImageBackupStorageRef] = field(default_factory=list)
    # the owner (ImageVO.accountUuid): the admin account unless a session says otherwise
    account_uuid: str = "36c27e8ff05c4780bf6d2fa65700f22e"
    # tags are resources of their own on the real server (SystemTagVO, UserTagVO), never in
    # ImageInventory: kept here for QuerySystemTag / QueryUserTag. Tuples, replaced whole: most
    # images have none, and the empty tuple is one shared object where two empty lists cost
    # 112 bytes per image (`make bench`'s memory per image)
    system_tags: tuple[SystemTag, ...] = ()
    user_tags: tuple[str, ...] = ()

    def ref_on(self, backup_storage_uuid: str) -> ImageBackupStorageRef | None:
        for ref in self.refs:
            if ref.backup_storage_uuid == backup_storage_uuid:
                return ref
        return None

    def to_inventory(self) -> dict[str, JSON]:
        return _omit_none(
            {
                "uuid": self.uuid,
                "name": self.name,
                "description": self.description,
                "state": self.state.value,
                "status": self.status.value,
                "size": self.size,
                "actualSize": self.actual_size,
                "md5Sum": self.md5_sum,
                "url": self.url,
                "mediaType": self.media_type,
                "guestOsType": self.guest_os_type,
                "type": self.type,
                "platform": self.platform,
                "architecture": self.architecture,
                "format": self.format,
                "system": self.system,
                "virtio": self.virtio,
                "createDate": gson_timestamp(self.create_date),
                "lastOpDate": gson_timestamp(self.last_op_date),
                "backupStorageRefs": [ref.to_inventory() for ref in self.refs],
            }
        )


@dataclass(slots=True)
class BackupStorage:
    uuid: str
    name: str
    type: str
    url: str
    status: BackupStorageStatus
    total_capacity: int
    available_capacity: int
    create_date: float
    last_op_date: float
    state: str = "Enabled"
    description: str | None = None
    attached_zone_uuids: list[str] = field(default_factory=list)
    extra: dict[str, JSON] = field(default_factory=dict)

    def is_usable(self) -> bool:
        """ImageApiInterceptor: Connected and availableCapacity > 0 (state is not checked)."""
        return self.status is BackupStorageStatus.CONNECTED and self.available_capacity > 0

    def base_inventory(self) -> dict[str, JSON]:
        """BackupStorageInventory.valueOf: the base class's fields, without the type's own."""
        inventory = self.to_inventory()
        for key in self.extra:
            inventory.pop(key, None)
        return inventory

    def self_inventory(self) -> dict[str, JSON]:
        """BackupStorageBase.getSelfInventory (L193-195): only Sftp overrides it (Sftp L92-94)."""
        return self.to_inventory() if self.type == "SftpBackupStorage" else self.base_inventory()

    def to_inventory(self) -> dict[str, JSON]:
        return _omit_none(
            {
                "uuid": self.uuid,
                "name": self.name,
                "url": self.url,
                "description": self.description,
                "totalCapacity": self.total_capacity,
                "availableCapacity": self.available_capacity,
                "type": self.type,
                "state": self.state,
                "status": self.status.value,
                "createDate": gson_timestamp(self.create_date),
                "lastOpDate": gson_timestamp(self.last_op_date),
                "attachedZoneUuids": list(self.attached_zone_uuids),
                **self.extra,
            }
        )


@dataclass(slots=True)
class Account:
    uuid: str
    name: str
    password_sha512: str


@dataclass(slots=True)
class Session:
    uuid: str
    account_uuid: str
    create_date: float
    expired_date: float

    def to_inventory(self) -> dict[str, JSON]:
        # Real server: Session.login builds the reply with SessionInventory.valueOf, which never
        # sets userType; userUuid equals accountUuid for an account login
        # (identity/.../AccountLoginBackend.java L50-54).
        return {
            "uuid": self.uuid,
            "accountUuid": self.account_uuid,
            "userUuid": self.account_uuid,
            "expiredDate": gson_timestamp(self.expired_date),
            "createDate": gson_timestamp(self.create_date),
            "noSessionEvaluation": False,
        }


@dataclass(slots=True)
class Zone:
    uuid: str
    name: str
