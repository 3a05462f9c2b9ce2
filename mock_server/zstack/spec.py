"""The OpenAPI document, loaded once, with the lookups the mock needs from it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from mock_server.package_data import spec_path

JSON = Any
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: str
    path: str
    raw: dict[str, JSON]


class Spec:
    """The spec document plus resolved schemas and compiled validators."""

    def __init__(self, doc: dict[str, JSON]) -> None:
        self.doc = doc
        self.operations: dict[str, Operation] = {}
        for path, item in doc["paths"].items():
            for method, op in item.items():
                if isinstance(op, dict) and "operationId" in op:
                    self.operations[op["operationId"]] = Operation(
                        op["operationId"], method.upper(), path, op
                    )
        resource = Resource.from_contents(doc, default_specification=DRAFT4)
        self._registry: Registry[JSON] = Registry().with_resource("urn:zstack-spec", resource)

    @classmethod
    def load(cls, path: Path | None = None) -> Spec:
        with open(path or spec_path(), encoding="utf-8") as f:
            return cls(yaml.safe_load(f))

    def resolve(self, node: JSON) -> JSON:
        """Follow a local `$ref` (and `$ref`s it lands on) to the node it names."""
        while isinstance(node, dict) and "$ref" in node:
            target: JSON = self.doc
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def documented_methods(self, path: str) -> tuple[str, ...]:
        """The methods the spec documents for a concrete path, for `Allow` headers."""
        for template, methods in self._path_methods:
            if template.match(path):
                return methods
        return ()

    @cached_property
    def _path_methods(self) -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
        out = []
        for path, item in self.doc["paths"].items():
            rx = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "$")
            out.append((rx, tuple(sorted(m.upper() for m in item if m in _METHODS))))
        return out

    def inline(self, node: JSON) -> JSON:
        """The node with every `$ref` replaced by its target (request schemas are not recursive)."""
        node = self.resolve(node)
        if isinstance(node, dict):
            return {k: self.inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.inline(v) for v in node]
        return node

    def schema(self, name: str) -> dict[str, JSON]:
        result: dict[str, JSON] = self.doc["components"]["schemas"][name]
        return result

    def validator(self, schema: JSON) -> OAS30Validator:
        """A compiled validator for a schema that may `$ref` into this document."""
        return OAS30Validator(
            _rebase(schema), registry=self._registry, format_checker=OAS30Validator.FORMAT_CHECKER
        )

    def body_schema(self, op: Operation) -> JSON | None:
        body = self.resolve(op.raw.get("requestBody"))
        if not body:
            return None
        return self.resolve(body["content"]["application/json"]["schema"])

    def parameters(self, op: Operation) -> list[dict[str, JSON]]:
        return [self.resolve(p) for p in op.raw.get("parameters", [])]

    def inventory_fields(self, name: str) -> list[str]:
        return list(self.schema(name)["properties"])

    @cached_property
    def java_classes(self) -> dict[str, str]:
        """Schema name to the Java class the real server names in `schema` maps."""
        return {
            name: s["x-zstack-class"]
            for name, s in self.doc["components"]["schemas"].items()
            if "x-zstack-class" in s
        }


def _rebase(node: JSON) -> JSON:
    """Point local `#/...` refs at the registered document so nested schemas resolve."""
    if isinstance(node, dict):
        return {
            k: (
                f"urn:zstack-spec{v}"
                if k == "$ref" and isinstance(v, str) and v.startswith("#")
                else _rebase(v)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node
