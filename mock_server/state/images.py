"""The image lifecycle: AddImage's interceptor rules and download, delete, expunge, recover."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from mock_server.state import paths, tags
from mock_server.state.ids import Clock, IdGenerator
from mock_server.state.jobs import Deferred
from mock_server.state.model import (
    BackupStorage,
    DeleteMode,
    DeletionPolicy,
    Image,
    ImageBackupStorageRef,
    ImageStatus,
)
from mock_server.zstack.errors import (
    CreateResourceError,
    InternalError,
    InvalidArgumentError,
    OperationError,
    ResourceNotFound,
)
from mock_server.zstack.i18n import localized

JSON = Any

# VolumeFormat types registered in the open-source tree (DefaultImageFactory, KVMHostFactory).
VOLUME_FORMATS = ("qcow2", "raw", "vmdk", "iso")
# ImageType: the only registered type (DefaultImageFactory).
IMAGE_TYPES = ("zstack",)
# ImageApiInterceptor L56; a url starting with "/" is rewritten to file://<url>.
URL_PREFIXES = ("http://", "https://", "file:///", "upload://", "zstore://", "ftp://", "sftp://")
# image.download.localPath.blacklist default (conf/globalConfig/image.xml).
LOCAL_PATH_BLACKLIST = (
    "/**/.*/**",
    "/**/~*/**",
    "/etc/**",
    "/usr/local/zstack/**",
    "/var/log/**",
    "/dev/**",
    "/proc/**",
    "/sys/**",
)
DEFAULT_EXPUNGE_PERIOD = 259200.0
# SftpBackupStorageFactory.type L27-35 (BackupStorageConstant.SCHEME_*)
SFTP_SCHEMES = ("http", "https", "nfs", "file", "ftp", "sftp")


def java_list(items: list[str]) -> str:
    """A Java List's toString: `[a, b]`."""
    return "[" + ", ".join(items) + "]"


def _ant_regex(pattern: str) -> re.Pattern[str]:
    """Spring's AntPathMatcher, as far as the blacklist's patterns need it."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("/**", i):
            out += "(/.*)?"
            i += 3
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + "$")


_BLACKLIST = [_ant_regex(p) for p in LOCAL_PATH_BLACKLIST]


# UriComponentsBuilder.URI_PATTERN (Spring 5): group 5 is the user info before '@'
_SPRING_URI = re.compile(
    r"^(([^:/?#]+):)?(//(([^@\[/?#]*)@)?(\[[0-9A-Fa-f:.]*[%0-9A-Za-z]*]|[^\[/?#:]*)"
    r"(:(\{[^}]+\}?|[^/?#]*))?)?([^?#]*)(\?([^#]*))?(#(.*))?"
)


def hide_url_password(url: str) -> str:
    """URLBuilder.hideUrlPassword (utils/.../URLBuilder.java L51-59): keep only the user.

    Called once the image is downloaded (ImageManagerImpl L1285): `http://admin:pw@host/x`
    becomes `http://admin@host/x`.
    """
    m = _SPRING_URI.match(url)
    if m is None or m.group(5) is None:
        return url
    user = m.group(5).split(":")[0]
    return url[: m.start(5)] + user + url[m.end(5) :]


def simulated_download(url: str, image_format: str) -> tuple[int, int, str]:
    """Size, actual size and md5 derived from the url: the mock never fetches anything."""
    digest = hashlib.sha256(url.encode()).digest()
    size = (int.from_bytes(digest[:2], "big") % 4096 + 16) * 1024 * 1024
    actual = size if image_format in ("raw", "iso") else size * (30 + digest[2] % 70) // 100
    return size, actual, hashlib.md5(url.encode()).hexdigest()


def install_path(bs: BackupStorage, image: Image) -> str:
    """Where a backup storage of this type keeps the image's bits (state/paths.py)."""
    if bs.type == "Ceph":
        pool = bs.extra.get("poolName") or bs.url.strip("/")
        return paths.ceph_install_path(pool, image.uuid)
    if bs.type == "ImageStoreBackupStorage":
        # Simulation choice: ImageStore is closed source, its layout is not in the tree.
        return f"zstore://{image.uuid}/{hashlib.sha1(image.uuid.encode()).hexdigest()}"
    return paths.sftp_install_path(
        bs.url, image.uuid, image.url, image.media_type, image.account_uuid
    )


