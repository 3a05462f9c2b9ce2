"""The async protocol: 202 + location + apiTimeout, polling, unknown jobs (zstack-behaviour.md §6)."""

from __future__ import annotations

import secrets

from contract_tests import checks, messages
from contract_tests.i18n import Text
from contract_tests.session import ZStackSession


def test_add_image__accepted_then_polled_to_a_result(zstack: ZStackSession) -> None:
    run, _ = zstack.add_image()
    zstack.check(checks.job_accepted_conformance, run.accepted, 259200000)
    zstack.check(checks.job_poll_conformance, run)
    assert run.result.status == 200


def test_delete_image__accepted_with_30_minute_timeout(zstack: ZStackSession) -> None:
    image = zstack.ready_image()
    run = zstack.client.delete_image(image["uuid"])
    zstack.check(checks.job_accepted_conformance, run.accepted, 1800000)
    zstack.check(checks.empty_result_conformance, run.result)


def test_expunge_image__accepted_with_30_minute_timeout(zstack: ZStackSession) -> None:
    image = zstack.deleted_image()
    gone = zstack.client.find_image(image["uuid"]) is None  # Direct removed it already
    run = zstack.client.expunge_image(image["uuid"])
    zstack.check(checks.job_accepted_conformance, run.accepted, 1800000)
    if gone:  # PortApiValidator.java L99 (SYS.1003: RESOURCE_NOT_FOUND)
        zstack.check(
            checks.error_code_conformance,
            run.result,
            zstack.contract,
            "SYS.1003",
            Text.of(messages.INVALID_FIELD, "imageUuid", image["uuid"], "ImageVO"),
        )
    else:
        zstack.check(checks.empty_result_conformance, run.result)


def test_poll__unknown_job_is_404_plain_text(zstack: ZStackSession) -> None:
    ex = zstack.client.request("GET", f"/v1/api-jobs/{secrets.token_hex(16)}", auth=False)
    zstack.check(checks.unknown_job_conformance, ex)


def test_poll__needs_no_authorization(zstack: ZStackSession) -> None:
    run, _ = zstack.add_image()
    zstack.check(checks.job_accepted_conformance, run.accepted, 259200000)
    location = run.accepted.json()["location"]
    ex = zstack.client.request("GET", zstack.client.poll_url(location), auth=False, absolute=True)
    assert ex.status in (200, 202), ex.describe()


def test_poll__only_get_is_allowed(zstack: ZStackSession) -> None:
    run, _ = zstack.add_image()
    zstack.check(checks.job_accepted_conformance, run.accepted, 259200000)
    url = zstack.client.poll_url(run.accepted.json()["location"])
    ex = zstack.client.request("PUT", url, auth=False, absolute=True, body={})
    zstack.check(
        checks.plain_text_conformance, ex, 405, "only GET method is allowed for querying job status"
    )


def test_x_job_uuid__names_the_job(zstack: ZStackSession) -> None:
    job = secrets.token_hex(16)
    ex = zstack.client.request(
        "POST", "/v1/images", body={"params": zstack.image_params()}, headers={"X-Job-UUID": job}
    )
    zstack.check(checks.job_accepted_conformance, ex, 259200000)
    assert ex.json()["location"].endswith(f"/v1/api-jobs/{job}"), ex.describe()
    zstack.track(zstack.client.follow(ex))
