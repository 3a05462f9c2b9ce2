"""Where the spec and the default fixtures are: inside the installed package, or the checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _find(packaged: str, in_checkout: str) -> Path:
    # a wheel carries copies under mock_server/_data; an editable install reads the checkout
    for candidate in (_PACKAGE / "_data" / packaged, _CHECKOUT / in_checkout):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{in_checkout} is neither packaged nor in the checkout")


def spec_path() -> Path:
    return _find("spec/zstack-image.yaml", "spec/zstack-image.yaml")


def default_fixtures_path() -> Path:
    return _find("fixtures/seed/default.yaml", "fixtures/seed/default.yaml")


def samples_dir() -> Path:
    return _find("fixtures/samples", "fixtures/samples")
