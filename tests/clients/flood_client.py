"""A client for the gate's tests: one contract violation, then many correct requests.

Usage: python flood_client.py N; it reads ZSTACK_URL as real CI clients would.
"""

from __future__ import annotations

import os
import sys

import requests


def main() -> int:
    count = int(sys.argv[1])
    api = os.environ["ZSTACK_URL"] + "/zstack/v1"
    with requests.Session() as http:
        http.get(f"{api}/images/")  # a REST-layer 404: the one violation
        for _ in range(count):
            # LogOut of an unknown session: a correct call ZStack answers 200 {} without a check
            rsp = http.delete(f"{api}/accounts/sessions/{'0' * 32}")
            rsp.raise_for_status()
    return 0


if __name__ == "__main__":
    sys.exit(main())
