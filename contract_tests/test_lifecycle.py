"""The image lifecycle: add, query, delete, expunge, recover, rename, disable/enable and boot mode,
under whichever policy the target runs."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from contract_tests import action_checks, checks
from contract_tests.session import ZStackSession

UNKNOWN = "7d0f1e2a3b4c4d5e8f6a7b8c9d0e1f2c"


@pytest.fixture(scope="module")
def deletion_policy(zstack: ZStackSession) -> str:
    """The target's policy as it shows: Direct removes at once; Delay and Never keep Deleted images."""
    image = zstack.ready_image()
    run = zstack.client.delete_image(image["uuid"])
    zstack.check(checks.empty_result_conformance, run.result)
    after = zstack.client.find_image(image["uuid"])
    # a deleted image is either gone or Deleted
    zstack.check(checks.image_status_conformance, after, after and "Deleted", run.result)
    policy = "Direct" if after is None else "Delay or Never"
    zstack.log.facts["deletion policy seen"] = policy
    return policy


def test_lifecycle__add_query_delete_expunge_gone(
    zstack: ZStackSession, deletion_policy: str
) -> None:
    image = zstack.ready_image()
    ex = zstack.client.query(f"/v1/images/{image['uuid']}")
    [found] = zstack.check(checks.query_reply_conformance, ex, zstack.contract, "ImageInventory")
    zstack.check(checks.image_status_conformance, found, "Ready", ex)
    run = zstack.client.delete_image(image["uuid"])
    zstack.check(checks.empty_result_conformance, run.result)
    after = zstack.client.find_image(image["uuid"])
    # under Direct a deleted image is gone at once
    zstack.check(
        checks.image_status_conformance,
        after,
        None if deletion_policy == "Direct" else "Deleted",
        run.result,
    )
    if deletion_policy == "Direct":
        return
    run = zstack.client.expunge_image(image["uuid"])
    zstack.check(checks.empty_result_conformance, run.result)
    zstack.check(
        checks.image_status_conformance, zstack.client.find_image(image["uuid"]), None, run.result
    )


def test_delete_image__twice_is_not_an_error(zstack: ZStackSession) -> None:
    image = zstack.ready_image()
    for _ in range(2):
        zstack.check(
            checks.empty_result_conformance, zstack.client.delete_image(image["uuid"]).result
        )


def test_query_image__by_uuid_of_a_missing_image_is_empty(zstack: ZStackSession) -> None:
    ex = zstack.client.query(f"/v1/images/{UNKNOWN}")
    assert zstack.check(checks.query_reply_conformance, ex, zstack.contract, "ImageInventory") == []


