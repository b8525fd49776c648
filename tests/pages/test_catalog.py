"""The Chinese catalog holds every text the pages write: a text added to a template or a notice without its
translation fails here, naming it."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from designer_api.i18n import CATALOG, EVENTS, chinese, event_name, translate

WEB = Path(__file__).resolve().parents[2] / "designer_api"
_IN_TEMPLATE = re.compile(r"""\bt\(\s*(['"])(.+?)\1\s*\)""")
_NOTICE = re.compile(r"""flash\(\s*f?(['"])(.+?)(?:\||\1)""")


def translated() -> dict[str, str]:
    with CATALOG.open("rb") as source:
        return {m.id: m.string for m in read_po(source) if m.id and not m.context}


def test_every_text_a_template_writes_has_its_chinese():
    have = translated()
    used = {text for page in (WEB / "templates").glob("*.html") for _, text in _IN_TEMPLATE.findall(page.read_text())}
    missing = sorted(text for text in used if not have.get(text))
    assert not missing, f"{len(missing)} texts have no Chinese in {CATALOG.name}: {missing}"


def test_every_notice_a_page_flashes_has_its_chinese():
    have = translated()
    used = {text for module in (WEB / "web").glob("*.py") for _, text in _NOTICE.findall(module.read_text())
            if "{" not in text}
    missing = sorted(text for text in used if not have.get(text))
    assert not missing, f"{len(missing)} notices have no Chinese in {CATALOG.name}: {missing}"


def test_every_history_event_has_its_chinese_name():
    assert all(event_name(kind, "zh") != name for kind, name in EVENTS.items())


def test_the_catalog_is_compiled_and_read_through_gettext():
    assert chinese().gettext("Tasks") == "任务" == translate("Tasks", "zh")
    assert translate("a text nobody translated", "zh") == "a text nobody translated"  # English, not a key
    assert CATALOG.with_suffix(".mo").exists()


def test_every_case_status_a_page_shows_has_its_chinese():
    for status in ("running", "waiting", "suspended", "error", "completed", "terminated"):
        assert translate(status, "zh") != status, status
