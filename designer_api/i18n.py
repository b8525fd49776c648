"""English and Chinese (zh-CN) for the pages and messages: `translate("Tasks", "zh")` is the text in the reader's
language, from the gettext catalog `translations/zh/LC_MESSAGES/messages.po` (Babel).

Message ids are the English text itself, so a template reads naturally and a missing translation falls back to
English rather than to a key nobody understands. The catalog is compiled to `messages.mo` at set-up (`make
install`); a catalog newer than its compiled form is compiled again when first read.
"""
from __future__ import annotations

import functools
import io
import math
import os
import re
import tempfile
from gettext import NullTranslations
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from engine import Text

LANGUAGES = {"en": "English", "zh": "中文"}
CATALOG = Path(__file__).parent / "translations" / "zh" / "LC_MESSAGES" / "messages.po"

# History event types as people read them (the engine's and the CRM pack's): the English, translated in the catalog
# under the context "event"; others read as their words.
EVENTS = {
    "instance_started": "Case started", "instance_completed": "Case completed", "instance_suspended": "Case suspended",
    "instance_resumed": "Case resumed", "instance_terminated": "Case terminated", "instance_retried": "Step retried",
    "instance_migrated": "Case migrated", "incident": "Incident", "task_created": "Task created",
    "task_completed": "Task completed", "task_claimed": "Task claimed", "task_unclaimed": "Task given back",
    "task_delegated": "Task reassigned", "task_cancelled": "Task taken away", "timer_fired": "Timer fired",
    "message_received": "Message received", "element_completed": "Step passed", "gateway_decided": "Decision taken",
    "comment_added": "Comment", "access_denied": "Access refused", "control_point_triggered": "Control point fired",
    "control_point_overridden": "Control point overridden", "credit_used_changed": "Credit used changed",
    "customer_rejected": "Customer rejected", "decision_evaluated": "Decided by a table",
}


@functools.cache
def chinese() -> NullTranslations:
    """The Chinese catalog, compiled (and compiled again when the .po is newer than its .mo)."""
    compiled = CATALOG.with_suffix(".mo")
    if not compiled.exists() or compiled.stat().st_mtime < CATALOG.stat().st_mtime:
        with CATALOG.open("rb") as source:
            catalog = read_po(source)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        try:  # atomically, so workers starting together each read a whole file
            handle, temporary = tempfile.mkstemp(dir=compiled.parent, suffix=".mo")
            with os.fdopen(handle, "wb") as out:
                out.write(buffer.getvalue())
            os.replace(temporary, compiled)
        except OSError:  # a read-only installation: the catalog compiled in memory serves as well
            return Translations(io.BytesIO(buffer.getvalue()), domain="messages")
    with compiled.open("rb") as mo:
        return Translations(mo, domain="messages")


def event_name(event_type: str, language: str) -> str:
    """A history event type as people read it in `language` ("task_completed": "Task completed", "任务完成")."""
    name = EVENTS.get(event_type)
    if name is None:
        return event_type.replace("_", " ")
    return chinese().pgettext("event", name) if language == "zh" else name


def translate(text: str, language: str) -> str:
    """`text` in `language` (English when there is no translation): a `Text` from its template and parameters,
    a page's own words by their English."""
    if language != "zh":
        return str(text)
    if isinstance(text, Text):
        return text.rendered(chinese().gettext)
    return chinese().gettext(text)


def pick_language(requested: str | None, accept_language: str | None) -> str:
    """The session's choice, else the browser's preference, else English."""
    if requested in LANGUAGES:
        return requested
    return "zh" if (accept_language or "").lower().startswith("zh") else "en"


def parse_number(text: str) -> int | float:
    """A number typed into a page ("800,000" and "800 000" are 800000): whole numbers as int.

    :raises ValueError: for text that is no finite number (NaN, Infinity and 1e309 included)
    """
    cleaned = re.sub(r"(?<=\d)[,\s\u00a0\u202f](?=\d{3}\b)", "", text.strip())
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", cleaned):
        raise ValueError(f"'{text}' is not a number")
    number = float(cleaned)
    if not math.isfinite(number):
        raise ValueError(f"'{text}' is too large")
    return int(number) if number.is_integer() else number
