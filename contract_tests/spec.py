"""The contract: the project's OpenAPI document, and validators for its schemas."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from contract_tests.i18n import Catalogue, LanguageSeen

JSON = Any
_HERE = Path(__file__).resolve().parent
_BASE = "urn:zstack-contract"


def spec_path() -> Path:
    # a wheel carries a copy under contract_tests/_data; a checkout has spec/ beside the package
    for candidate in (
        _HERE / "_data" / "zstack-image.yaml",
        _HERE.parent / "spec" / "zstack-image.yaml",
    ):
        if candidate.exists():
            return candidate
    raise FileNotFoundError("spec/zstack-image.yaml is neither packaged nor in the checkout")


class Contract:
    def __init__(self, doc: dict[str, JSON]) -> None:
        self.doc = doc
        # the target's language as the details checked so far show it (one contract per run)
        self.language = LanguageSeen()
        self._registry: Registry[JSON] = Registry().with_resource(
            _BASE, Resource.from_contents(doc, default_specification=DRAFT4)
        )

    @classmethod
    def load(cls) -> Contract:
        with open(spec_path(), encoding="utf-8") as f:
            return cls(yaml.safe_load(f))

    def validator(self, schema_name: str) -> OAS30Validator:
        return OAS30Validator(
            {"$ref": f"{_BASE}#/components/schemas/{schema_name}"}, registry=self._registry
        )

    def errors(self, schema_name: str, value: JSON) -> list[str]:
        """Every way the value breaks the schema, as `path: message`."""
        return [
            f"{'/'.join(str(p) for p in e.absolute_path) or '$'}: {e.message}"
            for e in self.validator(schema_name).iter_errors(value)
        ]

    @cached_property
    def catalogue(self) -> Catalogue:
        return Catalogue.from_spec(self.doc)

    @cached_property
    def error_descriptions(self) -> dict[str, str]:
        table: dict[str, str] = self.doc["components"]["schemas"]["ErrorCode"][
            "x-zstack-descriptions"
        ]
        return table

    def api_timeout(self, api: str) -> int:
        """The apiTimeout of an API: its operation's, or the per-action one of a shared path."""
        for item in self.doc["paths"].values():
            for op in item.values():
                if not isinstance(op, dict):
                    continue
                if api in op.get("x-zstack-api-timeouts", {}):
                    action_timeout: int = op["x-zstack-api-timeouts"][api]
                    return action_timeout
                if op.get("operationId") == api or api in op.get("x-zstack-actions", {}).values():
                    timeout: int = op["x-zstack-api-timeout"]
                    return timeout
        raise KeyError(api)

    def for_context_path(self, context_path: str) -> dict[str, JSON]:
        """The document with `/zstack` replaced by the target's context path."""
        doc = dict(self.doc)
        # only ZStack's own paths: the mock's /_mock/ admin API is not part of the contract
        doc["paths"] = {
            context_path + path.removeprefix("/zstack"): item
            for path, item in self.doc["paths"].items()
            if path.startswith("/zstack/")
        }
        return doc
