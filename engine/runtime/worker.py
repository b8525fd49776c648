"""The worker: starts the cases of due schedules, fires due timers (and, through the outbox dispatcher, delivers
messages).

Any number of workers on any number of machines may run against one PostgreSQL database:
each timer is fired in its own transaction under its instance's row lock, taken with
SKIP LOCKED, and its row is deleted in that same transaction, so it fires exactly once.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import EngineError
from . import commands, schedules, timers
from .unit_of_work import execute

if TYPE_CHECKING:
    from .context import Context

log = logging.getLogger("crmflow.worker")


class Worker:
    """Fires due timers in batches."""

    def __init__(self, context: Context, batch: int = 100, on_round: Callable[[int], None] | None = None,
                 deliver: Callable[[], int] | None = None):
        self.context, self.batch, self.on_round, self.deliver = context, batch, on_round, deliver

    def run_once(self) -> int:
        """One round over the schedules and timers due now; returns how many this worker fired (a schedule's
        firing counts once, however many cases it started)."""
        with self.context.store.read() as session:
            now = self.context.clock()
            starts, due = schedules.due(self.context, session, now), timers.due(session, now, self.batch)
        fired = 0
        for process_key, due_at in starts:
            try:
                started = execute(self.context, schedules.fire, process_key, due_at, actor="schedule")
            except EngineError as exc:
                log.info("schedule of %s not fired now: %s", process_key, exc.message)
                continue
            except Exception:  # a fault outside the model (the pack's directory): the firing stays due, logged
                log.exception("schedule of %s due %s failed; it is tried again next round", process_key,
                              due_at.isoformat())
                continue
            log.info("schedule of %s due %s started %d case(s)", process_key, due_at.isoformat(), len(started))
            fired += 1
        for timer_id, instance_id in due:
            try:
                fired += execute(self.context, commands.fire_timer, timer_id, instance_id, actor="timer")
            except EngineError as exc:
                log.info("timer %s not fired now: %s", timer_id, exc.message)
            except Exception as exc:  # a fault outside the model: back off, then an incident
                log.exception("timer %s failed", timer_id)
                execute(self.context, commands.record_timer_failure, timer_id, f"{type(exc).__name__}: {exc}", actor="timer")
        return fired

    def run_forever(self, interval: float = 1.0, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Poll until `should_stop()`; an idle round sleeps `interval` seconds."""
        log.info("worker started: due timers every %.1f s, then the outbox", interval)
        while not should_stop():
            fired = self.run_once()
            if fired:
                log.info("fired %d timer(s)", fired)
            if self.deliver:
                self.deliver()
            if self.on_round:
                self.on_round(fired)
            if fired < self.batch:
                time.sleep(interval)
