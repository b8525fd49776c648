"""Users over HTTP (/api/users): administrators create, change and deactivate them."""
from __future__ import annotations


def test_administrators_create_change_and_deactivate_users(as_user):
    root = as_user("root")
    created = root.post("/api/users", json={"username": "dora", "display_name": "Dora Ma 马朵", "roles": ["staff"],
                                            "groups": ["sales"], "region": "north"})
    assert created.status_code == 201 and created.json["groups"] == ["sales"]
    assert root.post("/api/users", json={"username": "dora"}).status_code == 409
    bad = root.post("/api/users", json={"username": "eve", "roles": ["god"], "groups": ["nope"], "region": "mars"})
    assert bad.status_code == 422 and {d["field"] for d in bad.json["error"]["details"]} == {"roles", "groups", "region"}
    moved = root.patch("/api/users/dora", json={"groups": ["finance"], "region": "east"})
    assert (moved.json["groups"], moved.json["region"]) == (["finance"], "east")
    assert root.patch("/api/users/alice", json={"active": False}).json["active"] is False
    assert as_user("alice").get("/api/tasks").status_code == 401  # her token stops working at once
    assert {u["username"] for u in root.get("/api/users").json} >= {"dora", "alice", "erp"}
    assert root.patch("/api/users/nobody", json={"active": False}).status_code == 404
    assert as_user("bob").get("/api/users").status_code == 403


def test_an_administrator_cannot_lock_themselves_out_and_null_leaves_a_field_alone(as_user):
    root = as_user("root")
    assert root.patch("/api/users/root", json={"active": False}).status_code == 409
    assert root.patch("/api/users/root", json={"roles": ["staff"]}).status_code == 409
    kept = root.patch("/api/users/bob", json={"display_name": None, "roles": None, "region": "east"})
    assert kept.status_code == 200 and kept.json["display_name"].startswith("Bob") and kept.json["region"] == "east"
    assert root.patch("/api/users/bob", json={"region": ""}).json["region"] is None
    assert root.patch("/api/users/bob").status_code == 400
    assert root.patch("/api/users/bob", data="null", headers={"Content-Type": "application/json"}).status_code in (
        400, 422)


def test_control_characters_in_a_stored_name_are_422_naming_the_field(as_user):
    base = {"username": "nul.user", "display_name": "Nul User", "roles": ["staff"]}
    for field, value in (("groups", ["sales\u0000"]), ("region", "east\u0000"), ("email", "a\u0000@example.com"),
                         ("roles", ["staff\u0007"])):
        refused = as_user("root").post("/api/users", json={**base, field: value})
        assert refused.status_code == 422, (field, refused.get_json())
        assert refused.get_json()["error"]["details"][0]["field"].startswith(field)
    assert as_user("root").post("/api/users", json={**base, "region": ""}).status_code in (200, 201)
