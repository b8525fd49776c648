"""The Chinese catalog holds every text the pages write: a text added to a template or a notice without its
translation fails here, naming it."""
from __future__ import annotations

import copy
import re
from pathlib import Path

from babel.messages.pofile import read_po

from designer_api.catalog import placeholders, sentences, untranslated
from designer_api.i18n import CATALOG, EVENTS, chinese, event_name, translate
from engine import Named, Text

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


def test_every_sentence_the_code_says_has_its_chinese_with_the_same_figures():
    have = translated()
    missing = untranslated()
    assert not missing, f"{len(missing)} sentences have no Chinese in {CATALOG.name} (run make catalog): {missing}"
    unfit = sorted(text for text in sentences() if placeholders(have[text]) != placeholders(text))
    assert not unfit, f"translations that fill in other names than their English: {unfit}"


def test_a_sentence_is_said_from_its_template_and_figures_never_by_matching_its_english():
    refused = Text("“{step}” is already claimed by {user}", step="Approve", user="carol")
    assert refused == "“Approve” is already claimed by carol"  # the English, as a str
    assert translate(refused, "zh") == "“Approve”已被 carol 认领"
    nested = Text("the case is {status}; this needs it to be {allowed}", status=Text("suspended"), allowed="running")
    assert translate(nested, "zh") == "案件状态为已暂停；此操作要求状态为 running"
    region = Named("East", "华东")
    assert translate(Text("{region} · {status}", region=region, status=Text("active")), "zh") == "华东 · 有效"
    kept = Text.restored(Text("customer {customer} is in region {region}", customer="Acme", region=region).stored())
    assert translate(kept, "zh") == "客户 Acme 属于华东区域" and kept == "customer Acme is in region East"
    assert copy.deepcopy(refused).template == refused.template  # error details are copied; the sentence stays one
