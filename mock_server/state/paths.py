"""Where each backup storage type keeps an image's bits: the installPath of its ref.

Real server: SftpBackupStorage.handle(DownloadImageMsg) L190-199 joins the backup storage's url
with BackupStoragePathMaker.makeImageInstallPath (storage/.../backup/BackupStoragePathMaker.java
L45-87); CephBackupStorageBase.makeImageInstallPath L685-687. Both write the path into the ref
before the download starts. docs/zstack-protocol.md lists the layouts.
"""

from __future__ import annotations

import re
from functools import lru_cache

# BackupStoragePathMaker.knownImageExtensions L21-29
KNOWN_IMAGE_EXTENSIONS = ("qcow2", "vmdk", "ova", "img", "vhd", "qcow", "raw")
# BackupStoragePathMaker L31-33: ISO images share the data volume templates' folder
MEDIA_TYPE_FOLDERS = {
    "RootVolumeTemplate": "rootVolumeTemplates",
    "ISO": "dataVolumeTemplates",
    "DataVolumeTemplate": "dataVolumeTemplates",
}
MEDIA_TYPE_SUFFIXES = {
    "RootVolumeTemplate": "template",
    "ISO": "iso",
    "DataVolumeTemplate": "volume",
}


_REPEATED_SLASHES = re.compile("//+")


def java_file_path(path: str) -> str:
    """java.io.File's normalised path on Unix: no repeated or trailing '/'."""
    text = _REPEATED_SLASHES.sub("/", path)
    return text[:-1] if len(text) > 1 and text.endswith("/") else text


def path_join(*parts: str) -> str:
    """PathUtil.join: `new File(new File(a), b)...getPath()`."""
    parent = java_file_path(parts[0])
    for child in parts[1:]:
        child = java_file_path(child)
        if not parent:
            parent = child
        elif child:
            parent = parent + child if child.startswith("/") else f"{parent}/{child}"
            parent = java_file_path(parent)
    return parent


def _name(path: str) -> str:
    """FilenameUtils.getName: the text after the last separator, '/' or backslash."""
    return path[max(path.rfind("/"), path.rfind("\\")) + 1 :]


# make_filename and the backup storage's folder are functions of their arguments alone, and an
# image's url and account repeat: each distinct one is worked out once (AddImage's installPath
# took about 10 µs of its job in ten regex substitutions)
@lru_cache(maxsize=4096)
def make_filename(url: str, media_type: str) -> str:
    """BackupStoragePathMaker.makeFilename L45-59: the url's base name and a suffix.

    The source tests the *base name* (not the extension) against the known image extensions, so
    any ordinary name gets the media type's suffix: `tinylinux.qcow2` becomes `tinylinux.template`.
    """
    name = _name(java_file_path(url))
    dot = name.rfind(".")
    base, suffix = (name, "") if dot < 0 else (name[:dot], name[dot + 1 :])
    if base not in KNOWN_IMAGE_EXTENSIONS:
        suffix = MEDIA_TYPE_SUFFIXES.get(media_type, suffix)
    return f"{base}.{suffix}"


def sftp_install_path(bs_url: str, image_uuid: str, url: str, media_type: str, account: str) -> str:
    """`<bs url>/<folder>/acct-<account uuid>/<image uuid>/<file name>`."""
    # path_join is a left fold whose result is already normalised, so joining onto the joined
    # folder is the same as one join of all five parts
    return path_join(
        _account_folder(bs_url, media_type, account), image_uuid, make_filename(url, media_type)
    )


@lru_cache(maxsize=4096)
def _account_folder(bs_url: str, media_type: str, account: str) -> str:
    return path_join(bs_url, MEDIA_TYPE_FOLDERS[media_type], f"acct-{account}")


def ceph_install_path(pool_name: str, image_uuid: str) -> str:
    return f"ceph://{pool_name}/{image_uuid}"
