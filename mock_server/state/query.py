"""ZStack's query conditions (`q=field<op>value`) applied to inventories."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mock_server.zstack.errors import InternalError
from zstack_spec.json_types import JSON

# RestServer.QUERY_OP_MAPPING: an operator contained in another comes after it.
OPERATORS = ("!=", ">=", "<=", "!?=", "!~=", "~=", "?=", "=", ">", "<", "is null", "not null")


@dataclass(frozen=True, slots=True)
class Condition:
    name: str
    op: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Query:
    conditions: tuple[Condition, ...] = ()
    limit: int = 1000
    start: int = 0
    count: bool = False
    reply_with_count: bool = False
    sort_by: str | None = None
    sort_desc: bool = False
    fields: tuple[str, ...] = ()

    def uuid_equals(self) -> str | None:
        """The uuid a `uuid=` condition pins, for a direct lookup instead of a scan."""
        for c in self.conditions:
            if c.name == "uuid" and c.op == "=":
                return c.value
        return None


def _values(inv: JSON, path: list[str]) -> list[JSON]:
    """Values at a dotted path; a list on the way fans out (backupStorageRefs.status)."""
    current = [inv]
    for key in path:
        nxt: list[JSON] = []
        for item in current:
            if isinstance(item, list):
                nxt.extend(x.get(key) for x in item if isinstance(x, dict))
            elif isinstance(item, dict):
                nxt.append(item.get(key))
        current = nxt
    flat: list[JSON] = []
    for v in current:
        flat.extend(v if isinstance(v, list) else [v])
    return flat


def _compare(actual: JSON, op: str, expected: str | None) -> bool:
    if op == "is null":
        return actual is None
    if op == "not null":
        return actual is not None
    assert expected is not None
    if actual is None:
        return op in ("!=", "!?=", "!~=")
    text = str(actual).lower() if isinstance(actual, bool) else str(actual)
    if op in ("?=", "!?="):
        return (text in expected.split(",")) == (op == "?=")
    if op in ("~=", "!~="):
        rx = "^" + re.escape(expected).replace("%", ".*").replace("_", ".") + "$"
        return bool(re.match(rx, text, re.S)) == (op == "~=")
    if op in ("=", "!="):
        return (text == expected) == (op == "=")
    left: Any = actual
    right: Any = expected
    if isinstance(actual, int | float) and not isinstance(actual, bool):
        try:
            right = float(expected)
        except ValueError:
            return False
    else:
        left = text
    return bool(
        {">": left > right, "<": left < right, ">=": left >= right, "<=": left <= right}[op]
    )


def matches(inv: JSON, cond: Condition) -> bool:
    if cond.name in TAG_FIELDS and cond.op == "is null":
        # SQLConditionBuilder.createTagSQL L147-181: `uuid IN (SELECT resourceUuid FROM
        # SystemTagVO WHERE tag IS NULL)`, and a tag is never null
        return False
    values = _values(inv, cond.name.split("."))
    if cond.op in ("!=", "!?=", "!~=", "is null"):
        return all(_compare(v, cond.op, cond.value) for v in values) if values else True
    return any(_compare(v, cond.op, cond.value) for v in values)


# ZQLMetadata.SYS_TAG_NAME, USER_TAG_NAME, TAG_PATTERN_UUID: every inventory "has" these fields.
TAG_FIELDS = ("__systemTag__", "__userTag__", "__tagUuid__")


@dataclass(frozen=True, slots=True)
class InventoryFields:
    """What ZQL knows of an inventory class: its fields and its expanded queries (and aliases)."""

    java_class: str
    fields: frozenset[str]
    expanded: frozenset[str] = frozenset()

    def has_field(self, name: str) -> bool:
        return name in TAG_FIELDS or name in self.fields


def check_fields(query: Query, inventory: InventoryFields) -> None:
    """SYS.1000 for a condition on a field the inventory lacks, as ZQL builds its chain query.

    Real server: ZQLMetadata.FieldChainQuery.verify L172-183 and resolveAliasAndCompressCondition
    L294-331 throw CloudRuntimeException; QueryFacadeImpl.handle(APIQueryMessage) L378-380 wraps
    it in another (its message is the cause's toString), and @MessageSafe answers
    errf.throwableToInternalError (SYS.1000, no elaboration, so no `cost`).
    """
    for c in query.conditions:
        problem = _zql_field_problem(c.name.split("."), inventory)
        if problem is not None:
            raise InternalError(
                f"org.zstack.header.exception.CloudRuntimeException: {problem}", elaborated=False
            )


def _zql_field_problem(names: list[str], inventory: InventoryFields) -> str | None:
    cls = f"class {inventory.java_class}"
    if len(names) == 1:
        if inventory.has_field(names[0]):
            return None
        return f"inventory class[{cls}] not having field[{names[0]}]"
    if names[0] in inventory.expanded:
        return None  # Not modelled: the fields of an expanded inventory are not checked.
    # the iterator over the names before the field has given up names[0]; the rest is joined
    rest = ".".join(names[1:-1])
    return (
        f"invalid nested query condition[{rest}] on {cls},the expanded target[{cls}] have no "
        f"expanded query[{names[0]}]"
    )


def run(query: Query, inventories: Iterable[JSON]) -> tuple[list[JSON], int]:
    """Filter, sort and page; returns the page and the total before paging."""
    hits = [inv for inv in inventories if all(matches(inv, c) for c in query.conditions)]
    if query.sort_by:
        key = query.sort_by
        hits.sort(
            key=lambda i: (
                i.get(key) is None,
                str(i.get(key)) if not isinstance(i.get(key), int | float) else i.get(key),
            ),
            reverse=query.sort_desc,
        )
    total = len(hits)
    page = (
        hits[query.start : query.start + query.limit] if query.limit >= 0 else hits[query.start :]
    )
    if query.fields:
        page = [{k: v for k, v in inv.items() if k in query.fields} for inv in page]
    return [_without_tags(inv) for inv in page], total


def _without_tags(inv: JSON) -> JSON:
    """The inventory without ZQL's tag fields, in its order.

    A copy and three pops: a third of the time a comprehension over its twenty-odd keys takes.
    """
    out = dict(inv)
    for name in TAG_FIELDS:
        out.pop(name, None)
    return out


def with_tags(inv: dict[str, JSON], system_tags: list[str], user_tags: list[str]) -> JSON:
    """The inventory as ZQL's tag conditions see it; run() drops the tags again.

    `__systemTag__`/`__userTag__` name the resource's tags (SQLConditionBuilder L99-100,
    L147-181: IN, or NOT IN for !=, !~=, !?=). No resourceType filter, as in ZStack.
    """
    return {**inv, "__systemTag__": system_tags, "__userTag__": user_tags}
