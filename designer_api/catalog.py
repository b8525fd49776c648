"""Catalog views: process keys with their versions and lineage; outlines with control points."""
from __future__ import annotations

from typing import Any

from engine import Engine, VersionView


def catalog(versions: list[VersionView]) -> list[dict[str, Any]]:
    """One entry per process key: newest version first, the active one named, and its lineage.

    `derived_from`: the other processes it was copied from (key@version); `derivatives`: the processes copied
    from it. Adaptations into a key's own next version show in each version's `copied_from`.
    """
    entries: dict[str, dict[str, Any]] = {}
    for version in versions:
        entry = entries.setdefault(version.process_key, {
            "process_key": version.process_key, "name": version.name, "active_version": None, "versions": [],
            "derived_from": [], "derivatives": []})
        entry["versions"].append(version)
        if version.active and entry["active_version"] is None:
            entry["active_version"], entry["name"] = version.version, version.name
    for entry in entries.values():
        for version in entry["versions"]:
            source_key = (version.copied_from or "").partition("@")[0]
            if source_key and source_key != entry["process_key"] and version.copied_from not in entry["derived_from"]:
                entry["derived_from"].append(version.copied_from)
                if source_key in entries and entry["process_key"] not in entries[source_key]["derivatives"]:
                    entries[source_key]["derivatives"].append(entry["process_key"])
    return list(entries.values())


def annotated_outline(engine: Engine, ref: str) -> dict[str, Any]:
    """The outline of a model, with the control points its service tasks run and their thresholds."""
    outline = engine.authoring.outline(ref)
    points = []
    for element_id, step in outline["steps"].items():
        point = engine.pack.control_point_run_by(step["service"])
        if point is not None:
            threshold = outline["parameters"].get(point.parameter) if point.parameter else None
            points.append({"element_id": element_id, "threshold": threshold, **point.to_dict()})
    return {**outline, "control_points": points}
