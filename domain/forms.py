"""Task forms: one JSON Schema per form key, labelled in English and Chinese.

The same schema describes the form to clients (pages render it) and validates what is
submitted: unknown fields, wrong types and values out of range are refused by name.
Labels: `title` is English, `x-title-zh` Chinese; enum options carry `x-enum-labels`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator
from sqlalchemy.orm import Session

from engine import FieldError, Text, field_error

from .lookup import REFERENCES
from .records import CUSTOMER_CLASSES, INDUSTRIES, REGIONS

Field = tuple[str, dict[str, Any]]
MAX_AMOUNT = 10_000_000_000  # ten billion: anything above is a typing error, not an order


def text(name: str, en: str, zh: str, max_length: int = 500, nullable: bool = False, **extra: Any) -> Field:
    kind: Any = ["string", "null"] if nullable else "string"
    return name, {"type": kind, "title": en, "x-title-zh": zh, "maxLength": max_length, **extra}


def number(name: str, en: str, zh: str, minimum: float = 0, maximum: float = MAX_AMOUNT, suggested: str | None = None,
           **extra: Any) -> Field:
    """A number; `suggested`: the case field (a dotted path) whose value the form starts with, for the person to
    confirm or change (what they submit is theirs)."""
    if suggested is not None:
        extra["x-suggested-from"] = suggested
    return name, {"type": "number", "title": en, "x-title-zh": zh, "minimum": minimum, "maximum": maximum, **extra}


def amount(name: str, en: str, zh: str) -> Field:
    """A money amount: more than zero, at most `MAX_AMOUNT`."""
    return name, {"type": "number", "title": en, "x-title-zh": zh, "exclusiveMinimum": 0, "maximum": MAX_AMOUNT}


def reference(name: str, en: str, zh: str, refers_to: str, nullable: bool = False, **extra: Any) -> Field:
    """The id of a record: `customer`, `active_customer`, `pending_customer` (awaiting approval),
    `quote_of_customer` or `contact_of_customer`.

    Checked against the records; pages show it as a picker that finds the record by name (lookup.py).
    """
    kind: Any = ["integer", "null"] if nullable else "integer"
    return name, {"type": kind, "title": en, "x-title-zh": zh, "minimum": 1, "maximum": 2**31 - 1,
                  "x-references": refers_to, **extra}


def integer(name: str, en: str, zh: str, minimum: int = 0, maximum: int = 100_000, suggested: str | None = None,
            **extra: Any) -> Field:
    if suggested is not None:
        extra["x-suggested-from"] = suggested
    return name, {"type": "integer", "title": en, "x-title-zh": zh, "minimum": minimum, "maximum": maximum, **extra}


def flag(name: str, en: str, zh: str) -> Field:
    return name, {"type": "boolean", "title": en, "x-title-zh": zh}


def decision(name: str, en: str, zh: str) -> Field:
    """A yes/no someone decides (an approval): the engine checks that a gateway after the step reads it."""
    return name, {"type": "boolean", "title": en, "x-title-zh": zh, "x-decision": True}


def choice(name: str, en: str, zh: str, options: dict[str, tuple[str, str]], default: str | None = None) -> Field:
    """One of `options`; with a `default`, the form starts at it and a submission may leave it out."""
    labels = {value: {"en": label_en, "zh": label_zh} for value, (label_en, label_zh) in options.items()}
    spec = {"type": "string", "title": en, "x-title-zh": zh, "enum": list(options), "x-enum-labels": labels}
    return name, spec if default is None else {**spec, "default": default}


def form(title_en: str, title_zh: str, *fields: Field, optional: tuple[str, ...] = (),
         context: tuple[str, ...] = ()) -> dict[str, Any]:
    """A JSON Schema object: every field required unless named in `optional`; nothing else accepted.

    `context` names the read-only case facts shown beside the form (see context.py). An optional field that
    may be null is null when left out (its `default`), so a model can always read it.
    """
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object", "title": title_en, "x-title-zh": title_zh,
        "properties": {name: {"default": None, **spec} if name in optional and "null" in spec["type"] else spec
                       for name, spec in fields},
        "required": [name for name, _ in fields if name not in optional],
        "additionalProperties": False,
        "x-context": list(context),
    }


TERMS = {"prepayment": ("Prepayment", "预付款"), "net30": ("Net 30 days", "月结30天"), "net60": ("Net 60 days", "月结60天")}
SEVERITIES = {"low": ("Low", "低"), "medium": ("Medium", "中"), "high": ("High", "高"), "critical": ("Critical", "紧急")}
COMMENT = text("comment", "Comment", "备注", 2000)

SOURCES = {"web": ("Website", "官网"), "fair": ("Trade fair", "展会"), "referral": ("Referral", "转介绍"),
           "cold_call": ("Cold call", "陌生拜访"), "partner": ("Partner", "合作伙伴")}

FORMS: dict[str, dict[str, Any]] = {
    # start forms: what a case is started with
    "lead_start": form("New lead", "新线索",
                       text("company", "Company", "公司名称", 200, minLength=2),
                       choice("source", "Source", "线索来源", SOURCES),
                       text("contact_name", "Contact person", "联系人", 128, nullable=True),
                       text("email", "E-mail", "电子邮箱", 254, nullable=True),
                       text("phone", "Phone", "电话", 64, nullable=True),
                       choice("region", "Region", "区域", REGIONS),
                       choice("industry", "Industry", "行业", INDUSTRIES),
                       optional=("contact_name", "email", "phone")),
    # Started for a customer a converted lead left awaiting approval, or (no customer) for a new one.
    "customer_application_start": form("New customer application", "新客户申请",
                                       reference("customer_id", "Customer awaiting approval (from a converted lead)",
                                                 "待审批客户（线索转化）", "pending_customer", nullable=True),
                                       optional=("customer_id",)),
    "order_start": form("New order", "新订单",
                        reference("customer_id", "Customer", "客户", "active_customer"),
                        amount("amount", "Order amount", "订单金额"),
                        reference("quote_id", "Quote", "报价单", "quote_of_customer", nullable=True),
                        optional=("quote_id",)),
    "complaint_start": form("New complaint", "新投诉"),
    # lead_to_opportunity
    "merge_lead": form("Merge duplicate lead", "合并重复线索",
                       decision("merge_confirmed", "Merge into the existing lead", "合并到已有线索"), COMMENT,
                       optional=("comment",),
                       context=("lead",)),
    "qualify_lead": form("Qualify lead", "线索资格审核",
                         flag("budget_confirmed", "Budget confirmed", "预算已确认"),
                         flag("decision_maker_known", "Decision maker known", "已知决策人"),
                         choice("timeline", "Purchase timeline", "采购时间", {
                             "this_quarter": ("This quarter", "本季度"), "this_year": ("This year", "今年内"),
                             "later": ("Later", "以后")}),
                         number("estimated_amount", "Estimated amount", "预计金额"), COMMENT,
                         optional=("comment",),
                         context=("lead",)),
    "first_meeting": form("Plan first meeting", "安排首次拜访",
                          text("meeting_date", "Meeting date", "拜访日期", 10, format="date"),
                          text("agenda", "Agenda", "议程", 2000),
                          context=("lead",)),
    "disqualify_lead": form("Disqualify or nurture", "淘汰或培育线索",
                            text("reason", "Reason", "原因", 1000, minLength=3),
                            flag("nurture", "Keep nurturing", "继续培育"),
                            context=("lead",)),
    # customer_approval
    "customer_info": form("Customer information", "客户信息录入",
                          text("customer_name", "Customer name", "客户名称", 200, minLength=2),
                          choice("region", "Region", "区域", REGIONS),
                          choice("industry", "Industry", "行业", INDUSTRIES),
                          number("requested_credit_limit", "Requested credit limit", "申请信用额度"),
                          choice("payment_terms", "Payment terms", "付款条件", TERMS),
                          choice("customer_class", "Customer class", "客户等级", CUSTOMER_CLASSES, default="standard"),
                          text("contact_name", "Contact person", "联系人", 128),
                          text("contact_phone", "Contact phone", "联系电话", 64, nullable=True),
                          optional=("contact_phone", "customer_class"),
                          context=("existing_customer",)),
    "payment_terms_review": form("Payment terms review", "付款条件审核",
                                 decision("payment_terms_approved", "Payment terms approved", "同意付款条件"),
                                 choice("payment_terms", "Payment terms", "付款条件", TERMS), COMMENT,
                                 optional=("comment",),
                                 context=("requested_customer",)),
    "payment_terms_exception": form("Longer payment terms than the class may get", "超出客户等级的付款条件",
                                    decision("terms_exception_approved", "Allow these terms", "同意该付款条件"),
                                    text("terms_exception_reason", "Reason", "理由", 1000, minLength=3),
                                    context=("requested_customer", "review_so_far")),
    "credit_limit_review": form("Credit limit review", "信用额度审核",
                                decision("credit_limit_approved", "Credit limit approved", "同意信用额度"),
                                number("approved_credit_limit", "Approved credit limit", "核定信用额度"), COMMENT,
                                optional=("comment",),
                                context=("requested_customer", "review_so_far")),
    "general_manager_approval": form("General manager approval", "总经理审批",
                                     decision("gm_approved", "Approved", "批准"), COMMENT, optional=("comment",),
                                     context=("requested_customer", "review_so_far")),
    "sales_expense_evaluation": form("Sales expense evaluation", "销售费用评估",
                                     number("expected_annual_revenue", "Expected annual revenue", "预计年销售额"),
                                     number("sales_expense_budget", "Sales expense budget", "销售费用预算"),
                                     decision("expense_approved", "Customer approved", "同意接纳客户"), COMMENT,
                                     optional=("comment",),
                                     context=("requested_customer", "review_so_far")),
    # order_release
    "credit_override": form("Credit block override", "信用冻结特批",
                            decision("override_approved", "Release despite the credit block", "特批放行"),
                            text("override_reason", "Reason", "理由", 1000, minLength=3),
                            context=("order", "customer_credit")),
    "price_exception": form("Price exception", "价格特批",
                            decision("price_exception_approved", "Approve this price without an approved quote",
                                 "批准此价格（无已审批报价）"),
                            text("price_exception_reason", "Reason", "理由", 1000, minLength=3),
                            context=("order", "customer_credit")),
    "credit_override_second": form("Second approval of a credit override", "信用特批复核",
                                   decision("second_override_approved", "Agree to release despite the credit block",
                                        "同意特批放行"),
                                   text("second_override_reason", "Reason", "理由", 1000, minLength=3),
                                   context=("order", "customer_credit", "override_so_far")),
    "payment_received": form("Register prepayment", "登记预付款",
                             number("payment_amount", "Amount received", "到账金额", minimum=0.01),
                             text("payment_reference", "Bank reference", "银行流水号", 64, minLength=2),
                             context=("order", "customer_credit")),
    # complaint_handling
    "complaint_register": form("Register complaint", "登记投诉",
                               reference("customer_id", "Customer", "客户", "customer"),
                               reference("contact_id", "Contact who complained", "投诉联系人", "contact_of_customer",
                                         nullable=True),
                               text("product", "Product", "产品", 128),
                               text("description", "What happened", "投诉内容", 4000, minLength=5),
                               optional=("contact_id",)),
    "complaint_classify": form("Classify complaint", "投诉分类",
                               choice("severity", "Severity", "严重程度", SEVERITIES),
                               text("product", "Product", "产品", 128),
                               context=("complaint",)),
    "complaint_investigation": form("Investigate", "调查处理",
                                    text("findings", "Findings", "调查结果", 4000, minLength=3),
                                    context=("complaint",)),
    "complaint_resolution": form("Propose resolution", "提出解决方案",
                                 text("resolution", "Resolution", "解决方案", 4000, minLength=3),
                                 number("compensation", "Compensation", "赔偿金额"),
                                 context=("complaint",)),
    "compensation_approval": form("Approve compensation", "审批赔偿",
                                  decision("compensation_approved", "Approved", "批准"), COMMENT, optional=("comment",),
                                  context=("complaint",)),
    "customer_confirmation": form("Customer confirmation", "客户确认",
                                  decision("satisfied", "Customer is satisfied", "客户满意"), COMMENT,
                                  optional=("comment",),
                                  context=("complaint",)),
    "complaint_close": form("Close complaint", "结案",
                            text("root_cause", "Root cause", "根本原因", 2000, minLength=3),
                            context=("complaint",)),
    # sales_forecast: the figures start as the CRM's suggestion (`x-suggested-from`); what is submitted is the
    # salesperson's own
    "sales_forecast": form("Forecast for next month", "下月销售预测",
                           number("forecast_amount", "Amount you expect to win", "预计赢单金额",
                                  suggested="forecast.pipeline"),
                           integer("expected_deals", "Deals you expect to win", "预计赢单数",
                                   suggested="forecast.pipeline_deals"),
                           COMMENT, optional=("comment",), context=("forecast_request",)),
    "forecast_reason": form("Explain the forecast deviation", "说明预测偏差",
                            text("deviation_reason", "Why the month came out differently", "偏差原因", 2000,
                                 minLength=10),
                            context=("forecast_outcome",)),
    "forecast_review": form("Review the deviation reason", "审核预测偏差原因",
                            decision("reason_accepted", "Reason accepted", "接受该原因"),
                            text("review_comment", "Comment", "备注", 2000, nullable=True),
                            optional=("review_comment",), context=("forecast_outcome", "forecast_reason")),
    # weekly_report: the CRM's figures are context (nobody types them); the plan is the salesperson's
    "weekly_report": form("Weekly report", "销售周报",
                          text("next_week_plan", "Plan for next week", "下周计划", 4000, minLength=10),
                          COMMENT, optional=("comment",), context=("week_figures",)),
    "weekly_report_review": form("Review the weekly report", "审阅销售周报",
                                 text("review_comment", "Comment", "点评", 2000, nullable=True),
                                 optional=("review_comment",), context=("week_figures", "week_plan")),
}
_VALIDATORS = {key: Draft202012Validator(schema) for key, schema in FORMS.items()}


def validate(form_key: str | None, data: Mapping[str, Any], session: Session | None = None) -> list[FieldError]:
    """Every problem with submitted data, each naming its field; with a session, what it refers to as well."""
    if form_key is None:
        return [FieldError(name, Text("this task has no form, so it takes no data")) for name in data]
    validator = _VALIDATORS.get(form_key)
    if validator is None:
        return [FieldError("form", Text("unknown form '{form}'", form=form_key))]
    errors = sorted((field_error(e) for e in validator.iter_errors(dict(data))), key=lambda f: f.field)
    if session is not None and not errors:
        errors = reference_errors(FORMS[form_key], data, session)
    return errors


def reference_errors(schema: Mapping[str, Any], data: Mapping[str, Any], session: Session) -> list[FieldError]:
    """Ids that name no record, a customer not in the status asked for, a quote of another customer."""
    errors = []
    for name, spec in schema["properties"].items():
        refers_to, value = spec.get("x-references"), data.get(name)
        if refers_to is None or value is None:
            continue
        reference = REFERENCES[refers_to]
        record = session.get(reference.entity, value)
        if reference.of_customer:
            if record is None or record.customer_id != data.get("customer_id"):
                errors.append(FieldError(name, Text("names no {noun} of this customer", noun=reference.noun)))
        elif record is None:
            errors.append(FieldError(name, Text("names no customer")))
        elif reference.status and record.status != reference.status:
            errors.append(FieldError(name, Text("customer '{name}' is {status}, not {wanted}", name=record.name,
                                                  status=Text(record.status), wanted=reference.status_words)))
    return errors
