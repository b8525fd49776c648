"""Pickers: find the record a form field refers to by its name, never by a raw id.

A form field that refers to a record (`x-references` in its schema, see forms.py) is shown
as a picker: people type part of a name, choose one of the labels `search` offers, and
`resolve` turns the chosen label (or a name typed in full) back into the record's id.
Each label ends with the record's number (C-00012, Q-00003, P-00007), so two customers
with the same name stay two choices.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from engine import Named, Text

from .records import REGIONS, Contact, Customer, Quote, QuoteRevision

MAX_CHOICES = 20


@dataclass(frozen=True)
class Reference:
    """A kind of record a form field may refer to (`x-references`): the table holding it, the prefix of its
    numbers, what people call it, and what a record must be to be chosen."""

    kind: str
    entity: Any  # Customer, Quote or Contact
    prefix: str  # of its numbers: C-00012
    noun: Text
    status: str | None = None  # a customer in this status only
    status_words: str = ""  # how an error says the status asked for (a `Text`)
    of_customer: bool = False  # one of the customer the form names (customer_id)
    by_name: bool = True  # may be chosen by typing its name (a quote has none)


REFERENCES: dict[str, Reference] = {r.kind: r for r in (
    Reference("customer", Customer, "C", Text("customer")),
    Reference("active_customer", Customer, "C", Text("active customer"), "active", Text("active")),
    Reference("pending_customer", Customer, "C", Text("customer awaiting approval"), "pending",
              Text("awaiting approval")),
    Reference("quote_of_customer", Quote, "Q", Text("quote"), of_customer=True, by_name=False),
    Reference("contact_of_customer", Contact, "P", Text("contact"), of_customer=True),
)}
PREFIXES = {kind: reference.prefix for kind, reference in REFERENCES.items()}
NUMBER = re.compile(r"(?:^|·)\s*([CQP])-(\d{1,10})\s*$")  # a number alone, or ending a label


@dataclass(frozen=True)
class Choice:
    """One record a picker offers: its id (what the form stores) and the label people choose."""

    id: int
    label: str
    detail: str  # a `Text`: said in the reader's language


class Unresolved(ValueError):
    """The text names no record of the kind, or several: the message says which and what to do."""

    @property
    def message(self) -> str:
        """What to tell the person who typed it (a `Text`, said in their language)."""
        return self.args[0]


def kinds() -> frozenset[str]:
    """The reference kinds pickers know."""
    return frozenset(PREFIXES)


def search(session: Session, refers_to: str, text: str, customer_id: int | None = None,
           limit: int = MAX_CHOICES) -> list[Choice]:
    """Records of a kind whose name (or number) contains `text`, best first; quotes and contacts of `customer_id`."""
    text = text.strip()[:200]
    query = _candidates(refers_to, customer_id)
    if query is None:
        return []
    number = NUMBER.search(text)
    if number and number.group(1) == PREFIXES[refers_to]:
        query = query.where(_entity(refers_to).id == int(number.group(2)))
    elif text and REFERENCES[refers_to].by_name:
        name = _entity(refers_to).name
        query = query.where(func.lower(name).contains(text.lower(), autoescape=True)).order_by(
            func.lower(name).startswith(text.lower(), autoescape=True).desc(), func.length(name))
    return [_choice(refers_to, row, session) for row in session.scalars(query.limit(min(limit, MAX_CHOICES)))]


def resolve(session: Session, refers_to: str, text: str, customer_id: int | None = None) -> int:
    """The id of the one record the text names: a picker label, a number (C-00012), a name or its start.

    :raises Unresolved: no such record of this kind, or several with that name
    """
    text = text.strip()
    query = _candidates(refers_to, customer_id)
    noun = _noun(refers_to)
    if query is None:
        raise Unresolved(Text("choose the customer first, then the {noun}", noun=noun))
    number = NUMBER.search(text)
    if number:
        if number.group(1) != PREFIXES[refers_to]:
            raise Unresolved(Text("'{text}' is not a {kind} number ({prefix}-…)", text=text, prefix=PREFIXES[refers_to],
                                  kind=Text(_entity(refers_to).__name__.lower())))
        found = session.scalar(query.where(_entity(refers_to).id == int(number.group(2))))
        if found is None:
            if REFERENCES[refers_to].of_customer:
                raise Unresolved(Text("there is no {noun} {number} of this customer to choose here", noun=noun,
                                      number=text.split()[-1]))
            raise Unresolved(Text("there is no {noun} {number} to choose here", noun=noun, number=text.split()[-1]))
        return int(found.id)
    if not REFERENCES[refers_to].by_name:
        raise Unresolved(Text("choose a {noun} from the list (its number, e.g. {prefix}-00003)", noun=noun,
                                prefix=PREFIXES[refers_to]))
    name = func.lower(_entity(refers_to).name)
    rows = list(session.scalars(query.where(name == text.lower()).limit(6)))
    exact = True
    if not rows:  # the start of one name is enough
        rows, exact = list(session.scalars(query.where(name.startswith(text.lower(), autoescape=True)).limit(6))), False
    if not rows:
        if REFERENCES[refers_to].of_customer:
            raise Unresolved(Text("no {noun} named '{text}' of this customer; type part of the name and choose from "
                                  "the list", noun=noun, text=text))
        raise Unresolved(Text("no {noun} named '{text}'; type part of the name and choose from the list", noun=noun,
                              text=text))
    if len(rows) > 1:
        numbers = ", ".join(f"{PREFIXES[refers_to]}-{row.id:05d}" for row in rows[:5])
        if exact:
            raise Unresolved(Text("more than one {noun} is named '{text}' ({numbers}); choose one from the list",
                                  noun=noun, text=text, numbers=numbers))
        raise Unresolved(Text("more than one {noun} has a name starting with '{text}' ({numbers}); choose one from "
                              "the list", noun=noun, text=text, numbers=numbers))
    return int(rows[0].id)


def label(session: Session, refers_to: str, record_id: Any) -> str | None:
    """The picker label of a record (to show a stored id again), or None if there is none."""
    if refers_to not in PREFIXES or not isinstance(record_id, int) or isinstance(record_id, bool):
        return None
    row = session.get(_entity(refers_to), record_id)
    return None if row is None else _choice(refers_to, row, session).label


def customer_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Customers' names by id, in one query (for lists of cases and tasks)."""
    if not ids:
        return {}
    return dict(session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(ids))).tuples().all())


