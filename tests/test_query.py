"""QueryImage and QueryBackupStorage: conditions, paging, counting, `schema` (§6)."""

from __future__ import annotations

import pytest

from tests.conftest import CEPH_BS, CONNECTED_BS, DISCONNECTED_BS, ZStack


@pytest.fixture
def three_images(zs: ZStack) -> list[dict]:
    return [
        zs.ready_image(name=n, format=f) for n, f in (("a", "qcow2"), ("b", "raw"), ("c", "iso"))
    ]


def names(zs: ZStack, query: str) -> list[str]:
    rsp = zs.client.get(f"/zstack/v1/images{query}", headers=zs.auth)
    assert rsp.status_code == 200, rsp.data
    return [i["name"] for i in rsp.json["inventories"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["a", "b", "c"]),
        ("?q=name=b", ["b"]),
        ("?q=name!=b", ["a", "c"]),
        ("?q=name?=a,c", ["a", "c"]),
        ("?q=name!?=a,c", ["b"]),
        ("?q=format~=qc%", ["a"]),
        ("?q=format!~=qc%", ["b", "c"]),
        ("?q=name=a&q=format=raw", []),
        ("?q=description is null", ["a", "b", "c"]),
        ("?q=md5Sum not null", ["a", "b", "c"]),
        (f"?q=backupStorageRefs.backupStorageUuid={CONNECTED_BS}", ["a", "b", "c"]),
        ("?sort=-name", ["c", "b", "a"]),
        ("?sort=+name&limit=2", ["a", "b"]),
        ("?sort=name&start=1&limit=1", ["b"]),
    ],
)
def test_query_image__conditions_and_paging(zs: ZStack, three_images, query, expected) -> None:
    assert names(zs, query) == expected


def test_query_image__reply_with_count_and_count(zs: ZStack, three_images) -> None:
    rsp = zs.client.get("/zstack/v1/images?replyWithCount=true&limit=1", headers=zs.auth)
    assert rsp.json["total"] == 3 and len(rsp.json["inventories"]) == 1
    rsp = zs.client.get("/zstack/v1/images?count=true", headers=zs.auth)
    assert rsp.json == {"total": 3, "schema": {}}


def test_query_image__fields(zs: ZStack, three_images) -> None:
    rsp = zs.client.get("/zstack/v1/images?fields=uuid,name&q=name=a", headers=zs.auth)
    assert list(rsp.json["inventories"][0]) == ["uuid", "name"]


def test_query_image__schema_is_children_first_reversed(zs: ZStack, three_images) -> None:
    # JsonSchemaBuilder.build(): post-order per inventory, then the whole list reversed
    rsp = zs.client.get("/zstack/v1/images", headers=zs.auth)
    assert list(rsp.json["schema"]) == [
        "inventories[2]",
        "inventories[2].backupStorageRefs[0]",
        "inventories[1]",
        "inventories[1].backupStorageRefs[0]",
        "inventories[0]",
        "inventories[0].backupStorageRefs[0]",
    ]


def test_query_image__schema_lists_refs_last_first(zs: ZStack) -> None:
    zs.ready_image(backupStorageUuids=[CONNECTED_BS, CEPH_BS])
    rsp = zs.client.get("/zstack/v1/images", headers=zs.auth)
    assert list(rsp.json["schema"]) == [
        "inventories[0]",
        "inventories[0].backupStorageRefs[1]",
        "inventories[0].backupStorageRefs[0]",
    ]


