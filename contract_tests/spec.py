"""The contract: the project's OpenAPI document (`zstack_spec`), and validators for its schemas."""

from __future__ import annotations

from openapi_schema_validator import OAS30Validator

from zstack_spec.document import SpecDocument, load_document
from zstack_spec.i18n import LanguageSeen
from zstack_spec.json_types import JSON


class Contract(SpecDocument):
    def __init__(self, doc: dict[str, JSON]) -> None:
        super().__init__(doc)
        # the target's language as the details checked so far show it (one contract per run)
        self.language = LanguageSeen()

    @classmethod
    def load(cls) -> Contract:
        return cls(load_document())

    def schema_validator(self, schema_name: str) -> OAS30Validator:
        return self.validator({"$ref": f"#/components/schemas/{schema_name}"})

    def errors(self, schema_name: str, value: JSON) -> list[str]:
        """Every way the value breaks the schema, as `path: message`."""
        return [
            f"{'/'.join(str(p) for p in e.absolute_path) or '$'}: {e.message}"
            for e in self.schema_validator(schema_name).iter_errors(value)
        ]

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
