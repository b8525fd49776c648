"""Render a model's diagram (its BPMN DI) as SVG, optionally highlighting where an instance is."""
from __future__ import annotations

from collections.abc import Set as AbstractSet
from xml.sax.saxutils import escape

from engine import NS, Engine, InstanceView, local_name, reparse

COLOURS = {"current": "#f59f00", "done": "#2f9e44", None: "#495057"}
_NAME_ZH = "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name='nameZh']"


def render_svg(bpmn: bytes, current: AbstractSet[str] = frozenset(), done: AbstractSet[str] = frozenset(),
               heat: dict[str, float] | None = None, labels: dict[str, str] | None = None, lang: str = "en") -> str:
    """SVG of the diagram, cropped to what it draws and scaling to its box; `current` elements outlined orange,
    `done` green, `heat` 0..1 tints, `labels` a figure written on a step (its hours, its share of cases); for
    Chinese readers (`lang` zh) each element by its Chinese name where the model gives one (nameZh)."""
    root = reparse(bpmn)
    elements = {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    shapes, edges, figures, right, bottom, left, top = [], [], [], 0.0, 0.0, float("inf"), float("inf")
    for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
        bounds = shape.find("dc:Bounds", NS)
        x, y, w, h = (float(bounds.get(k)) for k in ("x", "y", "width", "height"))
        right, bottom, left, top = max(right, x + w), max(bottom, y + h), min(left, x), min(top, y)
        element = elements.get(shape.get("bpmnElement"))
        if element is not None:
            shapes.append(_shape(element, x, y, w, h, current, done, heat or {}, lang))
            label = (labels or {}).get(shape.get("bpmnElement") or "")
            if label:
                figures.append(f'<text class="figure" x="{x + w / 2}" y="{y - 5}" text-anchor="middle" font-size="13" '
                               f'font-weight="bold" fill="#c2410c">{escape(label)}</text>')
    for edge in root.iterfind(".//bpmndi:BPMNEdge", NS):
        points = " ".join(f"{p.get('x')},{p.get('y')}" for p in edge.findall("di:waypoint", NS))
        flow = elements.get(edge.get("bpmnElement"))
        state = "done" if edge.get("bpmnElement") in done else None
        label = _edge_label(flow, edge)
        edges.append(f'<polyline points="{points}" fill="none" stroke="{COLOURS[state]}" stroke-width="1.5" '
                     f'marker-end="url(#arrow)"/>{label}')
    left, top = (0.0, 0.0) if left == float("inf") else (max(left - 20, 0.0), max(top - 30, 0.0))
    width, height = right + 40 - left, bottom + 40 - top
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{left:.0f} {top:.0f} {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" font-family="sans-serif" font-size="11">'
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#495057"/></marker></defs>'
            + "".join(shapes) + "".join(edges) + "".join(figures) + "</svg>")


def instance_svg(engine: Engine, instance: InstanceView, lang: str = "en") -> str:
    """The diagram of the version an instance runs, with where it is and where it has been."""
    bpmn, _ = engine.authoring.bpmn(f"{instance.process_key}@{instance.version}")
    path = engine.instance_path(instance.id)
    return render_svg(bpmn, path["current"], path["done"], lang=lang)


def _shape(element, x, y, w, h, current, done, heat, lang) -> str:
    kind = local_name(element)
    element_id = element.get("id")
    state = "current" if element_id in current else "done" if element_id in done else None
    stroke, width = COLOURS[state], 3 if state else 1.2
    chinese = element.find(_NAME_ZH, NS) if lang == "zh" else None
    name = escape((chinese.get("value") if chinese is not None else None) or element.get("name") or "")
    data = f'data-element="{escape(element_id)}"' + (f' data-state="{state}"' if state else "")
    if kind in ("participant", "lane"):
        return (f'<g {data}><rect x="{x}" y="{y}" width="{w}" height="{h}" fill="none" stroke="#adb5bd"/>'
                f'<text x="{x + 14}" y="{y + h / 2}" transform="rotate(-90 {x + 14} {y + h / 2})" '
                f'text-anchor="middle">{name}</text></g>')
    fill = _heat_fill(heat.get(element_id)) if element_id in heat else "#ffffff"
    if kind.endswith("Event"):
        cx, cy, r = x + w / 2, y + h / 2, w / 2
        ring = 3 if kind == "endEvent" else 1.5
        return (f'<g {data}><circle cx="{cx}" cy="{cy}" r="{r}" fill="{fill}" stroke="{stroke}" '
                f'stroke-width="{max(ring, width)}"/><text x="{cx}" y="{y + h + 14}" text-anchor="middle">{name}</text></g>')
    if kind.endswith("Gateway"):
        cx, cy = x + w / 2, y + h / 2
        return (f'<g {data}><polygon points="{cx},{y} {x + w},{cy} {cx},{y + h} {x},{cy}" fill="{fill}" '
                f'stroke="{stroke}" stroke-width="{width}"/><text x="{cx}" y="{y - 6}" text-anchor="middle">{name}</text></g>')
    return (f'<g {data}><rect x="{x}" y="{y}" width="{w}" height="{h}" rx="10" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{width}"/>{_marker(kind, x, y)}' + _wrapped(name, x + w / 2, y + h / 2, w - 10) + "</g>")


def _marker(kind: str, x: float, y: float) -> str:
    """The small icon in a task's corner: a person, a gear, a script."""
    if kind == "userTask":
        return (f'<circle cx="{x + 13}" cy="{y + 10}" r="3.5" fill="none" stroke="#495057"/>'
                f'<path d="M {x + 6} {y + 21} q 7 -10 14 0 z" fill="none" stroke="#495057"/>')
    if kind == "serviceTask":
        return f'<circle cx="{x + 13}" cy="{y + 13}" r="5" fill="none" stroke="#495057" stroke-dasharray="2 1.5" stroke-width="3"/>'
    if kind == "scriptTask":
        return (f'<path d="M {x + 8} {y + 6} h 10 l -3 15 h -10 z M {x + 9} {y + 11} h 6 M {x + 8} {y + 15} h 6" '
                f'fill="none" stroke="#495057"/>')
    return ""


def _wrapped(text: str, cx: float, cy: float, width: float) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width / 6.2 and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    top = cy - (len(lines) - 1) * 7
    return "".join(f'<text x="{cx}" y="{top + i * 14 + 4}" text-anchor="middle">{part}</text>'
                   for i, part in enumerate(lines))


def _edge_label(flow, edge) -> str:
    if flow is None or not flow.get("name"):
        return ""
    points = edge.findall("di:waypoint", NS)
    first, second = points[0], points[min(1, len(points) - 1)]
    x = (float(first.get("x")) + float(second.get("x"))) / 2
    y = (float(first.get("y")) + float(second.get("y"))) / 2 - 4
    return f'<text x="{x}" y="{y}" text-anchor="middle" fill="#868e96">{escape(flow.get("name"))}</text>'


def _heat_fill(value: float | None) -> str:
    value = max(0.0, min(1.0, value or 0.0))
    return f"rgb(255,{int(255 - 140 * value)},{int(255 - 200 * value)})"
