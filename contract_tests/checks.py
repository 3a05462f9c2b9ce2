"""The contract's checks: small named functions that raise ContractViolation with the evidence.

Each check states one rule of the real server (docs/zstack-protocol.md) and shows the request
and response that broke it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from contract_tests.client import Exchange, JobRun
from contract_tests.image_checks import (
    delete_scope_conformance,
    image_defaults_conformance,
    image_echo_conformance,
    image_inventory_conformance,
    image_status_conformance,
    install_path_conformance,
    query_reply_conformance,
)
from contract_tests.messages import Message
from contract_tests.rejection import Rejection
from contract_tests.spec import Contract
from contract_tests.violations import ContractViolation, fail, json_body
from zstack_spec.i18n import Text
from zstack_spec.json_types import JSON

# every check, image_checks.py's too, and the violation they raise: the suite imports them here
__all__ = [
    "CheckLog",
    "ContractViolation",
    "delete_scope_conformance",
    "empty_result_conformance",
    "ERROR_CODE",
    "error_code_conformance",
    "error_envelope_conformance",
    "image_defaults_conformance",
    "image_echo_conformance",
    "image_inventory_conformance",
    "image_status_conformance",
    "in_target_language",
    "install_path_conformance",
    "job_accepted_conformance",
    "JOB_LOCATION",
    "job_poll_conformance",
    "job_success_conformance",
    "message_variant_conformance",
    "negative_data_rejection",
    "plain_text_conformance",
    "query_reply_conformance",
    "unknown_job_conformance",
]

P = ParamSpec("P")
R = TypeVar("R")

# the spec's JobAccepted.location and ErrorCode.code (pinned: tests/test_spec_in_charge.py)
JOB_LOCATION = re.compile(r"^https?://[^/]+(/.*)?/v1/api-jobs/[0-9a-zA-Z]{32}$")
ERROR_CODE = re.compile(r"^[A-Z]+\.[0-9]+$")


# -- async protocol --------------------------------------------------------------------------


def job_accepted_conformance(ex: Exchange, api_timeout: int) -> None:
    """An async API answers 202 {"location": absolute job URL, "apiTimeout": ms}.

    Real server: docs/zstack-protocol.md#async-jobs.
    """
    name = "job_accepted_conformance"
    if ex.status != 202:
        fail(name, "an async API answers 202 and runs its checks inside the job", ex)
    body = json_body(name, ex)
    location = body.get("location") if isinstance(body, dict) else None
    if not isinstance(location, str) or not JOB_LOCATION.match(location):
        fail(name, "location is an absolute URL <base>/v1/api-jobs/<32 chars>", ex, repr(location))
    if body.get("apiTimeout") != api_timeout or isinstance(body.get("apiTimeout"), bool):
        fail(name, f"apiTimeout is the integer {api_timeout}", ex, repr(body.get("apiTimeout")))


def job_poll_conformance(run: JobRun) -> None:
    """Polls answer 202 {} while running, then 200 with the result or 503 with the error."""
    name = "job_poll_conformance"
    if not run.polls:
        fail(name, "the job's location can be polled", run.accepted)
    for ex in run.polls[:-1]:
        if ex.status != 202 or ex.json_or_none() != {}:
            fail(name, "a running job polls as 202 with the body {}", ex)
    last = run.polls[-1]
    if last.status == 202:
        fail(name, "the job ends within the job timeout", last)
    if last.status not in (200, 503):
        fail(name, "a finished job polls as 200 (success) or 503 (failure)", last)
    json_body(name, last)


def job_success_conformance(run: JobRun) -> dict[str, JSON]:
    """The finished job's result, which must be a success."""
    job_poll_conformance(run)
    name = "job_success_conformance"
    if run.result.status != 200:
        fail(name, "this job succeeds on a real server", run.result)
    body = json_body(name, run.result)
    if not isinstance(body, dict):
        fail(name, "a job's result is a JSON object", run.result)
    result: dict[str, JSON] = body
    return result


def unknown_job_conformance(ex: Exchange) -> None:
    """An unknown job polls as 404 plain text `the job has been expired`."""
    plain_text_conformance(ex, 404, "the job has been expired")


# -- errors ----------------------------------------------------------------------------------


def _error_object(check: str, error: JSON, ex: Exchange, contract: Contract, where: str) -> None:
    if not isinstance(error, dict):
        fail(check, f"{where} is an ErrorCode object", ex, repr(error))
    code, description, details = error.get("code"), error.get("description"), error.get("details")
    if not isinstance(code, str) or not ERROR_CODE.match(code):
        fail(check, f"{where}.code matches {ERROR_CODE.pattern}", ex, repr(code))
    expected = contract.error_descriptions.get(code)
    if expected is not None and description != expected:
        fail(
            check,
            f"{where}.description is ZStack's text for {code}: {expected!r}",
            ex,
            repr(description),
        )
    if not isinstance(description, str) or not description:
        fail(check, f"{where}.description is a non-empty string", ex, repr(description))
    if "details" in error and (not isinstance(details, str) or not details):
        fail(check, f"{where}.details is a non-empty string", ex, repr(details))
    if "cause" in error:
        _error_object(check, error["cause"], ex, contract, f"{where}.cause")