def test_query_image_by_uuid__missing_is_empty_not_404(zs: ZStack) -> None:
    rsp = zs.client.get("/zstack/v1/images/" + "9" * 32, headers=zs.auth)
    assert rsp.status_code == 200
    assert rsp.json == {"inventories": [], "schema": {}}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?limit=x", "Invalid query parameter. 'limit' must be an integer"),
        ("?start=x", "Invalid query parameter. 'start' must be an integer"),
        (
            "?q=name",
            "Invalid query parameter. The 'name' in the parameter[q] doesn't contain any query operator. Valid query operators are [!=, >=, <=, !?=, !~=, ~=, ?=, =, >, <, is null, not null]",
        ),
        (
            "?q=name=",
            "Invalid query parameter. The 'name=' in parameter[q] is not a key-value pair split by =",
        ),
    ],
)
def test_query_image__bad_query_string_is_400(zs: ZStack, query, message) -> None:
    rsp = zs.client.get(f"/zstack/v1/images{query}", headers=zs.auth)
    assert rsp.status_code == 400
    assert rsp.get_data(as_text=True) == message


@pytest.mark.parametrize(
    ("path", "details"),
    [
        # ZQLMetadata.FieldChainQuery.verify, wrapped by QueryFacadeImpl.handle(APIQueryMessage)
        (
            "/zstack/v1/images?q=colour=red",
            "org.zstack.header.exception.CloudRuntimeException: inventory class[class org.zstack.header.image.ImageInventory] not having field[colour]",
        ),
        (
            "/zstack/v1/backup-storage?q=hostname=x",
            "org.zstack.header.exception.CloudRuntimeException: inventory class[class org.zstack.header.storage.backup.BackupStorageInventory] not having field[hostname]",
        ),
        # ZQLMetadata.resolveAliasAndCompressCondition: no such expanded query
        (
            "/zstack/v1/images?q=colour.x=red",
            "org.zstack.header.exception.CloudRuntimeException: invalid nested query condition[] on class org.zstack.header.image.ImageInventory,the expanded target[class org.zstack.header.image.ImageInventory] have no expanded query[colour]",
        ),
    ],
)
def test_query__unknown_field_is_zql_internal_error(zs: ZStack, path, details) -> None:
    rsp = zs.client.get(path, headers=zs.auth)
    assert rsp.status_code == 503
    # errf.throwableToInternalError: SYS.1000 without elaboration, so without `cost`
    assert rsp.json["error"] == {
        "code": "SYS.1000",
        "description": "An internal error happened in system",
        "details": details,
    }


@pytest.mark.parametrize(
    "condition", ["__systemTag__=x", "systemTags=x", "backupStorageRefs.status=Ready"]
)
def test_query_image__fields_zql_knows_are_accepted(zs: ZStack, condition) -> None:
    rsp = zs.client.get(f"/zstack/v1/images?q={condition}", headers=zs.auth)
    assert rsp.status_code == 200


def test_query_backup_storage__inventories_with_subclass_schema(zs: ZStack) -> None:
    rsp = zs.client.get("/zstack/v1/backup-storage?q=status=Connected", headers=zs.auth)
    inventories = rsp.json["inventories"]
    assert DISCONNECTED_BS not in {i["uuid"] for i in inventories}
    sftp = next(i for i in inventories if i["uuid"] == CONNECTED_BS)
    assert (sftp["type"], sftp["hostname"], sftp["sshPort"]) == (
        "SftpBackupStorage",
        "192.168.1.20",
        22,
    )
    index = [i["uuid"] for i in inventories].index(CONNECTED_BS)
    assert rsp.json["schema"][f"inventories[{index}]"] == (
        "org.zstack.storage.backup.sftp.SftpBackupStorageInventory"
    )


def test_query_backup_storage__by_uuid(zs: ZStack) -> None:
    rsp = zs.client.get(f"/zstack/v1/backup-storage/{CONNECTED_BS}", headers=zs.auth)
    assert [i["uuid"] for i in rsp.json["inventories"]] == [CONNECTED_BS]


def test_query_backup_storage__availability_filter(zs: ZStack) -> None:
    rsp = zs.client.get(
        "/zstack/v1/backup-storage?q=status=Connected&q=availableCapacity>0", headers=zs.auth
    )
    assert len(rsp.json["inventories"]) == 2
