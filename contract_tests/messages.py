"""Messages whose text differs between ZStack releases: each known variant and where it comes from.

A check accepts any variant of such a message and reports which one the target speaks, so the
summary says which ZStack text the target follows.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    source: str
    # `%s` as in ZStack's format string, filled in order
    fmt: str

    def render(self, *args: str) -> str:
        return self.fmt % args


@dataclass(frozen=True, slots=True)
class Message:
    """One ZStack message and every text of it a release has sent."""

    key: str
    variants: tuple[Variant, ...]

    def match(self, text: str, *args: str) -> Variant | None:
        return next((v for v in self.variants if v.render(*args) == text), None)


# ApiMediatorImpl.intercept, portal/src/main/java/org/zstack/portal/apimediator/ApiMediatorImpl.java
# L276-278 (zstackio/zstack master 5a29293bd5): a resourceUuid that is not a ZStack uuid
RESOURCE_UUID = Message(
    "resourceUuid message",
    (
        Variant(
            "current",
            "ApiMediatorImpl.java L276-278",
            "resourceUuid[%s] is not a valid uuid. A valid uuid is a UUID(v4 recommended) with '-' "
            "stripped. see http://en.wikipedia.org/wiki/Universally_unique_identifier for format "
            "of UUID, the regular expression uses to validate a UUID is "
            "'[0-9a-f]{8}[0-9a-f]{4}[1-5][0-9a-f]{3}[89ab][0-9a-f]{3}[0-9a-f]{12}'",
        ),
        Variant(
            "before late 2023",
            "ZStack's translation table before late 2023 (issue 13)",
            "resourceUuid[%s] is not a valid uuid. A valid uuid is a UUID(v4 recommended) with '-' "
            "stripped. see http://en.wikipedia.org/wiki/Universally_unique_identifier for format "
            "of UUID, the regular expression ZStack uses to validate a UUID is "
            "'[0-9a-f]{8}[0-9a-f]{4}[1-5][0-9a-f]{3}[89ab][0-9a-f]{3}[0-9a-f]{12}'",
        ),
    ),
)

# ZQLMetadata.FieldChecker.verify, search/src/main/java/org/zstack/zql/ast/ZQLMetadata.java
# L176-180: a query condition on a field the inventory lacks. It is a CloudRuntimeException
# (QueryFacadeImpl.handle(APIQueryMessage) L378-379 wraps it once more), which CloudBusImpl3
# L791-797 answers as inerr(t.getMessage()): SYS.1000 whose details end with this text (the
# wrapping exceptions' class names stand before it).
ZQL_NO_FIELD = "inventory class[class %s] not having field[%s]"

# PortApiValidator L98-99: a uuid field naming no resource (SYS.1003); its catalogue entries are in
# the spec's x-zstack-messages (i18n.py renders it in the target's language)
INVALID_FIELD = "invalid field[%s], resource[uuid:%s, type:%s] not found"

# ApiMessageParamValidator L20, L32, L113: they name the validator's own class as the message
MANDATORY = "field[%s] of message[%s] is mandatory, can not be null"
MAX_LENGTH = (
    "field[%s] of message[%s] exceeds max length of string. expected was <= %s, actual was %s"
)
VALID_VALUES = "valid value for field[%s] of message[%s] are %s, but %s found"
# CloudBusImpl3.dealWithUnknownMessage L871: `<class> <the message as JSON>` follows
NO_SERVICE = "No service deals with message: %s"
