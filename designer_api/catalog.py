"""Catalog views: process keys with their versions and lineage; outlines with control points."""
from __future__ import annotations

from typing import Any

from engine import Engine
from engine.store.queries import VersionView


def catalog(versions: list[VersionView]) -> list[dict[str, Any]]:
    """One entry per process key: newest version first, the active one named."""
    entries: dict[str, dict[str, Any]] = {}
    for version in versions:
        entry = entries.setdefault(version.process_key, {
            "process_key": version.process_key, "name": version.name, "active_version": None, "versions": []})
        entry["versions"].append(version)
        if version.active and entry["active_version"] is None:
            entry["active_version"], entry["name"] = version.version, version.name
    return list(entries.values())


def annotated_outline(engine: Engine, ref: str) -> dict[str, Any]:
    """The outline of a model, with the control points its service tasks run and their thresholds."""
    outline = engine.authoring.outline(ref)
    pack = engine.pack
    by_service = getattr(pack, "control_point_services", {})
    points = []
    for element_id, step in outline["steps"].items():
        key = by_service.get(step["service"] or "")
        if key:
            point = pack.control_points[key].to_dict()
            threshold = outline["parameters"].get(point["parameter"]) if point["parameter"] else None
            points.append({"element_id": element_id, "threshold": threshold, **point})
    return {**outline, "control_points": points}
