"""Where the browser tests save a screenshot of each page (CRMFLOW_SCREENSHOTS, default var/screenshots)."""
from __future__ import annotations

import os
from pathlib import Path

SCREENSHOTS = Path(os.environ.get("CRMFLOW_SCREENSHOTS", Path(__file__).resolve().parents[2] / "var" / "screenshots"))
_TAKEN: list[Path] = []


def shot(page, name: str) -> None:
    """A full-page PNG of what the browser shows now."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    _TAKEN.append(path)


def taken() -> list[Path]:
    """The screenshots saved in this run."""
    return list(_TAKEN)
