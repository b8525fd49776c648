"""Expressions other engines write (JUEL, FEEL) as sandbox expressions, within a small subset of each.

A grammar names the tokens of its language and what its words and operators are in the sandbox; a
name with dots (`customer.tier`) reads a field of a record (`customer['tier']`); a call of anything
but a word the grammar knows is refused: crmflow conditions read case data only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


class Untranslatable(Exception):
    """An expression uses something outside the subset crmflow translates."""


@dataclass(frozen=True)
class Grammar:
    """One language's subset: its tokens, its words and operators as the sandbox writes them."""

    language: str
    subset: str  # what the subset holds, said when something is outside it
    tokens: re.Pattern[str]
    words: dict[str, str]
    operators: dict[str, str]
    call: str  # what calling a name is called in the language (a method, a FEEL function)


def translated(expression: str, grammar: Grammar) -> str:
    """The sandbox expression for `expression` in `grammar`'s language. :raises Untranslatable:"""
    out: list[str] = []
    position, text = 0, expression.strip()
    while position < len(text):
        found = grammar.tokens.match(text, position)
        if found is None or found.end() == position:
            raise Untranslatable(f"'{text[position:position + 12].strip()}' is outside the {grammar.language} subset "
                                 f"crmflow translates ({grammar.subset})")
        position = found.end()
        if found.group("number") or found.group("string"):
            out.append(found.group("number") or found.group("string"))
        elif found.group("op"):
            out.append(grammar.operators.get(found.group("op"), found.group("op")))
        elif found.group("name") in grammar.words:
            out.append(grammar.words[found.group("name")])
        elif text[position:].lstrip().startswith("("):
            raise Untranslatable(f"'{found.group('name')}(...)' calls {grammar.call}; crmflow conditions read case "
                                 "data only")
        else:
            first, *rest = found.group("name").split(".")
            out.append(first + "".join(f"[{part!r}]" for part in rest))
    return " ".join(out).replace("( ", "(").replace(" )", ")").replace("not not ", "")
