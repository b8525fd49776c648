"""A quarter of CRM work played through the real processes, so every report has figures to show.

The clock moves day by day over the last `days` days: leads arrive from every source and are
qualified, converted or dropped; new customers are applied for and approved or refused; orders
hit the credit, quote and prepayment control points; complaints of each severity come in and
some wait past their SLA (the timers fire as the clock passes them). People work most of their
tasks each day and leave some, as people do. Opportunities move through their stages and close
won or lost in the CRM's records, and salespeople log their visits. On the first of each month every
salesperson forecasts the next (the schedule starts those cases), and each Friday writes the weekly
report. Every case runs through the engine's own commands.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from engine import Engine, EngineError, TaskView, Worker

from .directory import delegation_problem, members_of
from .forms import SEVERITIES, SOURCES, TERMS
from .pack import CASE_NUMBERS
from .records import INDUSTRIES, REGIONS, Activity, Contact, Customer, Opportunity, Quote, QuoteRevision
from .reports import OPEN_STAGES, ROLES

CITIES = ("Hangzhou 杭州", "Suzhou 苏州", "Ningbo 宁波", "Xiamen 厦门", "Chengdu 成都", "Wuhan 武汉", "Tianjin 天津",
          "Qingdao 青岛", "Dalian 大连", "Foshan 佛山")
TRADES = ("Machinery 机械", "Electronics 电子", "Foods 食品", "Logistics 物流", "Textiles 纺织", "Chemicals 化工",
          "Medical 医疗", "Packaging 包装")
# The classes new customers are proposed in, in turn (most are standard; a few key accounts, some on watch).
CLASS_MIX = ("standard", "standard", "key", "standard", "watch", "standard", "strategic", "standard")
PRODUCTS = ("CNC-500", "Cold chain box", "Sensor kit S2", "Pump P-80", "Control cabinet")
PROBABILITY = {"qualification": 10, "needs_analysis": 30, "proposal": 50, "negotiation": 75}
NEGLECTED = 0.08  # the share of tasks left lying for days or weeks
QUOTED = 0.85  # the share of orders placed on an approved quote (the others ask for a price exception)
# How long before the played days the processes are deployed (crmflow setup): their schedules' latest firing in
# that month fires on the first day, so a monthly forecast has closed within a quarter, whatever the date.
DEMO_LEAD_DAYS = 35
# new cases per day, on average
DAILY = {"lead_to_opportunity": 2.0, "order_release": 1.2, "complaint_handling": 0.7, "customer_approval": 0.4}


class MovingClock:
    """The demo's clock: set to each moment of the quarter in turn."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class Quarter:
    """Plays `days` of work ending now; `progress` hears about each day played."""

    def __init__(self, make_engine: Callable[[MovingClock], Engine], days: int = 90, seed: int = 2026,
                 progress: Callable[[int, int, dict[str, int]], None] | None = None):
        self.clock = MovingClock(datetime.now(UTC) - timedelta(days=days))
        self.engine, self.days, self.random = make_engine(self.clock), days, random.Random(seed)
        self.progress, self.worker = progress, Worker(self.engine.context)
        self.counts = {"cases": 0, "tasks": 0, "timers": 0}
        self.serial = 0
        self.approval_asked: set[int] = set()

    def play(self) -> dict[str, int]:
        for day in range(self.days):
            for hour in (9, 11, 14, 17):
                self.clock.now = self.clock.now.replace(hour=hour, minute=self.random.randrange(60))
                if hour == 9:
                    self._start_cases()
                # people work most of each day's tasks; the last days' are still on their desks
                self._work(share=(0.45, 0.3, 0.2, 0.1)[max(0, day - self.days + 4)])
                self.counts["timers"] += self.worker.run_once()
            self._move_opportunities()
            if day == self.days * 2 // 3:
                self._raise_a_limit_without_approval()
            if self.progress:
                self.progress(day + 1, self.days, dict(self.counts))
            self.clock.now = (self.clock.now + timedelta(days=1)).replace(hour=8)
        self._give_contacts_roles()
        return self.counts

    # -- new work ----------------------------------------------------------------------------
    def _start_cases(self) -> None:
        for process_key, rate in DAILY.items():
            for _ in range(self._poisson(rate)):
                self.serial += 1
                data = getattr(self, f"_start_{process_key}")()
                if data is None:
                    continue
                prefix = CASE_NUMBERS[process_key]
                actor = {"lead_to_opportunity": "marketing", "order_release": self.random.choice(("alice", "bob")),
                         "complaint_handling": "sam", "customer_approval": self.random.choice(("alice", "bob"))}
                try:
                    self.engine.start(process_key, data, f"{prefix}-{self.serial:05d}", actor[process_key])
                    self.counts["cases"] += 1
                except EngineError:
                    pass  # refused at the door, as a real start form would refuse it

    def _start_lead_to_opportunity(self) -> dict[str, Any]:
        company = f"{self.random.choice(CITIES)} {self.random.choice(TRADES)} {self.serial}"
        return {"company": company, "source": self.random.choices(list(SOURCES), weights=(5, 3, 4, 2, 2))[0],
                "contact_name": f"Contact {self.serial}", "email": f"buyer{self.serial}@example.cn",
                "phone": f"+86 21 {self.serial:07d}", "region": self.random.choice(list(REGIONS)),
                "industry": self.random.choice(list(INDUSTRIES))}

    def _start_order_release(self) -> dict[str, Any] | None:
        with self.engine.store.read() as session:
            customers = list(session.scalars(select(Customer).where(Customer.status == "active")))
            if not customers:
                return None
            customer = self.random.choice(customers)
        room = float(customer.credit_limit) * 0.12 or 50_000
        amount = round(self.random.uniform(0.2, 1.0) * room, -2) or 1000
        data: dict[str, Any] = {"customer_id": customer.id, "amount": amount}
        if self.random.random() < QUOTED:
            data["quote_id"] = self.engine.execute(self._approved_quote, customer.id, amount, actor="carol")
        return data

    @staticmethod
    def _approved_quote(uow: Any, customer_id: int, amount: float) -> int:
        """The quote a salesperson drew up and a sales manager approved for this order, at its price."""
        quote = Quote(customer_id=customer_id, approved_revision=1, approved_by=uow.actor, approved_at=uow.now)
        uow.session.add(quote)
        uow.session.flush()
        uow.session.add(QuoteRevision(quote_id=quote.id, revision=1, price=Decimal(str(amount)), created_by="alice",
                                      created_at=uow.now))
        return int(quote.id)

    def _start_complaint_handling(self) -> dict[str, Any]:
        return {}

    def _start_customer_approval(self) -> dict[str, Any]:
        """Mostly for a customer a converted lead left awaiting approval (each asked for once), else a new one."""
        with self.engine.store.read() as session:
            waiting = session.scalars(select(Customer.id).where(Customer.status == "pending",
                                                                Customer.id.not_in(self.approval_asked or [0]))).first()
        if waiting is None or self.random.random() < 0.3:
            return {}
        self.approval_asked.add(waiting)
        return {"customer_id": waiting}

    # -- people at work ------------------------------------------------------------------------
    def _work(self, share: float) -> None:
        for task in self.engine.tasks(limit=500):
            if self.random.random() > share or task.form_key is None or task.form_key.startswith("model:"):
                continue
            late = random.Random(task.id)
            if late.random() < NEGLECTED and self.clock.now - task.created_at < timedelta(days=late.randint(2, 12)):
                continue  # the task somebody does not get round to for days or weeks: stalled work, breached SLAs
            actor = task.assignee or self._member(task)
            if actor is None:
                continue
            try:
                if task.assignee is None:
                    self.engine.claim(task.id, actor, [task.candidate_group or ""])
                answers = self._answers(task)
                if answers is not None:
                    self.engine.complete(task.id, actor, answers, [task.candidate_group or ""])
                    self.counts["tasks"] += 1
            except EngineError:
                continue  # four eyes, a refused answer, a case moved on: tomorrow is another day

    def _customer_facts(self, customer_id: Any) -> dict[str, Any]:
        """What a salesperson types about the customer: as on record for a converted lead's, made up for a new one."""
        with self.engine.store.read() as session:
            known = session.get(Customer, customer_id) if type(customer_id) is int else None
            contact = session.scalar(select(Contact.name).where(Contact.customer_id == customer_id).limit(1)) \
                if known is not None else None
        if known is None or known.region is None or known.industry is None:
            return {"customer_name": f"{self.random.choice(CITIES)} {self.random.choice(TRADES)} Co. {self.serial}",
                    "region": self.random.choice(list(REGIONS)), "industry": self.random.choice(list(INDUSTRIES)),
                    "contact_name": f"Buyer {self.serial}"}
        return {"customer_name": known.name, "region": known.region, "industry": known.industry,
                "contact_name": contact or f"Buyer {self.serial}"}

    def _member(self, task: TaskView) -> str | None:
        with self.engine.store.read() as session:
            people = [name for name in members_of(session, task.candidate_group or "")
                      if name not in (task.excluded or []) and delegation_problem(session, name, task.candidate_group)
                      is None]
        return self.random.choice(people) if people else None

    def _answers(self, task: TaskView) -> dict[str, Any] | None:
        r, data = self.random.random, self.engine.task_data(task.id)
        amount = float(data.get("amount") or 0)
        by_form: dict[str, Callable[[], dict[str, Any]]] = {
            "merge_lead": lambda: {"merge_confirmed": True},
            "qualify_lead": lambda: {"budget_confirmed": r() < 0.6, "decision_maker_known": r() < 0.6,
                                     "timeline": self.random.choice(("this_quarter", "this_year", "later")),
                                     "estimated_amount": round(self.random.uniform(30_000, 1_500_000), -3)},
            "first_meeting": lambda: {"meeting_date": (self.clock.now.date() + timedelta(days=3)).isoformat(),
                                      "agenda": "needs, budget, decision process"},
            "disqualify_lead": lambda: {"reason": self.random.choice(("no budget this year", "bought elsewhere",
                                                                      "too small")), "nurture": r() < 0.2},
            "customer_info": lambda: {
                **self._customer_facts(data.get("customer_id")),
                "requested_credit_limit": self.random.choice((100_000, 300_000, 600_000, 1_200_000)),
                "payment_terms": self.random.choice(list(TERMS)),
                "customer_class": CLASS_MIX[self.serial % len(CLASS_MIX)]},
            "payment_terms_review": lambda: {"payment_terms_approved": r() < 0.9,
                                             "payment_terms": data.get("payment_terms") or "net30"},
            "payment_terms_exception": lambda: {"terms_exception_approved": r() < 0.5,
                                                "terms_exception_reason": "paid on time for three years elsewhere"},
            "credit_limit_review": lambda: {"credit_limit_approved": r() < 0.85,
                                            "approved_credit_limit": float(data.get("requested_credit_limit") or 0)},
            "general_manager_approval": lambda: {"gm_approved": r() < 0.8},
            "sales_expense_evaluation": lambda: {"expected_annual_revenue": 2_000_000, "sales_expense_budget": 80_000,
                                                 "expense_approved": r() < 0.85},
            "credit_override": lambda: {"override_approved": r() < 0.5,
                                        "override_reason": "long-standing customer, payment promised"},
            "price_exception": lambda: {"price_exception_approved": r() < 0.6,
                                        "price_exception_reason": "matches last year's contract price"},
            "credit_override_second": lambda: {"second_override_approved": r() < 0.6,
                                               "second_override_reason": "agree with the first approver"},
            "payment_received": lambda: {"payment_amount": amount or 1000.0,
                                         "payment_reference": f"BANK-{self.serial:06d}"},
            "complaint_register": self._complaint,
            "complaint_classify": lambda: {"severity": self.random.choices(list(SEVERITIES), weights=(4, 4, 2, 1))[0],
                                           "product": self.random.choice(PRODUCTS)},
            "complaint_investigation": lambda: {"findings": "batch fault confirmed by the lab"},
            "complaint_resolution": lambda: {"resolution": "replace the unit", "compensation":
                                             self.random.choice((0, 500, 2000, 8000))},
            "compensation_approval": lambda: {"compensation_approved": r() < 0.8},
            "customer_confirmation": lambda: {"satisfied": r() < 0.8},
            "complaint_close": lambda: {"root_cause": "supplier batch out of tolerance"},
            "sales_forecast": lambda: self._forecast(data),
            "forecast_reason": lambda: {"deviation_reason": self.random.choice((
                "the customer moved the order to next quarter", "a competitor undercut us on the tender",
                "two deals closed earlier than planned"))},
            "forecast_review": lambda: {"reason_accepted": r() < 0.7, "review_comment": None},
            "weekly_report": lambda: {"next_week_plan": self.random.choice((
                "follow up the open proposals and visit two new prospects", "prepare the renewal talks",
                "visit the customers with orders on hold"))},
            "weekly_report_review": lambda: {"review_comment": self.random.choice((None, "ok", "push the renewals"))},
        }
        answer = by_form.get(task.form_key or "")
        return answer() if answer else None

    def _forecast(self, data: dict[str, Any]) -> dict[str, Any]:
        """What a salesperson forecasts: the suggested pipeline, adjusted by their own judgement (some hopeful)."""
        suggested = data.get("forecast") or {}
        pipeline = float(suggested.get("pipeline") or 0)
        return {"forecast_amount": round(pipeline * self.random.uniform(1.0, 1.6), -3),
                "expected_deals": int(suggested.get("pipeline_deals") or self.random.randint(0, 2))}

    def _complaint(self) -> dict[str, Any]:
        with self.engine.store.read() as session:
            customer = self.random.choice(list(session.scalars(select(Customer.id).where(
                Customer.status == "active"))) or [1])
            contact = session.scalar(select(Contact.id).where(Contact.customer_id == customer).limit(1))
        return {"customer_id": customer, "product": self.random.choice(PRODUCTS),
                "description": "arrived damaged / 到货破损", **({"contact_id": contact} if contact else {})}

    # -- the CRM's own screens -----------------------------------------------------------------
    def _move_opportunities(self) -> None:
        def move(uow: Any) -> None:
            for opportunity in uow.session.scalars(select(Opportunity).where(Opportunity.stage.in_(OPEN_STAGES))):
                if opportunity.expected_close is None:
                    opportunity.expected_close = (uow.now.date() + timedelta(days=self.random.randint(20, 150))).isoformat()
                    opportunity.probability = PROBABILITY[opportunity.stage]
                stages = list(PROBABILITY)
                if opportunity.stage == "negotiation":  # a deal in negotiation closes about when expected
                    if opportunity.expected_close > (uow.now.date() + timedelta(days=self.random.randint(-3, 3))
                                                     ).isoformat():
                        continue
                    opportunity.stage = "won" if self.random.random() < 0.75 else "lost"
                    opportunity.closed_at = uow.now
                    opportunity.probability = 100 if opportunity.stage == "won" else 0
                elif self.random.random() > 0.08:
                    continue  # most days nothing happens to a deal
                else:
                    opportunity.stage = stages[stages.index(opportunity.stage) + 1]
                    opportunity.probability = PROBABILITY[opportunity.stage]
                    if opportunity.stage == "negotiation":
                        opportunity.expected_close = (uow.now.date() + timedelta(
                            days=self.random.randint(30, 60))).isoformat()
                opportunity.stage_changed_at = uow.now
                if opportunity.amount == 0:
                    opportunity.amount = Decimal(round(self.random.uniform(50_000, 900_000), -3))

        self.engine.execute(move, actor="demo")
        self.engine.execute(self._log_visits, actor="demo")

    def _log_visits(self, uow: Any) -> None:
        """Salespeople visit (and call) their customers on most working days."""
        if uow.now.weekday() >= 5:
            return
        owned = list(uow.session.execute(select(Customer.id, Customer.owner).where(
            Customer.status == "active", Customer.owner.is_not(None))))
        for customer_id, owner in self.random.sample(owned, min(len(owned), self.random.randint(1, 4))):
            uow.session.add(Activity(customer_id=customer_id, owner=owner, at=uow.now,
                                     kind=self.random.choice(("visit", "visit", "call"))))

    def _raise_a_limit_without_approval(self) -> None:
        """A salesperson cutting corners: one customer's credit limit raised in the CRM, no approval case."""
        def raise_limit(uow: Any) -> None:
            customer = uow.session.scalars(select(Customer).where(  # one approved during the quarter
                Customer.status == "active", Customer.credit_approved_in.is_not(None))
                .order_by(Customer.id.desc()).limit(1)).first()
            if customer is not None:
                customer.credit_limit = customer.credit_limit * Decimal("1.5")

        self.engine.execute(raise_limit, actor="demo")

    def _give_contacts_roles(self) -> None:
        def roles(uow: Any) -> None:
            for contact in uow.session.scalars(select(Contact).where(Contact.role.is_(None))):
                contact.role = self.random.choices(list(ROLES), weights=(3, 3, 2, 2))[0]

        self.engine.execute(roles, actor="demo")

    def _poisson(self, rate: float) -> int:
        count, limit, product = 0, pow(2.718281828, -rate), self.random.random()
        while product > limit:
            count += 1
            product *= self.random.random()
        return count


def played_already(engine: Engine) -> bool:
    """True when the database already holds cases (the demo plays only on a fresh one unless asked)."""
    return bool(engine.instances(limit=1))
