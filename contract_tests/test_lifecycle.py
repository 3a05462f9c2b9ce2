"""The image lifecycle: add, query, delete, expunge, recover, under whichever policy the target runs."""

from __future__ import annotations

from typing import Any

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

from contract_tests import checks
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


def test_lifecycle__random_sequences_match_the_model(
    zstack: ZStackSession, deletion_policy: str
) -> None:
    """A hypothesis state machine: random add/delete/expunge/recover/query against a model."""
    direct = deletion_policy == "Direct"

    class Lifecycle(RuleBasedStateMachine):
        images = Bundle("images")

        def __init__(self) -> None:
            super().__init__()
            self.model: dict[str, str] = {}  # uuid -> Ready | Deleted; gone ones are dropped

        @rule(target=images)
        def add(self) -> str:
            image = zstack.ready_image()
            self.model[image["uuid"]] = "Ready"
            return str(image["uuid"])

        @rule(uuid=images)
        def delete(self, uuid: str) -> None:
            zstack.check(checks.empty_result_conformance, zstack.client.delete_image(uuid).result)
            if uuid in self.model:
                if direct:
                    del self.model[uuid]
                else:
                    self.model[uuid] = "Deleted"

        @rule(uuid=consumes(images))
        def expunge(self, uuid: str) -> None:
            run = zstack.client.expunge_image(uuid)
            state = self.model.get(uuid)
            if state == "Deleted":
                zstack.check(checks.empty_result_conformance, run.result)
                del self.model[uuid]
            elif state == "Ready":
                zstack.check(checks.error_code_conformance, run.result, zstack.contract, "SYS.1006")
            else:
                zstack.check(checks.error_code_conformance, run.result, zstack.contract, "SYS.1003")

        @rule(uuid=images)
        def recover(self, uuid: str) -> None:
            run = zstack.client.recover_image(uuid)
            state = self.model.get(uuid)
            if state == "Deleted":
                inventory = zstack.check(checks.job_success_conformance, run)["inventory"]
                assert inventory["status"] == "Ready", run.result.describe()
                self.model[uuid] = "Ready"
            elif state == "Ready":
                zstack.check(checks.error_code_conformance, run.result, zstack.contract, "SYS.1006")
            else:
                zstack.check(checks.error_code_conformance, run.result, zstack.contract, "SYS.1003")

        @rule(name_only=st.booleans())
        def query(self, name_only: bool) -> None:
            params = [("q", f"name~={zstack.target.name_prefix}%")] if name_only else None
            ex = zstack.client.query("/v1/images", params)
            zstack.check(checks.query_reply_conformance, ex, zstack.contract, "ImageInventory")

        @invariant()
        def target_matches_model(self) -> None:
            for uuid, state in self.model.items():
                found: Any = zstack.client.find_image(uuid)
                assert found is not None, f"image {uuid} should still be there ({state})"
                assert found["status"] == state, (
                    f"image {uuid}: model {state}, target {found['status']}"
                )

    run_state_machine_as_test(Lifecycle)
