"""Fault rules: injected latency, failed jobs, REST-layer errors and broken bodies."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from mock_server.state.rows import Row, Rows
from zstack_spec.json_types import JSON


class FaultAction(StrEnum):
    LATENCY = "latency"
    FAIL_JOB = "fail_job"
    REST_ERROR = "rest_error"
    BROKEN_BODY = "broken_body"


@dataclass(slots=True)
class FaultRule:
    id: str
    operation: str
    action: FaultAction
    # optional: apply only when the request's field (dotted path into the message) has this value
    field: str | None = None
    value: JSON = None
    latency: tuple[float, float] = (0.0, 0.0)
    code: str = "SYS.1000"
    details: str = "injected by the mock's fault rule"
    status: int = 500
    message: str = ""
    # how many more matches it applies to; None: always
    remaining: int | None = None
    hits: int = 0

    def matches(self, operation: str, message: dict[str, JSON]) -> bool:
        if self.operation != operation or self.remaining == 0:
            return False
        if self.field is None:
            return True
        current: JSON = message
        for part in self.field.split("."):
            current = current.get(part) if isinstance(current, dict) else None
        return bool(current == self.value)

    def use(self) -> None:
        self.hits += 1
        if self.remaining is not None:
            self.remaining -= 1

    def delay(self) -> float:
        low, high = self.latency
        return random.uniform(low, high) if high > low else low

    def to_json(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {
            "id": self.id,
            "operation": self.operation,
            "action": self.action.value,
            "times": self.remaining,
            "hits": self.hits,
        }
        if self.field is not None:
            out["match"] = {"field": self.field, "value": self.value}
        if self.action is FaultAction.LATENCY:
            out["latency"] = {"min": self.latency[0], "max": self.latency[1]}
        elif self.action is FaultAction.FAIL_JOB:
            out.update(code=self.code, details=self.details)
        elif self.action is FaultAction.REST_ERROR:
            out.update(status=self.status, message=self.message)
        return out


@dataclass(slots=True)
class FaultRules:
    rules: dict[str, FaultRule] = field(default_factory=dict)
    _next: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # called after every change (--state keeps the rules across restarts)
    on_change: Callable[[], None] | None = None

    def add(self, rule_fields: dict[str, JSON]) -> FaultRule:
        with self._lock:
            rule = FaultRule(id=f"f{self._next}", **rule_fields)
            self._next += 1
            self.rules[rule.id] = rule
            self._changed()
            return rule

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            removed = self.rules.pop(rule_id, None) is not None
            if removed:
                self._changed()
            return removed

    def state(self) -> dict[str, JSON]:
        """The rules as plain JSON, with the next id, so a restart goes on where it stopped."""
        rules = [
            {**asdict(r), "action": r.action.value, "latency": list(r.latency)}
            for r in self.rules.values()
        ]
        return {"next": self._next, "rules": rules}

    def restore(self, state: dict[str, JSON]) -> None:
        with self._lock:
            self._next = int(state["next"])
            self.rules = {}
            for data in state["rules"]:
                rule = FaultRule(
                    **{
                        **data,
                        "action": FaultAction(data["action"]),
                        "latency": tuple(data["latency"]),
                    }
                )
                self.rules[rule.id] = rule

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    # -- --state (state/rows.Persistent): one meta row, written on every change ---------------

    def dirty_rows(self, everything: bool = False) -> list[Row]:
        return [("meta", "faults", self.state())]

    def standing_rows(self) -> list[Row]:
        return []

    def load_rows(self, rows: Rows) -> None:
        saved = rows["meta"].get("faults")
        if saved is not None:
            self.restore(saved)

    def listed(self) -> list[FaultRule]:
        with self._lock:
            return list(self.rules.values())

    def may_sleep(self) -> bool:
        """Is a latency rule set that may still apply (a request may then sleep in the app)?"""
        return any(
            r.action is FaultAction.LATENCY and r.remaining != 0 for r in list(self.rules.values())
        )

    def take(self, operation: str, message: dict[str, JSON]) -> list[FaultRule]:
        """The rules that apply to this request, each counted as used."""
        with self._lock:
            hits = [r for r in self.rules.values() if r.matches(operation, message)]
            for rule in hits:
                rule.use()
            if hits:
                self._changed()
            return hits
