"""The spec as the mock runs it: the shared document (`zstack_spec`) plus the REST layer's view."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from openapi_schema_validator import OAS30Validator

from zstack_spec.document import Operation, SpecDocument, load_document
from zstack_spec.json_types import JSON

__all__ = ["Operation", "Spec"]

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


class Spec(SpecDocument):
    """The spec document plus what only the mock needs from it (`Allow` headers)."""

    @classmethod
    def load(cls, path: Path | None = None) -> Spec:
        return cls(load_document(path))

    def validator(self, schema: JSON, *, formats: bool = True) -> OAS30Validator:
        """A compiled validator; the mock checks formats too (its own answers, admin bodies)."""
        return super().validator(schema, formats=formats)

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
