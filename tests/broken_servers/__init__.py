"""Deliberately broken servers: the mock with exactly one contract deviation each.

Each one declares the named checks of the contract suite that must catch it; the proof
(test_contract_catches_deviations.py) runs the suite against each and passes only if a declared
check is among the failures and every failure is a named check.
"""

from __future__ import annotations

from tests.broken_servers import (
    add_image,
    backup_storage,
    deletes,
    image_actions,
    inventory,
    protocol,
)
from tests.broken_servers.base import PROOF_CONFIGS, Broken, BrokenServer, ProofConfig

BROKEN: list[Broken] = [
    *protocol.BROKEN,
    *deletes.BROKEN,
    *inventory.BROKEN,
    *add_image.BROKEN,
    *image_actions.BROKEN,
    *backup_storage.BROKEN,
]
BY_NAME = {b.name: b for b in BROKEN}
NONE = Broken("none", "none", lambda app: None)

__all__ = ["BROKEN", "BY_NAME", "NONE", "PROOF_CONFIGS", "Broken", "BrokenServer", "ProofConfig"]
