"""Bounded execution over HTTP: hostile models and data get a clear 4xx or an incident, never a 500."""
from __future__ import annotations

from tests.engine.bpmn_builder import gateway_model, loop_model

LOOP = loop_model("3000")
XML = {"Content-Type": "application/xml"}


def deploy(as_user, bpmn: bytes):
    return as_user("root").post("/api/processes", data=bpmn, headers=XML)


def test_a_loop_without_a_wait_state_answers_with_an_incident_and_the_case_stays_workable(as_user):
    assert deploy(as_user, LOOP).status_code == 201
    started = as_user("alice").post("/api/processes/looper/instances", json={"data": {"n": 0}})
    assert started.status_code == 201
    case = started.get_json()
    assert case["status"] == "error" and "did not reach a wait state" in case["incident"]["message"]
    assert case["incident"]["element_id"] in ("Task_Count", "Gateway_More") and case["incident"]["reference"]
    assert as_user("root").get(f"/api/instances/{case['id']}/history").status_code == 200
    found = as_user("root").get("/api/instances?incident=true&status=error").get_json()
    assert [i["id"] for i in found["items"]] == [case["id"]]
    assert as_user("root").post(f"/api/instances/{case['id']}/terminate", json={"reason": "loop"}).status_code == 200


def test_a_script_storing_a_function_is_an_incident_not_a_500(as_user):
    assert deploy(as_user, gateway_model(script="f = len")).status_code == 201
    case = as_user("alice").post("/api/processes/test_process/instances", json={"data": {"amount": 1}}).get_json()
    assert case["status"] == "error" and "'f'" in case["incident"]["message"]


def test_start_data_nested_900_deep_is_422_naming_the_field(as_user):
    assert deploy(as_user, gateway_model()).status_code == 201
    deep = "1"
    for _ in range(900):
        deep = '{"x": ' + deep + "}"
    response = as_user("alice").post("/api/processes/test_process/instances",
                                     data='{"data": {"amount": 1, "tree": ' + deep + "}}",
                                     headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["field"].startswith("tree.x.x")


def test_a_body_nested_100000_deep_is_400(as_user):
    body = "[" * 100_000 + "]" * 100_000
    response = as_user("alice").post("/api/processes/test_process/instances", data=body,
                                      headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "nested" in response.get_json()["error"]["message"]


def test_hostile_models_are_refused_naming_the_element(as_user):
    reserved = deploy(as_user, gateway_model().replace(b'"StartEvent_1"', b'"Start"'))
    assert reserved.status_code == 422
    assert reserved.get_json()["error"]["details"][0]["element_id"] == "Start"
    timer = deploy(as_user, gateway_model(extra='<bpmn:intermediateCatchEvent id="Timer_Soon"><bpmn:timerEventDefinition>'
                                                '<bpmn:timeDuration>soon</bpmn:timeDuration></bpmn:timerEventDefinition>'
                                                '</bpmn:intermediateCatchEvent>'))
    assert timer.status_code == 422
    assert {d["element_id"] for d in timer.get_json()["error"]["details"]} >= {"Timer_Soon"}


def test_a_query_parameter_with_a_nul_character_is_422_naming_it(as_user):
    refused = as_user("root").get("/api/tasks?business_key=SO%00-1")
    assert refused.status_code == 422
    assert "business_key" in str(refused.json["error"])
