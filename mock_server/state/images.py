"""The image lifecycle: AddImage's download, delete, expunge, recover, and the expunge task.

The rules each API applies live beside it: add_image.py (AddImage's interceptor and download),
image_urls.py (its url rules), image_deletion.py (what DeleteImage, ExpungeImage and RecoverImage
act on).
"""

from __future__ import annotations

import heapq

from mock_server.state.add_image import (
    download_failure,
    install_path,
    new_image,
    record_download,
    unsupported_by,
    validate_add_image,
)
from mock_server.state.ids import Clock, IdGenerator
from mock_server.state.image_deletion import (
    check_deletion_mode,
    delete_targets,
    expunge_targets,
    has_deleted_ref,
    mark_deleted,
    never_downloaded,
    recover_targets,
)
from mock_server.state.image_rows import backup_storage_from_row, image_from_row
from mock_server.state.jobs import Deferred
from mock_server.state.model import (
    BackupStorage,
    DeletionPolicy,
    Image,
    ImageBackupStorageRef,
    ImageStatus,
)
from mock_server.state.rows import Row, Rows, record, touched_rows
from mock_server.zstack.errors import InternalError, OperationError, ResourceNotFound
from mock_server.zstack.i18n import localized
from zstack_spec.json_types import JSON

DEFAULT_EXPUNGE_PERIOD = 259200.0


