"""Every alert the CRM pack writes reads as a sentence in English and in Chinese: figures formatted (119 %,
100,000.00), never key=value, never "None"."""
from __future__ import annotations

import re

import pytest

from domain.control_points import CONTROL_POINTS, alert_words

EVIDENCE = {
    "credit_usage": [{"customer": "Precision 精密", "customer_id": 1, "usage": 1.1949, "threshold": 0.9,
                      "order_amount": 100000}, {"usage": None, "threshold": 0.9, "order_amount": None}],
    "prepayment": [{"customer": "Fresh 鲜品", "order_id": 7, "order_amount": 30000.5}, {}],
    "approved_quote_price": [{"customer": "Energy 能源", "order_id": 3, "quote_id": None, "order_amount": 138100.0},
                             {"order_id": 3, "quote_id": 2, "order_amount": 5000, "approved_price": None},
                             {"order_id": 3, "quote_id": 2, "order_amount": 5000, "approved_price": 4800.0}],
    "payment_terms_class": [{"customer": "Optics 光学", "customer_id": 4, "customer_class": "watch",
                             "payment_terms": "net60", "longest": "prepayment"}, {}],
    "forecast_deviation": [{"period": "2027-02", "forecast_amount": 100000.0, "actual": 69000.0, "deviation": 0.31,
                            "threshold": 0.3}, {"period": "2027-02", "forecast_amount": 0, "actual": 5000,
                                                "deviation": 1.0, "threshold": 0.3}],
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_control_point_has_its_sentences():
    assert {point.key for point in CONTROL_POINTS} == set(EVIDENCE)


@pytest.mark.parametrize(("point", "evidence"), [(p, e) for p, cases in EVIDENCE.items() for e in cases])
def test_an_alert_is_a_sentence_in_both_languages(point, evidence):
    english, chinese = alert_words(point, evidence)
    for text in (english, chinese):
        assert "=" not in text and "None" not in text and "_" not in text, text
        assert not re.search(r"(?<![-\d.,])\d{4,}(?:\.\d+)?(?![\d-])", text), text  # amounts grouped: 100,000.00
    assert english.rstrip().endswith(".") and chinese.rstrip().endswith("。"), (english, chinese)
    assert CJK.search(chinese) and not CJK.search(english.replace(evidence.get("customer", ""), ""))
    if evidence.get("usage") == 1.1949:
        assert "119 %" in english and "100,000.00" in english and "90 %" in chinese
