"""Sentences for people, in the reader's language.

A `Text` is the English sentence — a `str`, so logs, tests, JSON and the history read it as before — that also
keeps the template it was made from and its parameters: `Text("task '{task}' is {state}, not ready", task=...,
state=...)`. The pages and the API render it in the reader's language by looking the template up in the gettext
catalog (`designer_api/translations`) and filling in the parameters, never by matching English text. The templates
are the catalog's message ids: `make catalog` extracts every `Text("…")` of the code into it.

A parameter that is itself a `Text` is rendered in the reader's language too (a status, a noun, a reason).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, cast


class Text(str):
    """An English sentence that can be said again in another language: its template and parameters."""

    template: str
    params: Mapping[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Text:
        text = super().__new__(cls, template.format(**params) if params else template)
        text.template, text.params = template, params
        return text

    def __reduce__(self) -> tuple[Any, ...]:  # a copy or a pickle keeps its template and parameters
        return _rebuild, (self.template, dict(self.params))

    def rendered(self, lookup: Callable[[str], str]) -> str:
        """The sentence with `lookup` giving each template (its own and its parameters') in the reader's words.

        A translation that does not fit its parameters (a catalog mistake) falls back to the English sentence.
        """
        if not self.params:
            return lookup(self.template)
        params = {key: value.rendered(lookup) if isinstance(value, Text) else value for key, value in self.params.items()}
        try:
            return lookup(self.template).format(**params)
        except (KeyError, IndexError, ValueError):
            return str.__str__(self)

    def stored(self) -> str:
        """The template and parameters as JSON, to keep a sentence in a column and say it again later."""
        return json.dumps({"text": self.template, "params": {k: _plain(v) for k, v in self.params.items()}},
                          ensure_ascii=False, default=str)

    @classmethod
    def restored(cls, stored: str | None) -> str | None:
        """A sentence kept by `stored` (a column written before sentences were kept this way reads as its text)."""
        if not stored or not stored.startswith('{"text"'):
            return stored
        try:
            kept = json.loads(stored)
            return cls(kept["text"], **{k: _unplain(v) for k, v in kept["params"].items()})
        except (ValueError, KeyError, TypeError, IndexError):
            return stored


class Named(Text):
    """A name the CRM pack gives in both languages (a region, an industry, a group): its Chinese is the pack's,
    unless the catalog says otherwise."""

    zh: str

    def __new__(cls, english: str, chinese: str) -> Named:
        name = cast(Named, super().__new__(cls, english))
        name.zh = chinese
        return name

    def __reduce__(self) -> tuple[Any, ...]:
        return Named, (self.template, self.zh)

    def rendered(self, lookup: Callable[[str], str]) -> str:
        found = lookup(self.template)
        return self.zh if found == self.template else found


def _rebuild(template: str, params: dict[str, Any]) -> Text:
    return Text(template, **params)


def _plain(value: Any) -> Any:
    if isinstance(value, Named):
        return {"name": value.template, "zh": value.zh}
    if isinstance(value, Text):
        return {"text": value.template, "params": {k: _plain(v) for k, v in value.params.items()}}
    return value


def _unplain(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"text", "params"}:
        return Text(value["text"], **{k: _unplain(v) for k, v in value["params"].items()})
    if isinstance(value, dict) and set(value) == {"name", "zh"}:
        return Named(value["name"], value["zh"])
    return value


def kept(text: str | None, limit: int = 512) -> str | None:
    """What a column of `limit` characters holds for a sentence: a `Text` as its template and parameters
    (`Text.restored` reads it), else (or when that is too long) the sentence itself."""
    stored = text.stored() if isinstance(text, Text) else text
    return stored if stored is None or len(stored) <= limit else str(text)[:limit]


def template(text: str) -> str:
    """Marks a template that a `Text` is made from later (`make catalog` finds it here too)."""
    return text


def listed(items: Any) -> str:
    """Names in a sentence: "a, b, c" (the same in both languages: they are names, not words)."""
    return ", ".join(str(item) for item in items)
