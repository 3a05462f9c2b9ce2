"""DeleteImage's, ExpungeImage's and RecoverImage's rules: which refs each one acts on.

Real server: image/src/main/java/org/zstack/image/ImageBase.java, handle(ImageDeletionMsg)
L364-549, handle(APIRecoverImageMsg) L745-801 and handle(APIExpungeImageMsg) L803-868: the last
two pick the Deleted refs when no backup storage is named, else check each named one in order.
"""

from __future__ import annotations

from collections.abc import Callable

from mock_server.state.model import DeleteMode, Image, ImageBackupStorageRef, ImageStatus
from mock_server.zstack.errors import (
    InternalError,
    InvalidArgumentError,
    OperationError,
    ZStackError,
)
from mock_server.zstack.i18n import localized

# how a named ref that is not Deleted is refused: the two APIs word it differently
NotDeleted = Callable[[Image, ImageBackupStorageRef], ZStackError]


def check_deletion_mode(delete_mode: str | None) -> None:
    """APIDeleteMessage.getDeletionMode: DeletionMode.valueOf(deleteMode), "" included.

    Real server: header/src/main/java/org/zstack/header/message/APIDeleteMessage.java L22-24,
    called by ImageBase.handle(APIDeleteImageMsg) L967: an unknown mode is Java's
    IllegalArgumentException, an internal error.
    """
    try:
        DeleteMode(DeleteMode.PERMISSIVE.value if delete_mode is None else delete_mode)
    except ValueError:
        raise InternalError(
            "No enum constant org.zstack.header.message.APIDeleteMessage.DeletionMode."
            f"{delete_mode}"
        ) from None


def never_downloaded(image: Image) -> bool:
    """No refs, or still downloading everywhere: hard-deleted whatever the policy.

    Real server: image/src/main/java/org/zstack/image/ImageBase.java handle(ImageDeletionMsg)
    L368-391.
    """
    return not image.refs or all(
        r.status in (ImageStatus.CREATING, ImageStatus.DOWNLOADING) for r in image.refs
    )


def delete_targets(image: Image, bs_uuids: list[str] | None) -> list[ImageBackupStorageRef]:
    """ImageBase.handle(ImageDeletionMsg) L398-408: the refs on the named backup storages."""
    return [r for r in image.refs if bs_uuids is None or r.backup_storage_uuid in bs_uuids]


def mark_deleted(image: Image, targets: list[ImageBackupStorageRef], now: float) -> None:
    """The Delay policy: the refs turn Deleted, the image too once all of its refs are.

    Real server: image/src/main/java/org/zstack/image/ImageBase.java handle(ImageDeletionMsg)
    L497-503 (ref.setStatus(Deleted)), then its done handler L528-533.
    """
    for ref in targets:
        if ref.status is not ImageStatus.DELETED:
            ref.status, ref.deleted_at, ref.last_op_date = ImageStatus.DELETED, now, now
    if all(r.status is ImageStatus.DELETED for r in image.refs):
        image.status, image.last_op_date = ImageStatus.DELETED, now


def has_deleted_ref(image: Image) -> bool:
    """Whether the expunge task has work on this image: a ref in status Deleted."""
    return any(r.status is ImageStatus.DELETED for r in image.refs)


def expunge_targets(image: Image, bs_uuids: list[str] | None) -> list[ImageBackupStorageRef]:
    """ImageBase.handle(APIExpungeImageMsg) L803-846: the refs ExpungeImage removes."""
    if not bs_uuids:
        return deleted_refs(image)
    return [named_deleted_ref(image, u, _not_deleted_for_expunge) for u in bs_uuids]


def recover_targets(image: Image, bs_uuids: list[str] | None) -> list[ImageBackupStorageRef]:
    """ImageBase.handle(APIRecoverImageMsg) L745-781: the refs RecoverImage makes Ready."""
    if not bs_uuids:
        return deleted_refs(image)
    return [named_deleted_ref(image, u, _not_deleted_for_recover) for u in bs_uuids]


def deleted_refs(image: Image) -> list[ImageBackupStorageRef]:
    """No backup storage named: every Deleted ref, none is an error (ImageBase L756, L817)."""
    targets = [r for r in image.refs if r.status is ImageStatus.DELETED]
    if not targets:
        raise OperationError(
            localized(
                "the image[uuid:%s, name:%s] is not deleted on any backup storage",
                image.uuid,
                image.name,
            )
        )
    return targets


def named_deleted_ref(image: Image, bs_uuid: str, not_deleted: NotDeleted) -> ImageBackupStorageRef:
    """A named backup storage: the image must be on it (ImageBase L770, L833), and Deleted."""
    ref = image.ref_on(bs_uuid)
    if ref is None:
        raise InvalidArgumentError(
            localized(
                "the image[uuid:%s, name:%s] is not on the backup storage[uuid:%s]",
                image.uuid,
                image.name,
                bs_uuid,
            )
        )
    if ref.status is not ImageStatus.DELETED:
        raise not_deleted(image, ref)
    return ref


def _not_deleted_for_recover(image: Image, ref: ImageBackupStorageRef) -> ZStackError:
    """ImageBase.handle(APIRecoverImageMsg) L774-777 names the ref's status."""
    return InvalidArgumentError(
        localized(
            "the image[uuid:%s, name:%s]'s status[%s] is not Deleted on the backup "
            "storage[uuid:%s]",
            image.uuid,
            image.name,
            ref.status.value,
            ref.backup_storage_uuid,
        )
    )


def _not_deleted_for_expunge(image: Image, ref: ImageBackupStorageRef) -> ZStackError:
    """ImageBase.handle(APIExpungeImageMsg) L837-840."""
    return InvalidArgumentError(
        localized(
            "the image[uuid:%s, name:%s] is not deleted on the backup storage[uuid:%s]",
            image.uuid,
            image.name,
            ref.backup_storage_uuid,
        )
    )