class Lifecycle(RuleBasedStateMachine):
    """Random add/delete/expunge/recover/query, renames (the run's prefix kept), disable/enable and
    boot modes against a model; the test sets the session and the policy seen."""

    zstack: ClassVar[ZStackSession]
    direct: ClassVar[bool]
    images = Bundle("images")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, str] = {}  # uuid -> Ready | Deleted; gone ones are dropped
        # uuid -> the ImageInventory fields the actions set: name and state
        self.fields: dict[str, dict[str, str]] = {}

    @rule(target=images)
    def add(self) -> str:
        image = self.zstack.ready_image()
        self.model[image["uuid"]] = "Ready"
        self.fields[image["uuid"]] = {"name": image["name"], "state": "Enabled"}
        return str(image["uuid"])

    def _action(self, uuid: str, key: str, inner: dict[str, str]) -> dict[str, Any] | None:
        """An action on an image of the model, or SYS.1003 on one that is gone."""
        run = self.zstack.client.image_action(uuid, key, inner)
        if uuid not in self.model:
            self.zstack.check(
                checks.error_code_conformance, run.result, self.zstack.contract, "SYS.1003"
            )
            return None
        # none of these actions looks at the status: Deleted images change too
        return self.zstack.check(checks.job_success_conformance, run)

    @rule(uuid=images, suffix=st.text("abcdef-_ ", min_size=1, max_size=12))
    def rename(self, uuid: str, suffix: str) -> None:
        name = (
            f"{self.zstack.target.name_prefix}{suffix}".strip()
        )  # the prefix stays: cleanup finds the image
        if self._action(uuid, "updateImage", {"name": name}) is not None:
            self.fields[uuid]["name"] = name

    @rule(uuid=images, event=st.sampled_from(["enable", "disable"]))
    def change_state(self, uuid: str, event: str) -> None:
        if self._action(uuid, "changeImageState", {"stateEvent": event}) is not None:
            self.fields[uuid]["state"] = "Disabled" if event == "disable" else "Enabled"

    @rule(uuid=images, mode=st.sampled_from(["Legacy", "UEFI", "UEFI_WITH_CSM"]))
    def set_boot_mode(self, uuid: str, mode: str) -> None:
        if self._action(uuid, "setImageBootMode", {"bootMode": mode}) is None:
            return
        ex = self.zstack.client.system_tags_of(uuid)
        tags = self.zstack.check(
            checks.query_reply_conformance, ex, self.zstack.contract, "SystemTagInventory"
        )
        self.zstack.check(action_checks.boot_mode_tag_conformance, tags, uuid, mode, ex, None)

    @rule(uuid=images)
    def delete(self, uuid: str) -> None:
        self.zstack.check(
            checks.empty_result_conformance, self.zstack.client.delete_image(uuid).result
        )
        if uuid in self.model:
            if self.direct:
                del self.model[uuid]
                self.fields.pop(uuid, None)
            else:
                self.model[uuid] = "Deleted"

    @rule(uuid=consumes(images))
    def expunge(self, uuid: str) -> None:
        run = self.zstack.client.expunge_image(uuid)
        state = self.model.get(uuid)
        if state == "Deleted":
            self.zstack.check(checks.empty_result_conformance, run.result)
            del self.model[uuid]
            self.fields.pop(uuid, None)
        elif state == "Ready":
            self.zstack.check(
                checks.error_code_conformance, run.result, self.zstack.contract, "SYS.1006"
            )
        else:
            self.zstack.check(
                checks.error_code_conformance, run.result, self.zstack.contract, "SYS.1003"
            )

    @rule(uuid=images)
    def recover(self, uuid: str) -> None:
        run = self.zstack.client.recover_image(uuid)
        state = self.model.get(uuid)
        if state == "Deleted":
            inventory = self.zstack.check(checks.job_success_conformance, run)["inventory"]
            assert inventory["status"] == "Ready", run.result.describe()
            self.model[uuid] = "Ready"
        elif state == "Ready":
            self.zstack.check(
                checks.error_code_conformance, run.result, self.zstack.contract, "SYS.1006"
            )
        else:
            self.zstack.check(
                checks.error_code_conformance, run.result, self.zstack.contract, "SYS.1003"
            )

    @rule(name_only=st.booleans())
    def query(self, name_only: bool) -> None:
        params = [("q", f"name~={self.zstack.target.name_prefix}%")] if name_only else None
        ex = self.zstack.client.query("/v1/images", params)
        self.zstack.check(
            checks.query_reply_conformance, ex, self.zstack.contract, "ImageInventory"
        )

    @invariant()
    def target_matches_model(self) -> None:
        for uuid, state in self.model.items():
            found: Any = self.zstack.client.find_image(uuid)
            assert found is not None, f"image {uuid} should still be there ({state})"
            assert found["status"] == state, (
                f"image {uuid}: model {state}, target {found['status']}"
            )
            self.zstack.check(
                action_checks.image_fields_conformance, found, self.fields[uuid], None
            )


def test_lifecycle__random_sequences_match_the_model(
    zstack: ZStackSession, deletion_policy: str
) -> None:
    """A hypothesis state machine against a model of the target (Lifecycle)."""
    Lifecycle.zstack, Lifecycle.direct = zstack, deletion_policy == "Direct"
    run_state_machine_as_test(Lifecycle)
