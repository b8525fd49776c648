"""The sentences the code says (`Text("…")` and `template("…")` in engine/, domain/ and designer_api/), extracted
with Babel, and the catalog kept in step with them: `make catalog` adds each new sentence to the Chinese catalog
with an empty translation for a translator to fill in, and lists those still without Chinese."""
from __future__ import annotations

import string
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from .i18n import CATALOG

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("engine", "domain", "designer_api")
KEYWORDS = {"Text": None, "template": None}


def sentences() -> dict[str, str]:
    """Every template the code makes a sentence from, with where it is (the first place)."""
    found: dict[str, str] = {}
    for source in SOURCES:
        for filename, line, message, _comments, _context in extract_from_dir(
                ROOT / source, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()):
            if isinstance(message, str) and message:
                found.setdefault(message, f"{source}/{filename}:{line}")
    return found


def placeholders(text: str) -> set[str]:
    """The names a template fills in ("{task}" → task)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def read() -> Catalog:
    """The Chinese catalog as it is in the repository."""
    with CATALOG.open("rb") as source:
        return read_po(source)


def update() -> list[str]:
    """Adds every sentence of the code the catalog lacks (untranslated); the sentences still without Chinese."""
    catalog = read()
    for message in sentences():
        if catalog.get(message) is None:
            catalog.add(message, "")
    with CATALOG.open("wb") as out:
        write_po(out, catalog, width=120)
    return untranslated(catalog)


def untranslated(catalog: Catalog | None = None) -> list[str]:
    """The code's sentences that have no Chinese yet."""
    catalog = catalog or read()
    return sorted(m for m in sentences() if not getattr(catalog.get(m), "string", ""))
