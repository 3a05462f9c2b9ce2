"""The OpenAPI document, found in the package or the checkout, and the lookups on it."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from zstack_spec.i18n import Catalogue
from zstack_spec.json_types import JSON

_PACKAGE = Path(__file__).resolve().parent
_BASE = "urn:zstack-spec"


def spec_path() -> Path:
    """The spec file: a wheel carries it under zstack_spec/_data, a checkout has spec/."""
    for candidate in (
        _PACKAGE / "_data" / "zstack-image.yaml",
        _PACKAGE.parent / "spec" / "zstack-image.yaml",
    ):
        if candidate.exists():
            return candidate
    raise FileNotFoundError("spec/zstack-image.yaml is neither packaged nor in the checkout")


def load_document(path: Path | None = None) -> dict[str, JSON]:
    with open(path or spec_path(), encoding="utf-8") as f:
        doc: dict[str, JSON] = yaml.safe_load(f)
    return doc


@functools.cache
def packaged() -> SpecDocument:
    """The packaged spec, loaded once per process (for tables built from it, e.g. fixtures)."""
    return SpecDocument(load_document())


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: str
    path: str
    raw: dict[str, JSON]


class SpecDocument:
    """The spec document with its operations, `$ref` resolution and compiled validators."""

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
        self._registry: Registry[JSON] = Registry().with_resource(_BASE, resource)

    def resolve(self, node: JSON) -> JSON:
        """Follow a local `$ref` (and `$ref`s it lands on) to the node it names."""
        while isinstance(node, dict) and "$ref" in node:
            target: JSON = self.doc
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

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

    def field(self, schema_name: str, prop: str) -> dict[str, JSON]:
        """A property of a component schema, `$ref`s followed."""
        node: dict[str, JSON] = self.resolve(self.schema(schema_name)["properties"][prop])
        return node

    def enum(self, schema_name: str, prop: str | None = None) -> tuple[str, ...]:
        """The values of an enum: a component schema's own, or one of its properties'."""
        node = self.schema(schema_name) if prop is None else self.field(schema_name, prop)
        return tuple(node["enum"])

    def pattern(self, schema_name: str, prop: str | None = None) -> str:
        node = self.schema(schema_name) if prop is None else self.field(schema_name, prop)
        pattern: str = node["pattern"]
        return pattern

    def default(self, schema_name: str, prop: str) -> JSON:
        return self.field(schema_name, prop)["default"]

    def validator(self, schema: JSON, *, formats: bool = False) -> OAS30Validator:
        """A compiled validator for a schema that may `$ref` into this document."""
        checker = OAS30Validator.FORMAT_CHECKER if formats else None
        return OAS30Validator(_rebase(schema), registry=self._registry, format_checker=checker)

    def body_schema(self, op: Operation) -> JSON | None:
        body = self.resolve(op.raw.get("requestBody"))
        if not body:
            return None
        return self.resolve(body["content"]["application/json"]["schema"])

    def parameters(self, op: Operation) -> list[dict[str, JSON]]:
        return [self.resolve(p) for p in op.raw.get("parameters", [])]

    def parameter(self, operation_id: str, name: str) -> dict[str, JSON]:
        params = self.parameters(self.operations[operation_id])
        return next(p for p in params if p["name"] == name)

    def api_timeout(self, api: str) -> int:
        """The `apiTimeout` (ms) a 202 of this API carries.

        Its operation's `x-zstack-api-timeout`, or, on a path several APIs share, the action's own
        (`x-zstack-api-timeouts`).
        """
        for op in self.operations.values():
            raw = op.raw
            own: dict[str, int] = raw.get("x-zstack-api-timeouts", {})
            if api in own:
                return own[api]
            if op.operation_id == api or api in raw.get("x-zstack-actions", {}).values():
                timeout: int = raw["x-zstack-api-timeout"]
                return timeout
        raise KeyError(api)

    def actions(self, operation_id: str) -> dict[str, str]:
        """Body action key to API, for a path several APIs share (`x-zstack-actions`)."""
        actions: dict[str, str] = self.operations[operation_id].raw["x-zstack-actions"]
        return actions

    def event(self, api: str) -> str:
        """The schema of an async API's job result (`x-zstack-event`).

        Its operation's, or, on a path several APIs share, that of the body variant its action key
        requires.
        """
        for op in self.operations.values():
            raw = op.raw
            if op.operation_id == api and "x-zstack-event" in raw:
                event: str = raw["x-zstack-event"]
                return event
            for key in (k for k, a in raw.get("x-zstack-actions", {}).items() if a == api):
                for variant in self.doc["components"]["schemas"].values():
                    if key in variant.get("required", ()) and "x-zstack-event" in variant:
                        found: str = variant["x-zstack-event"]
                        return found
        raise KeyError(api)

    def inventory(self, operation_id: str) -> str:
        """The inventory schema a query API answers with (`x-zstack-inventory`)."""
        name: str = self.operations[operation_id].raw["x-zstack-inventory"]
        return name

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

    @cached_property
    def error_descriptions(self) -> dict[str, str]:
        """ZStack's fixed `description` of each error code (`x-zstack-descriptions`)."""
        table: dict[str, str] = self.schema("ErrorCode")["x-zstack-descriptions"]
        return table

    @cached_property
    def catalogue(self) -> Catalogue:
        return Catalogue.from_spec(self.doc)


def _rebase(node: JSON) -> JSON:
    """Point local `#/...` refs at the registered document so nested schemas resolve."""
    if isinstance(node, dict):
        return {
            k: (
                f"{_BASE}{v}"
                if k == "$ref" and isinstance(v, str) and v.startswith("#")
                else _rebase(v)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node
