"""GetCandidateBackupStorageForCreatingImage on its three paths (synchronous, issue 11).

The suite creates no volumes: the errors are checked everywhere, the candidates only where the
target lists a volume (QueryVolume, read only).
"""

from __future__ import annotations

import pytest

from contract_tests import backup_storage_checks as bs_checks
from contract_tests import checks, messages
from contract_tests.session import ZStackSession
from zstack_spec.i18n import Text

UNKNOWN = "7d0f1e2a3b4c4d5e8f6a7b8c9d0e1f2b"
NEITHER = "either volumeUuid or volumeSnapshotUuid must be set"
BAD_SESSION = {"Authorization": "OAuth " + "1" * 32}


def test_get_candidate__needs_a_volume_or_a_snapshot(zstack: ZStackSession) -> None:
    # an exact path of RestServer's api map: matched before QueryImage's /images/{uuid}
    ex = zstack.client.request("GET", "/v1/images/candidate-backup-storage")
    zstack.check(checks.error_code_conformance, ex, zstack.contract, "SYS.1007", Text.of(NEITHER))


@pytest.mark.parametrize(
    ("path", "params", "field", "vo"),
    [
        (
            "/v1/images/candidate-backup-storage",
            [("volumeUuid", UNKNOWN)],
            "volumeUuid",
            "VolumeVO",
        ),
        (
            "/v1/images/candidate-backup-storage",
            [("volumeSnapshotUuid", UNKNOWN)],
            "volumeSnapshotUuid",
            "VolumeSnapshotVO",
        ),
        (f"/v1/images/volumes/{UNKNOWN}/candidate-backup-storage", [], "volumeUuid", "VolumeVO"),
        (
            f"/v1/images/volume-snapshots/{UNKNOWN}/candidate-backup-storage",
            [],
            "volumeSnapshotUuid",
            "VolumeSnapshotVO",
        ),
    ],
)
def test_get_candidate__unknown_volume_is_sys_1003(
    zstack: ZStackSession, path: str, params: list[tuple[str, str]], field: str, vo: str
) -> None:
    ex = zstack.client.request("GET", path, params=params)
    zstack.check(
        checks.error_code_conformance,
        ex,
        zstack.contract,
        "SYS.1003",
        Text.of(messages.INVALID_FIELD, field, UNKNOWN, vo),
    )


def test_get_candidate__parameters_before_the_session(zstack: ZStackSession) -> None:
    # SYSTEM (ApiParamValidator) runs before FRONT (the session), DEFAULT (the interceptor) after
    path = "/v1/images/candidate-backup-storage"
    ex = zstack.client.request("GET", path, params=[("volumeUuid", UNKNOWN)], headers=BAD_SESSION)
    zstack.check(checks.error_code_conformance, ex, zstack.contract, "SYS.1003")
    ex = zstack.client.request("GET", path, headers=BAD_SESSION)
    zstack.check(checks.error_code_conformance, ex, zstack.contract, "ID.1001")


def test_get_candidate__of_a_volume(zstack: ZStackSession) -> None:
    ex = zstack.client.query("/v1/volumes", [("limit", "1")])
    volumes = ex.json_object().get("inventories") if ex.status == 200 else None
    if not volumes or not isinstance(volumes[0], dict):
        pytest.skip("the target lists no volume (QueryVolume)")
    path = f"/v1/images/volumes/{volumes[0]['uuid']}/candidate-backup-storage"
    ex = zstack.client.request("GET", path)
    zstack.check(bs_checks.candidate_reply_conformance, ex, zstack.contract)
