"""ZStackSession: the suite's helper for one run: images it made, backup storage, checks."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import cached_property
from typing import ParamSpec, TypeVar

import pytest

from contract_tests import checks
from contract_tests.checks import CheckLog
from contract_tests.client import JobRun, ZStackClient
from contract_tests.spec import Contract
from zstack_spec.json_types import JSON

P = ParamSpec("P")
R = TypeVar("R")


class ZStackSession:
    def __init__(self, client: ZStackClient, contract: Contract, log: CheckLog) -> None:
        self.client = client
        self.contract = contract
        self.log = log
        self.target = client.target
        self.created: list[str] = []
        # resourceUuids of images not named with the run's prefix (the empty-name test): recorded
        # before the request goes out, so cleanup finds the image even if the test crashes
        self.reserved: list[str] = []
        # (backup storage, image) of every export this run asked for: deleted again in cleanup
        self.exports: list[tuple[str, str]] = []

    def check(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a named check and count it for the summary."""
        return self.log.run(fn, *args, **kwargs)

    # -- backup storage ------------------------------------------------------------------------

    @cached_property
    def backup_storages(self) -> list[JSON]:
        ex = self.client.query("/v1/backup-storage")
        return self.check(
            checks.query_reply_conformance, ex, self.contract, "BackupStorageInventory"
        )

    @cached_property
    def usable_backup_storages(self) -> set[str]:
        """ImageApiInterceptor's rule: status Connected and availableCapacity > 0 (L161-170)."""
        usable = {
            b["uuid"]
            for b in self.backup_storages
            if b.get("status") == "Connected" and (b.get("availableCapacity") or 0) > 0
        }
        self.log.facts["backup storages"] = (
            f"{len(usable)} usable for AddImage of {len(self.backup_storages)}"
        )
        return usable

    @cached_property
    def backup_storage_uuid(self) -> str:
        if self.target.backup_storage_uuid:
            return self.target.backup_storage_uuid
        if not self.usable_backup_storages:
            raise RuntimeError("the target has no Connected backup storage with capacity")
        return sorted(self.usable_backup_storages)[0]

    @cached_property
    def unusable_backup_storage_uuid(self) -> str | None:
        unusable = [
            b["uuid"] for b in self.backup_storages if b["uuid"] not in self.usable_backup_storages
        ]
        return sorted(unusable)[0] if unusable else None

    # -- images --------------------------------------------------------------------------------

    def image_name(self) -> str:
        return f"{self.target.name_prefix}{secrets.token_hex(3)}"

    def image_params(self, **params: JSON) -> dict[str, JSON]:
        base = {
            "name": self.image_name(),
            "url": self.target.image_url,
            "format": "qcow2",
            "backupStorageUuids": [self.backup_storage_uuid],
        }
        base.update(params)
        return {k: v for k, v in base.items() if v is not None}

    def add_image(self, **params: JSON) -> tuple[JobRun, dict[str, JSON]]:
        sent = self.image_params(**params)
        run = self.client.add_image(sent)
        self.track(run)
        return run, sent

    def track(self, run: JobRun) -> None:
        """Remember an image this run created, for cleanup."""
        inventory = run.result.json_object().get("inventory") if run.result.status == 200 else None
        if isinstance(inventory, dict) and isinstance(inventory.get("uuid"), str):
            self.created.append(inventory["uuid"])

    def ready_image(self, **params: JSON) -> JSON:
        """A new Ready image, checked on the way."""
        run, _ = self.add_image(**params)
        self.check(
            checks.job_accepted_conformance, run.accepted, self.contract.api_timeout("AddImage")
        )
        result = self.check(checks.job_success_conformance, run)
        inventory = result.get("inventory")
        self.check(checks.image_inventory_conformance, inventory, run.result, self.contract)
        return inventory

    def deleted_image(self) -> JSON:
        image = self.ready_image()
        self.check(checks.job_success_conformance, self.client.delete_image(image["uuid"]))
        return image

    def kept_deleted_image(self) -> JSON:
        """A new image, deleted, as it now shows; skips where deleted images go at once (Direct)."""
        image = self.deleted_image()
        found = self.client.find_image(image["uuid"])
        if found is None:
            pytest.skip("the target's deletion policy is Direct: deleted images are gone at once")
        return found

    def own_images(self) -> list[JSON]:
        ex = self.client.query("/v1/images", [("q", f"name~={self.target.name_prefix}%")])
        inventories = ex.json_object().get("inventories") if ex.status == 200 else None
        return [
            i
            for i in (inventories if isinstance(inventories, list) else [])
            if isinstance(i, dict) and str(i.get("name", "")).startswith(self.target.name_prefix)
        ]

    def export_image(self, bs_uuid: str, image_uuid: str, **params: JSON) -> JobRun:
        """ExportImageFromBackupStorage, recorded first so cleanup deletes the export."""
        self.exports.append((bs_uuid, image_uuid))
        return self.client.export_image(bs_uuid, image_uuid, **params)

    def clean_up(self) -> None:
        """Delete this run's exports, then delete and expunge every image it made, nothing else."""
        for bs_uuid, image_uuid in dict.fromkeys(self.exports):
            self.client.delete_exported_image(bs_uuid, image_uuid)
        own = (i["uuid"] for i in self.own_images())
        uuids = dict.fromkeys([*self.created, *self.reserved, *own])
        for uuid in uuids:
            image = self.client.find_image(uuid)
            named = image is not None and str(image.get("name", "")).startswith(
                self.target.name_prefix
            )
            if image is None or not (named or uuid in self.reserved):
                continue
            self.client.delete_image(uuid, [("deleteMode", "Enforcing")])
            if self.client.find_image(uuid) is not None:
                self.client.expunge_image(uuid)
