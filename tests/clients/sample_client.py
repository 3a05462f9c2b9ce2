"""A small ZStack client for the gate's tests: a correct lifecycle, or one deliberate mistake.

Usage: python sample_client.py [--mistake NAME]; it reads ZSTACK_URL as real CI clients would.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.request
from typing import Any

BS = "c340364aad7b4130a12e641afe3a968f"


def call(
    method: str, url: str, body: object = None, session: str | None = None
) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if session:
        req.add_header("Authorization", f"OAuth {session}")
    try:
        with urllib.request.urlopen(req, timeout=30) as rsp:
            text = rsp.read().decode()
            return rsp.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        text = e.read().decode()
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, text


def wait(location: str) -> Any:
    for _ in range(100):
        status, body = call("GET", location)
        if status != 202:
            return body
        time.sleep(0.05)
    raise SystemExit("job never finished")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--mistake",
        choices=[
            "none",
            "unknown-field",
            "delete-body",
            "session-in-query",
            "list-as-string",
            "no-format",
        ],
        default="none",
    )
    mistake = parser.parse_args().mistake
    api = os.environ["ZSTACK_URL"] + "/zstack/v1"
    pw = hashlib.sha512(b"password").hexdigest()
    _, login = call(
        "PUT", f"{api}/accounts/login", {"logInByAccount": {"accountName": "admin", "password": pw}}
    )
    session = login["inventory"]["uuid"]
    _, valid = call("GET", f"{api}/accounts/sessions/{session}/valid")  # ValidateSession
    if valid != {"valid": True}:
        print(f"ValidateSession answered {valid}", file=sys.stderr)
        return 4
    params: dict[str, object] = {
        "name": "gate",
        "url": "http://example/x.qcow2",
        "format": "qcow2",
        "backupStorageUuids": [BS],
    }
    if mistake == "unknown-field":
        params["colour"] = "blue"
    if mistake == "list-as-string":
        params["backupStorageUuids"] = BS
    if mistake == "no-format":
        params["format"] = None  # SYS.1007, reported in the job's result
    status, accepted = call("POST", f"{api}/images", {"params": params}, session)
    if status != 202:
        print(f"AddImage answered {status}: {accepted}", file=sys.stderr)
        return 0  # a sloppy client that ignores errors: the gate must still catch it
    result = wait(accepted["location"])
    if "error" in result:
        print(f"AddImage failed: {result['error']}", file=sys.stderr)
        return 0  # it ignores the error too
    image = result["inventory"]
    query = f"?sessionId={session}" if mistake == "session-in-query" else ""
    call("GET", f"{api}/images/{image['uuid']}{query}", session=session)
    body = {"params": {"deleteMode": "Permissive"}} if mistake == "delete-body" else None
    _, accepted = call(
        "DELETE", f"{api}/images/{image['uuid']}?deleteMode=Permissive", body, session
    )
    wait(accepted["location"])
    _, accepted = call(
        "PUT", f"{api}/images/{image['uuid']}/actions", {"expungeImage": {}}, session
    )
    wait(accepted["location"])
    call("DELETE", f"{api}/accounts/sessions/{session}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
