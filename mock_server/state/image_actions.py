"""The image actions of issue 11, as ImageBase handles them (image/src/main/java/org/zstack/image/).

UpdateImage, ChangeImageState, SetImageBootMode, SyncImageSize and CalculateImageHash. None of
them looks at the image's status or state: a Disabled, Downloading or Deleted image is changed
like any other (ImageManagerImpl.passThrough L761-778 finds it while its row exists).
"""

from __future__ import annotations

from mock_server.state import system_tags
from mock_server.state.ids import Clock
from mock_server.state.images import ImageBackend
from mock_server.state.model import BackupStorageStatus, Image, ImageState
from mock_server.zstack.errors import InternalError, InvalidArgumentError, OperationError
from mock_server.zstack.i18n import localized
from zstack_spec.json_types import JSON

# APIUpdateImageMsg's fields and the ImageVO attribute each replaces (ImageBase L870-907)
UPDATABLE = {
    "name": "name",
    "description": "description",
    "system": "system",
    "guestOsType": "guest_os_type",
    "mediaType": "media_type",
    "format": "format",
    "platform": "platform",
    "architecture": "architecture",
    "virtio": "virtio",
}


class ImageActions:
    """The handlers (and SetImageBootMode's interceptor rule) over the store's images."""

    def __init__(self, images: ImageBackend, clock: Clock) -> None:
        self._images = images
        self._clock = clock

    def _image(self, uuid: str) -> Image:
        image = self._images.get_image(uuid)
        self._images.changed(uuid)
        return image

    # -- UpdateImage ---------------------------------------------------------------------------

    def update_image(self, m: dict[str, JSON]) -> dict[str, JSON]:
        """ImageBase.updateImage L870-926: each non-null field replaces the stored one."""
        image = self._image(m["uuid"])
        given = {f: m[f] for f in UPDATABLE if m.get(f) is not None}
        for field, value in given.items():
            setattr(
                image, UPDATABLE[field], bool(value) if field in ("system", "virtio") else value
            )
        now = self._clock.now()
        if given:
            image.last_op_date = now  # dbf.updateAndRefresh only if something was given (L909-911)
        arch = m.get("architecture")
        if arch == "aarch64":  # L913-918
            system_tags.set_boot_mode(image, "UEFI", now)
        if arch == "x86_64" and image.system:  # L920-925: isSystem() after the update
            system_tags.set_boot_mode(image, "Legacy", now)
        return {"inventory": image.to_inventory()}

    # -- ChangeImageState ----------------------------------------------------------------------

    def change_image_state(self, uuid: str, event: str) -> dict[str, JSON]:
        """ImageBase L943-955: disable gives Disabled, else Enabled; no transition table."""
        image = self._image(uuid)
        state = ImageState.DISABLED if event == "disable" else ImageState.ENABLED
        if state is not image.state:
            image.state, image.last_op_date = state, self._clock.now()
        return {"inventory": image.to_inventory()}

    # -- SetImageBootMode ----------------------------------------------------------------------

    def check_boot_mode(self, uuid: str, mode: str) -> None:
        """ImageApiInterceptor.validate(APISetImageBootModeMsg) L97-103 (DEFAULT position)."""
        image = self._images.get_image(uuid)
        if mode == "Legacy" and image.architecture == "aarch64":
            raise InvalidArgumentError(
                localized("The aarch64 architecture does not support legacy.")
            )

    def set_image_boot_mode(self, uuid: str, mode: str) -> dict[str, JSON]:
        """ImageBase L697-706: the bootMode tag recreated; the event has no field."""
        system_tags.set_boot_mode(self._image(uuid), mode, self._clock.now())
        return {}

    # -- SyncImageSize -------------------------------------------------------------------------

    def sync_image_size(self, uuid: str) -> dict[str, JSON]:
        """ImageBase.syncImageSize L234-282: one Connected backup storage holding the image.

        Simulation choice: the backup storage reports the sizes of the bits it holds, which the
        mock's simulated download set (state/images.simulated_download), so they do not change.
        """
        image = self._image(uuid)
        held = [r.backup_storage_uuid for r in image.refs]
        if not held:
            raise OperationError(
                localized(
                    "the image[uuid:%s, name:%s] is not on any backup storage",
                    image.uuid,
                    image.name,
                )
            )
        connected = [
            u
            for u in held
            if self._images.backup_storages[u].status is BackupStorageStatus.CONNECTED
        ]
        if not connected:
            raise OperationError(
                localized(
                    "No connected backup storage found for image[uuid:%s, name:%s]",
                    image.uuid,
                    image.name,
                )
            )
        return {"inventory": image.to_inventory()}

    # -- CalculateImageHash --------------------------------------------------------------------

    def calculate_image_hash(self, uuid: str, backup_storage_uuid: str) -> dict[str, JSON]:
        """ImageBase.handle(CalculateImageHashMsg) L159-185, the API L708-725.

        An md5Sum already set answers at once: no backup storage is asked, whichever was named.
        Otherwise the named backup storage computes it, and none in the tree can: Ceph answers
        an error (CephBackupStorageBase L2044-2049), SftpBackupStorage never replies (L692-696),
        ExternalBackupStorage says `not supported` (ExternalBackupStorage.java L161-164).
        """
        image = self._image(uuid)
        if image.md5_sum is not None:
            return {"inventory": image.to_inventory()}
        bs = self._images.backup_storages[backup_storage_uuid]
        if bs.type == "Ceph":
            raise OperationError(
                localized("ceph backup storage do not support calculate image hash")
            )
        if bs.type == "SftpBackupStorage":
            raise NeverReplied()
        raise InternalError("not supported")


class NeverReplied(Exception):
    """The backup storage builds its reply and never sends it (SftpBackupStorage L692-696).

    The job ends only when the message times out (SYS.1001; zstack/image_actions.py waits for it).
    """