def supports_url(bs: BackupStorage, url: str) -> bool:
    """SftpBackupStorage.download L104-109: only SftpBackupStorageFactory's schemes."""
    if bs.type != "SftpBackupStorage":
        return True
    return url.split(":", 1)[0] in SFTP_SCHEMES


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
        self.next_ref_id = 1
        # uuids of images changed since the store last saved them (for --state)
        self.touched: set[str] = set()
        # images with a Deleted ref (whatever their own status), so the expunge task never
        # scans every image
        self.awaiting_expunge: set[str] = set()
        self._last_expunge_run = float("-inf")

    # -- lookups -------------------------------------------------------------------------------

    def get_image(self, uuid: str) -> Image:
        """Real server: ImageManagerImpl.passThrough, SYS.1003 when the image is gone."""
        image = self.images.get(uuid)
        if image is None:
            raise ResourceNotFound(
                localized("Cannot find image[uuid:%s], it may have been deleted", uuid)
            )
        return image

    # -- AddImage ------------------------------------------------------------------------------

    def add_image(
        self, params: dict[str, JSON], account_uuid: str | None = None
    ) -> Deferred | dict[str, JSON]:
        """AddImage, from ImageApiInterceptor.validate on (ImageManagerImpl.handleAddImageMsg)."""
        p = dict(params)
        now = self._clock.now()
        image = Image(
            uuid=p.get("resourceUuid") or self._ids.uuid(),
            name=p["name"],
            description=p.get("description"),
            url=p["url"],
            # ImageManagerImpl L1161-1165: format iso makes the image an ISO from the start
            media_type="ISO" if p["format"] == "iso" else p["mediaType"],
            format=p["format"],
            status=ImageStatus.DOWNLOADING,
            create_date=now,
            last_op_date=now,
            guest_os_type=p.get("guestOsType"),
            type=p.get("type") or "zstack",
            platform=p.get("platform"),
            architecture=p.get("architecture"),
            system=bool(p.get("system", False)),
            virtio=bool(p.get("virtio", True)),
            system_tags=tags.stored_tags(p.get("systemTags")),
            user_tags=list(p.get("userTags") or []),
        )
        if account_uuid is not None:
            image.account_uuid = account_uuid
        if image.uuid in self.images:
            # Not determinable from the source (eoCleanup then persist): the mock reports the
            # duplicate key as an internal error in the job (docs/zstack-protocol.md).
            raise InternalError(f"Duplicate entry '{image.uuid}' for key 'PRIMARY'")
        for bs_uuid in p["backupStorageUuids"]:
            # each backup storage writes the installPath before it downloads (paths.py)
            path = install_path(self.backup_storages[bs_uuid], image)
            image.refs.append(self._new_ref(image.uuid, bs_uuid, ImageStatus.DOWNLOADING, path))
        self.images[image.uuid] = image
        self.touched.add(image.uuid)
        if image.url.startswith("upload://") and self._unsupported_by(image) is None:
            # the ref stays Downloading until the client uploads; the event returns at once
            return {"inventory": image.to_inventory()}
        return self.download(image.uuid, image.create_date)

    def _unsupported_by(self, image: Image) -> BackupStorage | None:
        """The first backup storage of the image that cannot fetch its url's scheme."""
        for ref in image.refs:
            bs = self.backup_storages[ref.backup_storage_uuid]
            if not supports_url(bs, image.url):
                return bs
        return None

    def download(self, uuid: str, started: float) -> Deferred:
        """The simulated download of an image added at `started`, as a job's pending work."""
        return Deferred(
            finish=lambda: self._finish_download(uuid, started),
            # a failed download removes the image row (ImageManagerImpl.handleAddImageMsg)
            abort=lambda: self._drop_download(uuid, started),
            resume={"download": uuid, "started": started},
        )

    def validate_add_image(self, p: dict[str, JSON]) -> None:
        """ImageApiInterceptor.validate(APIAddImageMsg) L136-186, in its order; fills `p` in."""
        if p.get("mediaType") == "ISO":
            p["format"] = "iso"
        if p.get("system") and (p.get("mediaType") == "ISO" or p.get("format") == "iso"):
            raise InvalidArgumentError(localized("ISO cannot be used as system image"))
        if p.get("format") not in VOLUME_FORMATS:
            raise InvalidArgumentError(localized("unknown format[%s]", p.get("format")))
        if p.get("type") is not None and p["type"] not in IMAGE_TYPES:
            raise InvalidArgumentError(localized("unsupported image type[%s]", p["type"]))
        if p.get("mediaType") is None:
            p["mediaType"] = "RootVolumeTemplate"
        if p["mediaType"] != "DataVolumeTemplate":
            _fill_default(p)
        wanted: list[str] = p["backupStorageUuids"]
        usable = [u for u in wanted if (bs := self.backup_storages.get(u)) and bs.is_usable()]
        if not usable:
            # ImageApiInterceptor L169-170: the status and state are the format's 2nd and 3rd %s
            raise OperationError(
                localized(
                    "no backup storage specified in uuids%s is available for adding this image; "
                    "they are not in status %s or not in state %s, or the uuid is invalid backup "
                    "storage uuid",
                    java_list(wanted),
                    "Connected",
                    "Enabled",
                )
            )
        p["backupStorageUuids"] = list(dict.fromkeys(usable))
        p["url"] = _check_url(p["url"])

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
        self._fail_if_unsupported(image)
        size, actual, md5 = simulated_download(image.url, image.format)
        now = self._clock.now()
        for ref in image.refs:
            bs = self.backup_storages[ref.backup_storage_uuid]
            # the installPath was written when the download started
            ref.status, ref.last_op_date = ImageStatus.READY, now
            bs.available_capacity = max(0, bs.available_capacity - actual)
        image.status, image.size, image.actual_size, image.md5_sum = (
            ImageStatus.READY,
            size,
            actual,
            md5,
        )
        image.url = hide_url_password(image.url)
        image.last_op_date = now
        return {"inventory": image.to_inventory()}

    def _fail_if_unsupported(self, image: Image) -> None:
        """A backup storage that refuses the url fails the whole AddImage; the image goes.

        Real server: SftpBackupStorage.download L104-109 (operr, SYS.1006), then
        ImageManagerImpl.handleAddImageMsg L1344-1357: any failed backup storage fails the
        event with SYS.1002 caused by the first error, and the image row is removed.
        """
        bs = self._unsupported_by(image)
        if bs is None:
            return
        scheme = image.url.split(":", 1)[0]
        cause = OperationError(
            localized("SftpBackupStorage doesn't support scheme[%s] in url[%s]", scheme, image.url)
        )
        wanted = java_list([r.backup_storage_uuid for r in image.refs])
        del self.images[image.uuid]
        raise CreateResourceError(
            localized(
                "Failed to download image[name:%s] on all backup storage%s.", image.name, wanted
            ),
            cause=cause,
        )

    def _new_ref(
        self, image_uuid: str, bs_uuid: str, status: ImageStatus, path: str
    ) -> ImageBackupStorageRef:
        now = self._clock.now()
        ref = ImageBackupStorageRef(
            id=self.next_ref_id,
            image_uuid=image_uuid,
            backup_storage_uuid=bs_uuid,
            status=status,
            install_path=path,
            create_date=now,
            last_op_date=now,
        )
        self.next_ref_id += 1
        return ref

    def seed_image(self, image: Image, refs: dict[str, ImageStatus]) -> None:
        """Put an image from the fixtures in place, with a ref in the given status on each BS."""
        for bs_uuid, status in refs.items():
            bs = self.backup_storages[bs_uuid]
            ref = self._new_ref(image.uuid, bs_uuid, status, install_path(bs, image))
            if status is ImageStatus.DELETED:
                ref.deleted_at = ref.create_date  # the expunge period runs from the mock's start
            image.refs.append(ref)
        if has_deleted_ref(image):
            self.awaiting_expunge.add(image.uuid)
        self.images[image.uuid] = image
        self.touched.add(image.uuid)

    # -- DeleteImage ---------------------------------------------------------------------------

    def delete_image(
        self, uuid: str, backup_storage_uuids: list[str] | None, delete_mode: str | None
    ) -> dict[str, JSON]:
        """DeleteImage. Real server: ImageBase.handle(APIDeleteImageMsg)/ImageDeletionMsg, §3-4."""
        # APIDeleteMessage.getDeletionMode: DeletionMode.valueOf(deleteMode), "" included,
        # called by ImageBase.handle(APIDeleteImageMsg) L967
        try:
            DeleteMode(DeleteMode.PERMISSIVE.value if delete_mode is None else delete_mode)
        except ValueError:
            raise InternalError(
                "No enum constant org.zstack.header.message.APIDeleteMessage.DeletionMode."
                f"{delete_mode}"
            ) from None
        image = self.images.get(uuid)
        if image is None:
            return {}  # already gone: deleting is idempotent
        self.touched.add(uuid)
        targets = [
            r
            for r in image.refs
            if backup_storage_uuids is None or r.backup_storage_uuid in backup_storage_uuids
        ]
        if not image.refs or all(
            r.status in (ImageStatus.CREATING, ImageStatus.DOWNLOADING) for r in image.refs
        ):
            # no refs, or still downloading everywhere: hard-deleted whatever the policy
            del self.images[uuid]
            return {}
        now = self._clock.now()
        if self.policy is DeletionPolicy.DIRECT:
            for ref in targets:
                self._remove_ref(image, ref)
        else:
            for ref in targets:
                if ref.status is not ImageStatus.DELETED:
                    ref.status, ref.deleted_at, ref.last_op_date = ImageStatus.DELETED, now, now
            if has_deleted_ref(image):
                self.awaiting_expunge.add(uuid)  # a Ready image's Deleted ref expires too
            if all(r.status is ImageStatus.DELETED for r in image.refs):
                image.status, image.last_op_date = ImageStatus.DELETED, now
        return {}

    # -- ExpungeImage / RecoverImage -----------------------------------------------------------

    def expunge_image(self, uuid: str, backup_storage_uuids: list[str] | None) -> dict[str, JSON]:
        """ExpungeImage. Real server: ImageBase.handle(APIExpungeImageMsg) L803-868, §3."""
        image = self.get_image(uuid)
        self.touched.add(uuid)
        for ref in self._deleted_targets(image, backup_storage_uuids, action="expunge"):
            self._remove_ref(image, ref)
        return {}

    def recover_image(self, uuid: str, backup_storage_uuids: list[str] | None) -> dict[str, JSON]:
        """RecoverImage. Real server: ImageBase.handle(APIRecoverImageMsg) L745-801, §3."""
        image = self.get_image(uuid)
        self.touched.add(uuid)
        now = self._clock.now()
        for ref in self._deleted_targets(image, backup_storage_uuids, action="recover"):
            ref.status, ref.deleted_at, ref.last_op_date = ImageStatus.READY, None, now
        image.status, image.last_op_date = ImageStatus.READY, now
        if not has_deleted_ref(image):
            self.awaiting_expunge.discard(uuid)
        return {"inventory": image.to_inventory()}

    def _deleted_targets(
        self, image: Image, backup_storage_uuids: list[str] | None, action: str
    ) -> list[ImageBackupStorageRef]:
        who = (image.uuid, image.name)
        if not backup_storage_uuids:
            targets = [r for r in image.refs if r.status is ImageStatus.DELETED]
            if not targets:
                raise OperationError(
                    localized(
                        "the image[uuid:%s, name:%s] is not deleted on any backup storage", *who
                    )
                )
            return targets
        targets = []
        for bs_uuid in backup_storage_uuids:
            ref = image.ref_on(bs_uuid)
            if ref is None:
                raise InvalidArgumentError(
                    localized(
                        "the image[uuid:%s, name:%s] is not on the backup storage[uuid:%s]",
                        *who,
                        bs_uuid,
                    )
                )
            if ref.status is not ImageStatus.DELETED:
                if action == "recover":
                    raise InvalidArgumentError(
                        localized(
                            "the image[uuid:%s, name:%s]'s status[%s] is not Deleted on the backup "
                            "storage[uuid:%s]",
                            *who,
                            ref.status.value,
                            bs_uuid,
                        )
                    )
                raise InvalidArgumentError(
                    localized(
                        "the image[uuid:%s, name:%s] is not deleted on the backup storage[uuid:%s]",
                        *who,
                        bs_uuid,
                    )
                )
            targets.append(ref)
        return targets

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
            self.awaiting_expunge.discard(image.uuid)
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
        for uuid in list(self.awaiting_expunge):
            image = self.images.get(uuid)
            if image is None or not has_deleted_ref(image):
                self.awaiting_expunge.discard(uuid)
                continue
            for ref in [
                r for r in image.refs if r.deleted_at is not None and r.deleted_at <= horizon
            ]:
                self._remove_ref(image, ref)