def error_envelope_conformance(ex: Exchange, contract: Contract) -> dict[str, JSON]:
    """A failure is 503 {"error": ErrorCode}: code, ZStack's description, details; cause alike."""
    name = "error_envelope_conformance"
    if ex.status != 503:
        fail(name, "a failed job or sync call answers 503", ex)
    body = json_body(name, ex)
    if not isinstance(body, dict) or "error" not in body:
        fail(name, 'the body is {"error": {...}}', ex)
    _error_object(name, body["error"], ex, contract, "error")
    if not isinstance(body["error"].get("details"), str):
        fail(name, "error.details is a non-empty string", ex)
    error: dict[str, JSON] = body["error"]
    return error


def error_code_conformance(
    ex: Exchange,
    contract: Contract,
    code: str,
    details: Text | None = None,
    contains: str | None = None,
) -> dict[str, JSON]:
    """The failure carries the real server's code and message for this case.

    `details` is checked in the target's language (i18n.py): the source format rendered as
    ZStack renders it in each language the target's details so far are consistent with.
    """
    error = error_envelope_conformance(ex, contract)
    name = "error_code_conformance"
    if error["code"] != code:
        fail(name, f"the real server fails this with {code}", ex, error["code"])
    if details is not None and not in_target_language(contract, details, error["details"]):
        said = contract.language.expected(contract.catalogue, details)
        fail(name, f"details is the real server's message: {said}", ex, repr(error["details"]))
    if contains is not None and contains not in error["details"]:
        fail(name, f"details names {contains!r}", ex, repr(error["details"]))
    return error


def in_target_language(contract: Contract, expected: Text, details: object) -> bool:
    """Whether `details` is `expected` in a language the target may speak; narrows the language."""
    return isinstance(details, str) and contract.language.accept(
        contract.catalogue, expected, details
    )


def message_variant_conformance(
    ex: Exchange, contract: Contract, code: str, message: Message, *args: str
) -> str:
    """The failure carries one known variant of a message releases word differently; its name."""
    error = error_code_conformance(ex, contract, code)
    variant = message.match(error["details"], *args)
    if variant is None:
        known = "; ".join(f"{v.name} ({v.source}): {v.render(*args)!r}" for v in message.variants)
        fail(
            "message_variant_conformance",
            f"details is a known {message.key}: {known}",
            ex,
            repr(error["details"]),
        )
    return variant.name


def plain_text_conformance(ex: Exchange, status: int, text: str | None = None) -> None:
    """RestServer's own rejections are plain text with the real message, never JSON."""
    name = "plain_text_conformance"
    if ex.status != status:
        fail(name, f"the REST layer answers {status}", ex)
    body = ex.json_or_none()
    if isinstance(body, dict | list):
        fail(name, "the REST layer's error is plain text, not JSON", ex)
    if text is not None and ex.response_text != text:
        fail(name, f"the body is the real message {text!r}", ex, repr(ex.response_text))


# -- results and inventories -----------------------------------------------------------------


def empty_result_conformance(ex: Exchange) -> None:
    """Delete and Expunge succeed with {} ({"schema": {}} when X-JSON-Schema was sent)."""
    body = ex.json_or_none()
    if ex.status != 200 or body not in ({}, {"schema": {}}):
        fail("empty_result_conformance", "the job result is {}", ex)


# -- bookkeeping for the summary -------------------------------------------------------------


@dataclass(slots=True)
class CheckLog:
    """How often each check passed and failed, for the summary at the end of the run."""

    passed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    facts: dict[str, str] = field(default_factory=dict)

    def run(self, check: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = check(*args, **kwargs)
        except ContractViolation as e:
            self.failed[e.check] += 1
            raise
        self.passed[check.__name__] += 1
        return result


# -- the generated layer's oracle for invalid input (issue 13 §4) ----------------------------


def negative_data_rejection(rejection: Rejection, run: JobRun, contract: Contract) -> None:
    """A request the contract's model of ZStack's checks rejects gets the answer it predicts:
    the REST layer's plain-text 400/500, or a 202 whose job fails with the predicted error."""
    name = "negative_data_rejection"
    rule = f"ZStack rejects this ({rejection.rule})"
    if rejection.status != 503:
        ex = run.accepted
        if ex.status != rejection.status or isinstance(ex.json_or_none(), dict | list):
            fail(name, f"{rule}: {rejection.status} plain text, before any job", ex)
        if rejection.contains is not None and rejection.contains not in ex.response_text:
            fail(name, f"{rule}: the text names {rejection.contains!r}", ex)
        return
    if run.accepted.status != 202:
        fail(name, f"{rule} inside the job: the request is accepted with 202", run.accepted)
    body = run.result.json_or_none() if run.result.status == 503 else None
    error = body.get("error") if isinstance(body, dict) else None
    text = rejection.details.raw() if rejection.details else rejection.variant_of or ""
    wanted = f"{rejection.code} {text}"
    if not isinstance(error, dict) or error.get("code") != rejection.code:
        fail(name, f"{rule}: the job fails with {wanted!r}", run.result)
    details = str(error.get("details"))
    expected = rejection.details
    if expected is not None and not in_target_language(contract, expected, details):
        said = contract.language.expected(contract.catalogue, expected)
        fail(name, f"{rule}: details is {said}", run.result, repr(details))
    variant = rejection.variant_of
    if variant is not None and variant.match(details, *rejection.variant_args) is None:
        fail(name, f"{rule}: details is a known {variant.key}", run.result, repr(details))
