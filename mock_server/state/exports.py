"""ExportImageFromBackupStorage and DeleteExportedImageFromBackupStorage: the refs' export URLs.

Only Ceph serves them in the open-source tree (CephBackupStorageBase.handleApiMessage L1667-1668);
every other backup storage type has no case for them (BackupStorageBase.handleApiMessage
L463-490), so the cloud bus answers SYS.1008 (CloudBusImpl3.dealWithUnknownMessage L869-889).
What the Ceph agent does (the token, the md5 of the exported image) is simulated
deterministically (README, differences).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from urllib.parse import quote

from mock_server.state.model import BackupStorage, Image, ImageBackupStorageRef
from mock_server.zstack.errors import OperationError, UnknownMessageError
from mock_server.zstack.i18n import localized
from zstack_spec.json_types import JSON

EXPORT_MSG = "org.zstack.header.storage.backup.APIExportImageFromBackupStorageMsg"
DELETE_EXPORTED_MSG = "org.zstack.header.storage.backup.APIDeleteExportedImageFromBackupStorageMsg"
# Ceph.backupStorageAgent.port's default (plugin/ceph/.../CephGlobalProperty.java L13-16)
CEPH_AGENT_PORT = 7761
# Simulation choice: the mon that handles the export, unless the fixture names one
DEFAULT_MON_HOSTNAME = "127.0.0.1"
# Spring's path-segment encoding keeps unreserved chars, sub-delims, ':' and '@' (INFERENCE,
# URLBuilder.buildUrlComponent, utils/.../URLBuilder.java L47-49)
_PATH_SEGMENT_SAFE = "!$&'()*+,;=:@"


def uuid_from_bytes(text: str) -> str:
    """Platform.getUuidFromBytes (core/.../Platform.java L703-705): nameUUIDFromBytes, no dashes."""
    return uuid.UUID(bytes=hashlib.md5(text.encode()).digest(), version=3).hex


def add_name_to_export_url(url: str, name: str | None) -> str:
    """ImageHelper.addNameToExportUrl (header/.../image/ImageHelper.java L76-84)."""
    if not name:
        return url
    last = url[url.rindex("/") + 1 :]
    return url.replace(last, f"{quote(name, safe=_PATH_SEGMENT_SAFE)}-{last}")


def ceph_export_url(bs: BackupStorage, ref: ImageBackupStorageRef, image_name: str) -> str:
    """CephBackupStorageBase.exportImage L1768-1796: the agent URL, pool and image, the token."""
    host = str(bs.extra.get("monHostname") or DEFAULT_MON_HOSTNAME)
    # CephAgentUrl.backupStorageUrl (plugin/ceph/.../CephAgentUrl.java L21-31)
    base = f"http://{host}:{CEPH_AGENT_PORT}/ceph/export"
    pool, image = ref.install_path.split("/")[-2:]
    url = f"{base}/{pool}/{image}?token={uuid_from_bytes(ref.image_uuid)}"
    return add_name_to_export_url(url, image_name)


def simulated_export_md5(ref: ImageBackupStorageRef) -> str:
    """What the agent reports as the exported file's md5: derived from the install path."""
    return hashlib.md5(f"export:{ref.install_path}".encode()).hexdigest()


def _unknown_message(message_class: str, message: dict[str, JSON]) -> UnknownMessageError:
    """CloudBusImpl3.dealWithUnknownMessage L871: the class name and the message as JSON.

    Simulation choice: the JSON holds the message's fields (CloudBusGson.toLogSafeJson also
    writes its headers and ids, which the mock does not model).
    """
    dump = json.dumps({message_class: message}, separators=(",", ":"))
    return UnknownMessageError(
        localized("No service deals with message: %s", f"{message_class} {dump}")
    )


def export_image(
    bs: BackupStorage, image: Image, message: dict[str, JSON], now: float
) -> dict[str, JSON]:
    """ExportImageFromBackupStorage. Real server: CephBackupStorageBase.exportImage L1748-1805."""
    if bs.type != "Ceph":
        raise _unknown_message(EXPORT_MSG, message)
    ref = image.ref_on(bs.uuid)
    if ref is None:
        raise OperationError(
            localized(
                "image[uuid: %s] is not on backup storage[uuid:%s, name:%s]",
                image.uuid,
                bs.uuid,
                bs.name,
            )
        )
    if ref.export_url is not None:
        # already exported: the stored URL, no md5 (L1763-1766), nothing written
        return {"imageUrl": ref.export_url, "success": True}
    ref.export_url = ceph_export_url(bs, ref, image.name)
    ref.export_md5_sum = simulated_export_md5(ref)
    # INFERENCE: the row update moves lastOpDate (ON UPDATE CURRENT_TIMESTAMP, V0.6__schema L326)
    ref.last_op_date = now
    return {"imageUrl": ref.export_url, "exportMd5Sum": ref.export_md5_sum, "success": True}


def delete_exported_image(
    bs: BackupStorage, image: Image, message: dict[str, JSON], now: float
) -> dict[str, JSON]:
    """DeleteExportedImageFromBackupStorage. Real server: CephBackupStorageBase L1692-1722."""
    if bs.type != "Ceph":
        raise _unknown_message(DELETE_EXPORTED_MSG, message)
    ref = image.ref_on(bs.uuid)
    if ref is not None and ref.export_url is not None:
        ref.export_url, ref.last_op_date = None, now  # L1708-1711: exportMd5Sum is kept
    return {}
