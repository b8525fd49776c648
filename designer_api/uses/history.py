"""A case's history as people read it: one line per event — when, who, what happened in a sentence, and the facts
it carried as "label: value" (never JSON), in the reader's language.

Step names come from the case's version (its Chinese name where the model gives one), field labels and choices
from the forms the steps name, control points' firings in the words of their alerts.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.control_points import alert_words
from domain.reports import field_column
from engine import Engine, EngineError, EventView, InstanceView, Text

from ..i18n import event_name, translate
from .common import local_time

MAX_TEXT = 300
# Fields a step's service leaves in the case that people need not read (ids the pages already link).
_QUIET = {"type", "version_reason", "context", "changed", "reason_kept"}
_CODE = re.compile(r"[a-z]+(_[a-z]+)*")  # a status or choice as the pack writes it ("held"): said in the catalog's words


class _Reader:
    """What the lines of one case's history are written from."""

    def __init__(self, engine: Engine, instance: InstanceView, lang: str):
        self.engine, self.lang = engine, lang
        try:
            self.outline = engine.authoring.outline(f"{instance.process_key}@{instance.version}")
        except EngineError:  # a version that cannot be read any more still has a history to show
            self.outline = {"steps": {}}
        self.start_form = next((step.get("form") for step in self.outline["steps"].values()
                                if step.get("type") == "startEvent" and step.get("form")), None)

    def zh(self) -> bool:
        return self.lang == "zh"

    def say(self, text: str) -> str:
        return translate(text, self.lang)

    def step(self, element_id: str | None) -> str:
        step = self.outline["steps"].get(element_id or "") or {}
        return (self.zh() and step.get("name_zh")) or step.get("name") or element_id or ""

    def fields(self, form_key: str | None) -> Mapping[str, Any]:
        schema = self.engine.form_schema(form_key) if form_key else None
        return (schema or {}).get("properties", {})

    def facts(self, data: Any, form_key: str | None = None) -> list[tuple[str, str]]:
        """`label: value` pairs of a mapping of data, labelled by the form's fields where it has them."""
        if not isinstance(data, Mapping):
            return []
        fields = self.fields(form_key)
        return [(self.label(name, fields.get(name)), self.value(value, fields.get(name) or _kind_of(name, value)))
                for name, value in data.items() if name not in _QUIET and not name.endswith("_zh")]

    def label(self, name: str, spec: Any) -> str:
        if isinstance(spec, Mapping):
            return str((self.zh() and spec.get("x-title-zh")) or spec.get("title") or name)
        column = field_column(name, None)
        return column.zh if self.zh() else column.en

    def value(self, value: Any, spec: Any = None) -> str:
        if spec == "percent" and isinstance(value, int | float) and not isinstance(value, bool):
            return f"{value:.0%}"
        if spec == "money" and isinstance(value, int | float) and not isinstance(value, bool):
            return f"{float(value):,.2f}"
        labels = spec.get("x-enum-labels", {}) if isinstance(spec, Mapping) else {}
        if isinstance(value, str) and value in labels:
            return str(labels[value]["zh" if self.zh() else "en"])
        if isinstance(value, bool):
            return self.say(Text("yes") if value else Text("no"))
        if isinstance(value, int | float) and isinstance(spec, Mapping) and spec.get("type") == "number":
            return f"{float(value):,.2f}"  # an amount as the form took it
        if isinstance(value, int):
            return f"{value:,}" if abs(value) >= 10_000 else str(value)
        if isinstance(value, float):
            return f"{value:,.2f}" if not value.is_integer() or abs(value) >= 10_000 else f"{value:.0f}"
        if value is None or value == "":
            return "—"
        if isinstance(value, Mapping):
            return "; ".join(f"{k.replace('_', ' ')}: {self.value(v)}" for k, v in value.items()
                             if not isinstance(v, Mapping | list))[:MAX_TEXT]
        if isinstance(value, list):
            return ", ".join(self.value(v) for v in value)[:MAX_TEXT]
        if isinstance(value, str) and _looks_like_moment(value):
            return local_time(datetime.fromisoformat(value))
        text = translate(value, self.lang) if isinstance(value, str) and _CODE.fullmatch(value) else str(value)
        return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"

    def point_title(self, data: Mapping[str, Any]) -> str:
        """The title of the control point an event names, in the reader's language."""
        point = self.engine.pack.control_points.get(str(data.get("control_point")))
        return (point.title_zh if self.zh() else point.title_en) if point else str(data.get("control_point"))

    def line(self, event: EventView) -> dict[str, Any]:
        data = event.data or {}
        what, facts = self.sentence(event, data)
        return {"at": event.at, "who": event.actor or "", "type": event.type, "what": what, "facts": facts,
                "step": self.step(event.element_id) if event.element_id else ""}

    def sentence(self, event: EventView, data: Mapping[str, Any]) -> tuple[str, list[tuple[str, str]]]:
        kind, step, who = event.type, self.step(event.element_id), event.actor or Text("someone")
        say = self.say
        if kind == "instance_started":
            return (say(Text("Case started on version {version}", version=data.get("version", "?"))),
                    self.facts(data.get("data"), self.start_form))
        if kind == "task_created":
            to = data.get("assignee") or (Text("group {group}", group=data["candidate_group"])
                                          if data.get("candidate_group") else Text("an administrator"))
            reason = Text.restored(data.get("reason_kept")) or data.get("reason")
            why = [(say(Text("Why")), say(reason) if isinstance(reason, Text) else str(reason))] if reason else []
            return say(Text("“{step}” is waiting for {who}", step=step, who=to)), why
        if kind == "task_completed":
            form = (self.outline["steps"].get(event.element_id or "") or {}).get("form")
            return say(Text("{who} completed “{step}”", who=who, step=step)), self.facts(data.get("data"), form)
        if kind == "task_claimed":
            return say(Text("{who} took “{step}”", who=who, step=step)), []
        if kind == "task_unclaimed":
            return say(Text("{who} gave “{step}” back", who=who, step=step)), []
        if kind == "task_delegated":
            to = data.get("to") or data.get("assignee") or "?"
            return say(Text("“{step}” handed to {who}", step=step, who=to)), []
        if kind == "task_cancelled":
            return say(Text("“{step}” was withdrawn", step=step)), []
        if kind == "element_completed":
            service = data.get("service")
            if isinstance(service, Mapping):
                result = service.get("result")
                facts = self.facts(result) if isinstance(result, Mapping) else (
                    [(say(Text("Result")), self.value(result))] if result is not None else [])
                return say(Text("“{step}” done", step=step)), facts
            if data.get("type") in ("StartEvent", "EndEvent"):
                return say(Text("Reached “{step}”", step=step)), []
            return say(Text("Passed “{step}”", step=step)), []
        if kind == "decision_evaluated":
            rules = data.get("rules") or []
            facts = [(str(name), self.value(value)) for name, value in (data.get("inputs") or {}).items()]
            outcome = "; ".join(f"{name} = {self.value(value)}" for name, value in (data.get("outputs") or {}).items())
            if data.get("defaulted"):
                return say(Text("“{table}”: no rule matched, so the defaults hold: {outcome}", table=data.get("table"),
                                outcome=outcome)), facts
            return say(Text("“{table}” decided by rule {rules}: {outcome}", table=data.get("table", "?"),
                            rules=", ".join(str(r) for r in rules), outcome=outcome)), facts
        if kind == "gateway_decided":
            taken = ", ".join(f"“{self.step(t)}”" for t in data.get("taken") or [])
            return say(Text("“{step}”: on to {taken}", step=step, taken=taken)), []
        if kind == "timer_fired":
            return say(Text("Timer “{step}” fired", step=step)), []
        if kind == "message_received":
            return say(Text("Message “{name}” received", name=data.get("name", "?"))), self.facts(data.get("data"))
        if kind == "incident":
            return (say(Text("Stopped at “{step}”: {problem}", step=step, problem=data.get("message", ""))),
                    [(say(Text("Reference")), str(data["reference"]))] if data.get("reference") else [])
        if kind == "control_point_triggered":
            title = self.point_title(data)
            return f"{title}: {alert_words(str(data.get('control_point')), dict(data))[1 if self.zh() else 0]}", []
        if kind == "control_point_overridden":
            return say(Text("{who} let it pass despite “{point}”: {reason}", who=data.get("by") or who,
                            point=self.point_title(data), reason=data.get("reason", ""))), []
        if kind == "comment_added":
            return f"{say(who)}: “{data.get('text', '')}”", []
        if kind == "credit_used_changed":
            return say(Text("{customer}: credit used {before} → {after} ({reason})", customer=data.get("customer", ""),
                            before=self.value(data.get("from")), after=self.value(data.get("to")),
                            reason=data.get("reason", ""))), []
        if kind in ("customer_rejected", "instance_terminated"):
            name = Text("Customer rejected") if kind == "customer_rejected" else Text("Case terminated")
            return f"{say(name)}: {data.get('reason') or '—'}", []
        if kind == "forecast_reason_rejected":
            return (say(Text("{who} did not accept the reason “{reason}”", who=data.get("by", who),
                             reason=data.get("reason", ""))),
                    [(say(Text("Comment")), self.value(data.get("comment")))] if data.get("comment") else [])
        if kind == "instance_completed":
            return say(Text("Case completed")), []
        return event_name(kind, self.lang), self.facts(data)


def _kind_of(name: str, value: Any) -> str | None:
    """How a field no form describes is shown: a service result's share as a percentage, its amount as money."""
    kind = field_column(name, value).kind
    return kind if kind in ("percent", "money") else None


def _looks_like_moment(text: str) -> bool:
    if len(text) < 19 or text[4:5] != "-" or text[10:11] != "T":
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def history_lines(engine: Engine, instance: InstanceView, events: list[EventView], lang: str) -> list[dict[str, Any]]:
    """The case's events as readable lines: {at, who, type, what, facts [(label, value)], step}."""
    reader = _Reader(engine, instance, lang)
    return [reader.line(event) for event in events]
