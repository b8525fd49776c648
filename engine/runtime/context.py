"""What the rooms need of one engine, built once by `Engine` and handed down: never the Engine itself.

The unit of work, the commands, `restore`, the worker and authoring take a `Context`; nothing below the facade
reaches back up into it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..pack import Pack
from ..scripting.data import DataLimits
from ..store.database import Store
from ..store.versions import SpecCache
from .forms import Forms
from .serializer import StateSerializer
from .stepping import StepLimits
from .subscriptions import Subscriptions
from .workflows import Workflows


@dataclass(frozen=True)
class Limits:
    """The bounds on what comes in: a model's bytes, a case's data, the engine steps of one command."""

    model_bytes: int
    data: DataLimits
    steps: StepLimits


@dataclass(frozen=True)
class Context:
    """One engine's parts: its database, pack, clock, caches and limits."""

    store: Store
    pack: Pack
    clock: Callable[[], datetime]
    limits: Limits
    serializer: StateSerializer
    specs: SpecCache
    workflows: Workflows
    forms: Forms
    subscriptions: Subscriptions