class ImageBackend:
    def __init__(
        self,
        clock: Clock,
        ids: IdGenerator,
        backup_storages: dict[str, BackupStorage],
        policy: DeletionPolicy,
        expunge_period: float = DEFAULT_EXPUNGE_PERIOD,
    ) -> None:
        self._clock = clock
        self._ids = ids
        self.images: dict[str, Image] = {}
        self.backup_storages = backup_storages
        self.policy = policy
        self.expunge_period = expunge_period
        self._next_ref_id = 1
        # uuids of images changed since the store last saved them (for --state)
        self.touched: set[str] = set()
        # (deletedAt, image uuid) for each ref the Delay policy deleted, earliest first: the
        # expunge task looks only at those whose period has passed, never at every image or
        # every deleted one (an entry whose ref was recovered or expunged since finds nothing)
        self._expiries: list[tuple[float, str]] = []
        self._last_expunge_run = float("-inf")

    def changed(self, uuid: str) -> None:  # --state writes the image with this call's commit
        self.touched.add(uuid)

    def get_image(self, uuid: str) -> Image:
        """Real server: ImageManagerImpl.passThrough, SYS.1003 when the image is gone."""
        image = self.images.get(uuid)
        if image is None:
            raise ResourceNotFound(
                localized("Cannot find image[uuid:%s], it may have been deleted", uuid)
            )
        return image

    # -- AddImage ------------------------------------------------------------------------------

    def validate_add_image(self, p: dict[str, JSON]) -> None:
        """ImageApiInterceptor.validate(APIAddImageMsg) L136-186, in its order; fills `p` in."""
        validate_add_image(p, self.backup_storages)

    def add_image(
        self, params: dict[str, JSON], account_uuid: str | None = None
    ) -> Deferred | dict[str, JSON]:
        """AddImage, from ImageApiInterceptor.validate on (ImageManagerImpl.handleAddImageMsg)."""
        now = self._clock.now()
        image = new_image(
            params, params.get("resourceUuid") or self._ids.uuid(), now, self._ids.uuid
        )
        if account_uuid is not None:
            image.account_uuid = account_uuid
        if image.uuid in self.images:
            # Not determinable from the source (eoCleanup then persist): the mock reports the
            # duplicate key as an internal error in the job (docs/zstack-protocol.md).
            raise InternalError(f"Duplicate entry '{image.uuid}' for key 'PRIMARY'")
        for bs_uuid in params["backupStorageUuids"]:
            # each backup storage writes the installPath before it downloads (paths.py)
            path = install_path(self.backup_storages[bs_uuid], image)
            image.refs.append(self._new_ref(image.uuid, bs_uuid, ImageStatus.DOWNLOADING, path))
        self.images[image.uuid] = image
        self.touched.add(image.uuid)
        if (
            image.url.startswith("upload://")
            and unsupported_by(image, self.backup_storages) is None
        ):
            # the ref stays Downloading until the client uploads; the event returns at once
            return {"inventory": image.to_inventory()}
        return self.download(image.uuid, image.create_date)

    def download(self, uuid: str, started: float) -> Deferred:
        """The simulated download of an image added at `started`, as a job's pending work."""
        return Deferred(
            finish=lambda: self._finish_download(uuid, started),
            # a failed download removes the image row (ImageManagerImpl.handleAddImageMsg)
            abort=lambda: self._drop_download(uuid, started),
            resume={"download": uuid, "started": started},
        )

    def resume_download(self, resume: dict[str, JSON]) -> Deferred | None:
        """A download that was running when the state file was saved (job_queue.Resumer)."""
        if "download" not in resume:
            return None
        return self.download(resume["download"], resume["started"])

    def _downloading(self, uuid: str, started: float) -> Image | None:
        image = self.images.get(uuid)
        return image if image is not None and image.create_date == started else None

    def _drop_download(self, uuid: str, started: float) -> None:
        if self._downloading(uuid, started) is not None:
            del self.images[uuid]
            self.touched.add(uuid)

    def _finish_download(self, uuid: str, started: float) -> dict[str, JSON]:
        image = self._downloading(uuid, started)
        if image is None:
            # deleted (hard, while downloading) before the download ended
            raise OperationError(localized("image [uuid:%s] has been deleted", uuid))
        self.touched.add(uuid)
        bs = unsupported_by(image, self.backup_storages)
        if bs is not None:
            del self.images[image.uuid]
            raise download_failure(image, bs)
        record_download(image, self.backup_storages, self._clock.now())
        return {"inventory": image.to_inventory()}

    def _new_ref(
        self, image_uuid: str, bs_uuid: str, status: ImageStatus, path: str
    ) -> ImageBackupStorageRef:
        now = self._clock.now()
        ref = ImageBackupStorageRef(
            id=self._next_ref_id,
            image_uuid=image_uuid,
            backup_storage_uuid=bs_uuid,
            status=status,
            install_path=path,
            create_date=now,
            last_op_date=now,
        )
        self._next_ref_id += 1
        return ref

    def seed_image(self, image: Image, refs: dict[str, ImageStatus]) -> None:
        """Put an image from the fixtures in place, with a ref in the given status on each BS."""
        for bs_uuid, status in refs.items():
            bs = self.backup_storages[bs_uuid]
            ref = self._new_ref(image.uuid, bs_uuid, status, install_path(bs, image))
            if status is ImageStatus.DELETED:
                ref.deleted_at = ref.create_date  # the expunge period runs from the mock's start
            image.refs.append(ref)
        self._await_expunge(image, image.refs)
        self.images[image.uuid] = image
        self.touched.add(image.uuid)

    # -- DeleteImage ---------------------------------------------------------------------------

    def delete_image(
        self, uuid: str, backup_storage_uuids: list[str] | None, delete_mode: str | None
    ) -> dict[str, JSON]:
        """DeleteImage: ImageBase.handle(APIDeleteImageMsg) and ImageDeletionMsg.

        Real server: docs/zstack-protocol.md#delete-image.
        """
        check_deletion_mode(delete_mode)
        image = self.images.get(uuid)
        if image is None:
            return {}  # already gone: deleting is idempotent
        self.touched.add(uuid)
        if never_downloaded(image):
            del self.images[uuid]
            return {}
        targets = delete_targets(image, backup_storage_uuids)
        if self.policy is DeletionPolicy.DIRECT:
            for ref in targets:
                self._remove_ref(image, ref)
        else:
            newly = [r for r in targets if r.status is not ImageStatus.DELETED]
            mark_deleted(image, targets, self._clock.now())
            self._await_expunge(image, newly)  # a Ready image's Deleted ref expires too
        return {}

    def _await_expunge(self, image: Image, refs: list[ImageBackupStorageRef]) -> None:
        """Queue the refs' expiry for the expunge task (those with a deletion time)."""
        for ref in refs:
            if ref.deleted_at is not None:
                heapq.heappush(self._expiries, (ref.deleted_at, image.uuid))

    # -- ExpungeImage / RecoverImage -----------------------------------------------------------

    def expunge_image(self, uuid: str, backup_storage_uuids: list[str] | None) -> dict[str, JSON]:
        """ExpungeImage: ImageBase.handle(APIExpungeImageMsg) L803-868.

        Real server: docs/zstack-protocol.md#expunge-recover.
        """
        image = self.get_image(uuid)
        self.touched.add(uuid)
        for ref in expunge_targets(image, backup_storage_uuids):
            self._remove_ref(image, ref)
        return {}

    def recover_image(self, uuid: str, backup_storage_uuids: list[str] | None) -> dict[str, JSON]:
        """RecoverImage: ImageBase.handle(APIRecoverImageMsg) L745-801.

        Real server: docs/zstack-protocol.md#expunge-recover.
        """
        image = self.get_image(uuid)
        self.touched.add(uuid)
        now = self._clock.now()
        for ref in recover_targets(image, backup_storage_uuids):
            ref.status, ref.deleted_at, ref.last_op_date = ImageStatus.READY, None, now
        image.status, image.last_op_date = ImageStatus.READY, now
        return {"inventory": image.to_inventory()}

    def _remove_ref(self, image: Image, ref: ImageBackupStorageRef) -> None:
        """Delete the bits, return the capacity, drop the ref; the image goes with its last ref."""
        bs = self.backup_storages.get(ref.backup_storage_uuid)
        if bs is not None and ref.status is not ImageStatus.DOWNLOADING:
            bs.available_capacity = min(
                bs.total_capacity, bs.available_capacity + image.actual_size
            )
        image.refs.remove(ref)
        self.touched.add(image.uuid)
        if not image.refs:
            self.images.pop(image.uuid, None)

    def expunge_expired(self) -> None:
        """The periodic expunge task: Deleted refs past expungePeriod go (policy Delay only).

        Real server: ImageManagerImpl.startExpungeTask L943-1010 picks every
        ImageBackupStorageRefVO whose status is Deleted, whatever its image's status (L951-960),
        and expunges it once `lastOpDate + expungePeriod` has passed (L987-992); ImageBase.handle
        (ExpungeImageMsg) L285-345 drops that ref, and the image with its last one. A Deleted
        ref's `deleted_at` is its lastOpDate: both are set when it is deleted, and only a
        recover changes it again.
        """
        now = self._clock.now()
        # like ZStack's task (expungeInterval), it runs now and then, not on every request
        if self.policy is not DeletionPolicy.DELAY or now - self._last_expunge_run < 1.0:
            return
        self._last_expunge_run = now
        horizon = now - self.expunge_period
        while self._expiries and self._expiries[0][0] <= horizon:
            uuid = heapq.heappop(self._expiries)[1]
            image = self.images.get(uuid)
            if image is None or not has_deleted_ref(image):
                continue
            for ref in [
                r for r in image.refs if r.deleted_at is not None and r.deleted_at <= horizon
            ]:
                self._remove_ref(image, ref)

    # -- --state (rows.Persistent) -------------------------------------------------------------

    def dirty_rows(self, everything: bool = False) -> list[Row]:
        return touched_rows("images", self.touched, self.images, everything)

    def standing_rows(self) -> list[Row]:
        """The ref counter, and every backup storage (their capacity changes with images)."""
        rows: list[Row] = [("meta", "next_ref_id", self._next_ref_id)]
        rows += [("backup_storages", b.uuid, record(b)) for b in self.backup_storages.values()]
        return rows

    def load_rows(self, rows: Rows) -> None:
        self._next_ref_id = int(rows["meta"]["next_ref_id"])
        self.backup_storages.clear()
        for uuid, data in rows["backup_storages"].items():
            self.backup_storages[uuid] = backup_storage_from_row(data)
        self.images.clear()
        self._expiries.clear()
        for uuid, data in rows["images"].items():
            image = self.images[uuid] = image_from_row(data)
            self._await_expunge(image, image.refs)
        self.touched.clear()
