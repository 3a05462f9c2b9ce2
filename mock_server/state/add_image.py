"""AddImage's rules: ImageApiInterceptor's checks, the defaults it fills in, the new image.

Real server: image/src/main/java/org/zstack/image/ImageApiInterceptor.java validate(APIAddImageMsg)
L136-186 and ImageManagerImpl.handleAddImageMsg (image/.../ImageManagerImpl.java).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache

from mock_server.state import paths, system_tags, tags
from mock_server.state.image_urls import check_url, hide_url_password, supports_url
from mock_server.state.model import BackupStorage, Image, ImageStatus
from mock_server.zstack.errors import CreateResourceError, InvalidArgumentError, OperationError
from mock_server.zstack.i18n import localized
from zstack_spec.json_types import JSON

# VolumeFormat types registered in the open-source tree (DefaultImageFactory, KVMHostFactory).
VOLUME_FORMATS = ("qcow2", "raw", "vmdk", "iso")
# ImageType: the only registered type (DefaultImageFactory).
IMAGE_TYPES = ("zstack",)


def java_list(items: list[str]) -> str:
    """A Java List's toString: `[a, b]`."""
    return "[" + ", ".join(items) + "]"


def validate_add_image(p: dict[str, JSON], backup_storages: dict[str, BackupStorage]) -> None:
    """ImageApiInterceptor.validate(APIAddImageMsg) L136-186, in its order; fills `p` in."""
    check_media_and_format(p)
    if p.get("mediaType") is None:
        p["mediaType"] = "RootVolumeTemplate"
    if p["mediaType"] != "DataVolumeTemplate":
        fill_default(p)
    p["backupStorageUuids"] = usable_backup_storages(p["backupStorageUuids"], backup_storages)
    p["url"] = check_url(p["url"])


def check_media_and_format(p: dict[str, JSON]) -> None:
    """ImageApiInterceptor.validate(APIAddImageMsg) L137-153: ISO, system, format and type.

    Real server: image/src/main/java/org/zstack/image/ImageApiInterceptor.java; an ISO media
    type forces the iso format first (L137-139).
    """
    if p.get("mediaType") == "ISO":
        p["format"] = "iso"
    if p.get("system") and (p.get("mediaType") == "ISO" or p.get("format") == "iso"):
        raise InvalidArgumentError(localized("ISO cannot be used as system image"))
    if p.get("format") not in VOLUME_FORMATS:
        raise InvalidArgumentError(localized("unknown format[%s]", p.get("format")))
    if p.get("type") is not None and p["type"] not in IMAGE_TYPES:
        raise InvalidArgumentError(localized("unsupported image type[%s]", p["type"]))


def fill_default(p: dict[str, JSON]) -> None:
    """ImageMessageFiller.fillDefault L21-46; skipped for DataVolumeTemplate.

    Real server: image/src/main/java/org/zstack/image/ImageMessageFiller.java.
    """
    platform = p.get("platform") or "Linux"
    platform = {"Paravirtualization": "Other", "WindowsVirtio": "Windows"}.get(platform, platform)
    p["platform"] = platform
    if p.get("architecture") is None:
        p["architecture"] = "x86_64"
    if p.get("guestOsType") is None and platform in ("Linux", "Windows", "Other"):
        p["guestOsType"] = platform


def usable_backup_storages(
    wanted: list[str], backup_storages: dict[str, BackupStorage]
) -> list[str]:
    """ImageApiInterceptor.validate(APIAddImageMsg) L161-173: the Connected ones with capacity.

    Real server: image/src/main/java/org/zstack/image/ImageApiInterceptor.java; the status and
    state are the format's 2nd and 3rd %s (L169-170).
    """
    usable = [u for u in wanted if (bs := backup_storages.get(u)) and bs.is_usable()]
    if not usable:
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
    return list(dict.fromkeys(usable))


def new_image(p: dict[str, JSON], uuid: str, now: float, new_uuid: Callable[[], str]) -> Image:
    """The ImageVO that ImageManagerImpl.handleAddImageMsg creates, still Downloading."""
    return Image(
        uuid=uuid,
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
        system_tags=system_tags.created_by_add_image(
            tags.stored_tags(p.get("systemTags")), new_uuid, now
        ),
        user_tags=tuple(p.get("userTags") or ()),
    )


# a function of its arguments alone: the same url is hashed once (a sha256 and an md5 per
# AddImage otherwise, about 5 µs of its job)
@lru_cache(maxsize=4096)
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


def unsupported_by(image: Image, backup_storages: dict[str, BackupStorage]) -> BackupStorage | None:
    """The first backup storage of the image that cannot fetch its url's scheme."""
    for ref in image.refs:
        bs = backup_storages[ref.backup_storage_uuid]
        if not supports_url(bs, image.url):
            return bs
    return None


def download_failure(image: Image, bs: BackupStorage) -> CreateResourceError:
    """A backup storage that refuses the url fails the whole AddImage; the image goes.

    Real server: SftpBackupStorage.download L104-109 (operr, SYS.1006), then
    ImageManagerImpl.handleAddImageMsg L1344-1357: any failed backup storage fails the
    event with SYS.1002 caused by the first error, and the image row is removed.
    """
    scheme = image.url.split(":", 1)[0]
    cause = OperationError(
        localized("SftpBackupStorage doesn't support scheme[%s] in url[%s]", scheme, image.url)
    )
    wanted = java_list([r.backup_storage_uuid for r in image.refs])
    return CreateResourceError(
        localized("Failed to download image[name:%s] on all backup storage%s.", image.name, wanted),
        cause=cause,
    )


def record_download(image: Image, backup_storages: dict[str, BackupStorage], now: float) -> None:
    """A finished download: refs Ready, capacity taken, size and md5 known, password hidden.

    Real server: ImageManagerImpl.handleAddImageMsg L1279-1300 (image/.../ImageManagerImpl.java).
    """
    size, actual, md5 = simulated_download(image.url, image.format)
    for ref in image.refs:
        bs = backup_storages[ref.backup_storage_uuid]
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
