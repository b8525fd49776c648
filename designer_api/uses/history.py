"""A case's history as people read it: one line per event — when, who, what happened in a sentence, and the facts
it carried as "label: value" (never JSON), in the reader's language.

Step names come from the case's version (its Chinese name where the model gives one), field labels and choices
from the forms the steps name, control points' firings in the words of their alerts.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.control_points import alert_words
from engine import Engine, EngineError, EventView, InstanceView

from ..i18n import event_name
from .common import local_time

MAX_TEXT = 300
# Fields a step's service leaves in the case that people need not read (ids the pages already link).
_QUIET = {"type", "version_reason", "context", "changed"}


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

    def say(self, en: str, zh: str) -> str:
        return zh if self.zh() else en

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
        return [(self.label(name, fields.get(name)), self.value(value, fields.get(name)))
                for name, value in data.items() if name not in _QUIET and not name.endswith("_zh")]

    def label(self, name: str, spec: Any) -> str:
        if isinstance(spec, Mapping):
            return str((self.zh() and spec.get("x-title-zh")) or spec.get("title") or name)
        return name.replace("_", " ")

    def value(self, value: Any, spec: Any = None) -> str:
        labels = spec.get("x-enum-labels", {}) if isinstance(spec, Mapping) else {}
        if isinstance(value, str) and value in labels:
            return str(labels[value]["zh" if self.zh() else "en"])
        if isinstance(value, bool):
            return self.say("yes", "是") if value else self.say("no", "否")
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
        text = str(value)
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
        kind, step, who = event.type, f"“{self.step(event.element_id)}”", event.actor or self.say("someone", "有人")
        if kind == "instance_started":
            return (self.say(f"Case started on version {data.get('version', '?')}",
                             f"案件发起（版本 {data.get('version', '?')}）"), self.facts(data.get("data"), self.start_form))
        if kind == "task_created":
            to = data.get("assignee") or (self.say(f"group {data.get('candidate_group')}",
                                                   f"{data.get('candidate_group')} 组")
                                          if data.get("candidate_group") else self.say("an administrator", "管理员"))
            why = [(self.say("Why", "原因"), str(data["reason"]))] if data.get("reason") else []
            return self.say(f"{step} is waiting for {to}", f"{step} 等待 {to} 处理"), why
        if kind == "task_completed":
            form = (self.outline["steps"].get(event.element_id or "") or {}).get("form")
            return self.say(f"{who} completed {step}", f"{who} 完成了 {step}"), self.facts(data.get("data"), form)
        if kind == "task_claimed":
            return self.say(f"{who} took {step}", f"{who} 认领了 {step}"), []
        if kind == "task_unclaimed":
            return self.say(f"{who} gave {step} back", f"{who} 退回了 {step}"), []
        if kind == "task_delegated":
            to = data.get("to") or data.get("assignee") or "?"
            return self.say(f"{step} handed to {to}", f"{step} 改派给 {to}"), []
        if kind == "task_cancelled":
            return self.say(f"{step} was withdrawn", f"{step} 已撤回"), []
        if kind == "element_completed":
            service = data.get("service")
            if isinstance(service, Mapping):
                result = service.get("result")
                facts = self.facts(result) if isinstance(result, Mapping) else (
                    [(self.say("Result", "结果"), self.value(result))] if result is not None else [])
                return self.say(f"{step} done", f"{step} 已完成"), facts
            if data.get("type") in ("StartEvent", "EndEvent"):
                return self.say(f"Reached {step}", f"到达 {step}"), []
            return self.say(f"Passed {step}", f"经过 {step}"), []
        if kind == "gateway_decided":
            taken = ", ".join(f"“{self.step(t)}”" for t in data.get("taken") or [])
            return self.say(f"{step}: on to {taken}", f"{step}：转到 {taken}"), []
        if kind == "timer_fired":
            return self.say(f"Timer {step} fired", f"定时器 {step} 触发"), []
        if kind == "message_received":
            name = data.get("name", "?")
            return self.say(f"Message “{name}” received", f"收到消息「{name}」"), self.facts(data.get("data"))
        if kind == "incident":
            return (self.say(f"Stopped at {step}: {data.get('message', '')}", f"停在 {step}：{data.get('message', '')}"),
                    [(self.say("Reference", "参考号"), str(data["reference"]))] if data.get("reference") else [])
        if kind == "control_point_triggered":
            title = self.point_title(data)
            return f"{title}: {alert_words(str(data.get('control_point')), dict(data))[1 if self.zh() else 0]}", []
        if kind == "control_point_overridden":
            title, by = self.point_title(data), data.get("by") or who
            return (self.say(f"{by} let it pass despite “{title}”: {data.get('reason', '')}",
                             f"{by} 特批放行（{title}）：{data.get('reason', '')}"), [])
        if kind == "comment_added":
            return f"{who}: “{data.get('text', '')}”", []
        if kind == "credit_used_changed":
            before, after = self.value(data.get("from")), self.value(data.get("to"))
            return (self.say(f"{data.get('customer', '')}: credit used {before} → {after} ({data.get('reason', '')})",
                             f"{data.get('customer', '')}：已用额度 {before} → {after}（{data.get('reason', '')}）"), [])
        if kind in ("customer_rejected", "instance_terminated"):
            name = self.say("Customer rejected", "客户被拒") if kind == "customer_rejected" else self.say(
                "Case terminated", "案件终止")
            return f"{name}: {data.get('reason') or '—'}", []
        if kind == "forecast_reason_rejected":
            return (self.say(f"{data.get('by', who)} did not accept the reason “{data.get('reason', '')}”",
                             f"{data.get('by', who)} 未接受原因「{data.get('reason', '')}」"),
                    [(self.say("Comment", "备注"), self.value(data.get("comment")))] if data.get("comment") else [])
        if kind == "instance_completed":
            return self.say("Case completed", "案件完成"), []
        return event_name(kind, self.lang), self.facts(data)


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
