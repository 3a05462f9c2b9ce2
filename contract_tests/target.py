"""What the suite tests: a target URL and how to talk to it, from options or environment."""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from dataclasses import dataclass, field

import pytest

DEFAULT_IMAGE_URL = "http://192.168.1.20/share/images/tinylinux.qcow2"
NAME_PREFIX = "zstack-contract-"


@dataclass(frozen=True, slots=True)
class Option:
    flag: str
    env: str
    default: str | None
    help: str
    choices: tuple[str, ...] = ()
    metavar: str = "VALUE"

    @property
    def dest(self) -> str:
        return "zstack_" + self.flag.lstrip("-").replace("-", "_")


OPTIONS = (
    Option(
        "--target-url",
        "ZSTACK_TARGET_URL",
        None,
        "server root, e.g. http://zstack:8080; without it the suite boots the project's mock",
        metavar="URL",
    ),
    Option(
        "--context-path",
        "ZSTACK_CONTEXT_PATH",
        "/zstack",
        "context path in front of /v1 (ZStack's test deployments use /)",
        metavar="PATH",
    ),
    Option("--account", "ZSTACK_ACCOUNT", "admin", "account to log in with", metavar="NAME"),
    Option(
        "--password",
        "ZSTACK_PASSWORD",
        "password",
        "the account's plain password; it goes out as SHA-512 hex, as real clients send it",
        metavar="PASSWORD",
    ),
    Option(
        "--session-uuid",
        "ZSTACK_SESSION_UUID",
        None,
        "use this session instead of logging in (it is not logged out)",
        metavar="UUID",
    ),
    Option(
        "--backup-storage-uuid",
        "ZSTACK_BACKUP_STORAGE_UUID",
        None,
        "backup storage for AddImage; default: a Connected one with capacity",
        metavar="UUID",
    ),
    Option(
        "--image-url",
        "ZSTACK_IMAGE_URL",
        DEFAULT_IMAGE_URL,
        "the URL every AddImage of the suite downloads; the default suits the mock",
        metavar="URL",
    ),
    Option(
        "--contract-profile",
        "ZSTACK_CONTRACT_PROFILE",
        "quick",
        "quick (under a minute against the mock) or thorough",
        ("quick", "thorough"),
    ),
    Option(
        "--allow-backup-storage-changes",
        "ZSTACK_ALLOW_BACKUP_STORAGE_CHANGES",
        "no",
        "yes: also disable/enable and reconnect the suite's backup storage (its state is put "
        "back); always on against the project's own mock",
        ("yes", "no"),
    ),
    Option(
        "--job-timeout",
        "ZSTACK_JOB_TIMEOUT",
        "600",
        "seconds to wait for one job before the suite gives up on it",
        metavar="SECONDS",
    ),
)


def option_value(config: pytest.Config, option: Option) -> str | None:
    """The command-line value, else the environment variable, else the default."""
    value: str | None = config.getoption(option.dest)
    if value is None:
        value = os.environ.get(option.env) or option.default
    if option.choices and value not in option.choices:
        raise pytest.UsageError(f"{option.flag} must be one of {', '.join(option.choices)}")
    return value


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    context_path: str
    account: str
    # never in a repr: the hash is what ZStack accepts as the password, a session is a token
    password_sha512: str = field(repr=False)
    session_uuid: str | None = field(repr=False)
    backup_storage_uuid: str | None
    image_url: str
    profile: str
    job_timeout: float
    is_own_mock: bool
    # ChangeBackupStorageState and ReconnectBackupStorage change a real system: opt-in
    backup_storage_changes: bool = False
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))

    @property
    def name_prefix(self) -> str:
        """Every image the suite creates is named with this, so cleanup finds only its own."""
        return f"{NAME_PREFIX}{self.run_id}-"

    def api_url(self, path: str) -> str:
        """`/v1/...` under the target's context path."""
        return f"{self.url.rstrip('/')}{self.context_path.rstrip('/')}{path}"

    @classmethod
    def from_config(cls, config: pytest.Config, booted_url: str | None) -> Target:
        values = {o.dest: option_value(config, o) for o in OPTIONS}
        password = values["zstack_password"] or ""
        context = values["zstack_context_path"] or ""
        return cls(
            url=values["zstack_target_url"] or booted_url or "",
            context_path="" if context in ("", "/") else "/" + context.strip("/"),
            account=values["zstack_account"] or "admin",
            password_sha512=hashlib.sha512(password.encode()).hexdigest(),
            session_uuid=values["zstack_session_uuid"],
            backup_storage_uuid=values["zstack_backup_storage_uuid"],
            image_url=values["zstack_image_url"] or DEFAULT_IMAGE_URL,
            profile=values["zstack_contract_profile"] or "quick",
            job_timeout=float(values["zstack_job_timeout"] or 600),
            is_own_mock=booted_url is not None,
            backup_storage_changes=booted_url is not None
            or values["zstack_allow_backup_storage_changes"] == "yes",
        )


class OwnMock:
    """The project's mock served in a thread on a free loopback port (moto's ThreadedMotoServer)."""

    def __init__(self) -> None:
        # the only place the suite imports the mock
        from werkzeug.serving import WSGIRequestHandler, make_server

        from mock_server.app import create_app

        class Quiet(WSGIRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                """The suite reports exchanges itself; no access log."""

        self._server = make_server(
            "127.0.0.1", 0, create_app(), threaded=True, request_handler=Quiet
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> OwnMock:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
