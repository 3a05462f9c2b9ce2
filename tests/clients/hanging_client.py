"""A client for the gate's tests that logs in, starts a child, writes both pids, and hangs.

Usage: python hanging_client.py PIDFILE; it reads ZSTACK_URL as real CI clients would.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time

import requests


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # die of Ctrl-C as most programs do, silently
    api = os.environ["ZSTACK_URL"] + "/zstack/v1"
    password = hashlib.sha512(b"password").hexdigest()
    requests.put(
        f"{api}/accounts/login",
        json={"logInByAccount": {"accountName": "admin", "password": password}},
        timeout=30,
    )
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGINT, signal.SIG_DFL); time.sleep(600)",
        ]
    )
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(f"{os.getpid()} {child.pid}\n")
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    time.sleep(600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