def customers_named(session: Session, text: str, limit: int = 200) -> list[int]:
    """The ids of customers whose name contains `text` (for searching cases and tasks by customer)."""
    query = select(Customer.id).where(func.lower(Customer.name).contains(text.strip().lower(), autoescape=True))
    return list(session.scalars(query.limit(limit)))


def _entity(refers_to: str) -> Any:
    return REFERENCES[refers_to].entity


def _noun(refers_to: str) -> str:
    return REFERENCES[refers_to].noun if refers_to in REFERENCES else refers_to


def _candidates(refers_to: str, customer_id: int | None) -> Select[Any] | None:
    """What a picker of this kind may choose from (None: it depends on a customer not chosen yet)."""
    reference = REFERENCES.get(refers_to)
    if reference is None:
        raise Unresolved(Text("unknown kind of record '{kind}'", kind=refers_to))
    entity = reference.entity
    if not reference.of_customer:
        query = select(entity).order_by(entity.name)
        return query.where(entity.status == reference.status) if reference.status else query
    if customer_id is None:
        return None
    return select(entity).where(entity.customer_id == customer_id).order_by(entity.id.desc())


def _choice(refers_to: str, row: Any, session: Session) -> Choice:
    number = f"{PREFIXES[refers_to]}-{row.id:05d}"
    if isinstance(row, Customer):
        region = Named(*REGIONS[row.region]) if row.region in REGIONS else row.region or "-"
        return Choice(row.id, f"{row.name} · {number}", Text("{region} · {status}", region=region,
                                                             status=Text(row.status)))
    if isinstance(row, Contact):
        return Choice(row.id, f"{row.name} · {number}", " · ".join(filter(None, (row.email, row.phone))))
    price: Decimal | None = None
    if row.approved_revision is not None:
        price = session.scalar(select(QuoteRevision.price).where(QuoteRevision.quote_id == row.id,
                                                                 QuoteRevision.revision == row.approved_revision))
    detail = Text("approved price {price:,.2f}", price=price) if price is not None else Text("no approved revision")
    return Choice(row.id, Text("{detail} · {number}", detail=detail, number=number), detail)