def has_deleted_ref(image: Image) -> bool:
    """Whether the expunge task has work on this image: a ref in status Deleted."""
    return any(r.status is ImageStatus.DELETED for r in image.refs)


def _fill_default(p: dict[str, JSON]) -> None:
    """ImageMessageFiller.fillDefault; skipped for DataVolumeTemplate."""
    platform = p.get("platform") or "Linux"
    platform = {"Paravirtualization": "Other", "WindowsVirtio": "Windows"}.get(platform, platform)
    p["platform"] = platform
    if p.get("architecture") is None:
        p["architecture"] = "x86_64"
    if p.get("guestOsType") is None and platform in ("Linux", "Windows", "Other"):
        p["guestOsType"] = platform


def _check_url(url: str) -> str:
    """ImageApiInterceptor's url rules (§2): prefixes, then the local-path blacklist."""
    if url.startswith("/"):
        url = f"file://{url}"
    if not url.startswith(URL_PREFIXES):
        # ImageApiInterceptor's text, fullwidth comma included
        text = "url must starts with 'file:///', 'http://', 'https://'， 'ftp://', 'sftp://' or '/'"
        raise InvalidArgumentError(localized(text))
    if url.startswith("file://"):
        path = url[len("file://") :]
        blocked = [
            p for p, rx in zip(LOCAL_PATH_BLACKLIST, _BLACKLIST, strict=True) if rx.match(path)
        ]
        if blocked:
            raise InvalidArgumentError(
                localized(
                    "image path [%s] is in black list %s", path, ";".join(LOCAL_PATH_BLACKLIST)
                )
            )
    return url
