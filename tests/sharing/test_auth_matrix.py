"""The sharing auth matrix: every role against every sharing, scenario, grant, inbox and audit
action, with requests in the states each action applies to. Auth only (the state rules are
tests/sharing/test_lifecycle.py); `call_auth` answers as the action's check_access would."""
from __future__ import annotations

from typing import Any, Iterator

import pytest
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.datong import clock
from tests.access.conftest import make_entry
from tests.sharing.conftest import World, request_fields

ROLES = ("anonymous", "citizen", "county", "other_county", "other_dept", "owner", "owner_admin",
         "authority", "sysadmin")
GOVERNMENT = {"county", "other_county", "other_dept", "owner", "owner_admin", "authority",
              "sysadmin"}
SIGNED_IN = set(ROLES) - {"anonymous"}
PROVIDER = {"owner", "owner_admin", "sysadmin"}  # the sysadmin made (and so administers) the orgs
AUTHORITY = {"authority", "sysadmin"}
REQUESTER = {"county"}
SEES_SUBMITTED = {"county", "owner", "owner_admin", "authority", "sysadmin"}
SEES_DRAFT = {"county", "sysadmin"}


@pytest.fixture(scope="module")
def requests(world: World) -> Iterator[dict[str, dict[str, Any]]]:
    """A request of the county official in each state an action applies to."""
    def new() -> dict[str, Any]:
        return world.call("county", "datong_request_create", **request_fields(world))

    def submitted() -> dict[str, Any]:
        return world.call("county", "datong_request_submit", id=new()["id"])

    made = {"draft": new(), "checking": submitted()}
    reviewing = submitted()
    made["reviewing"] = world.call("authority", "datong_request_check", id=reviewing["id"],
                                   outcome="pass")
    rejected = submitted()
    made["rejected"] = world.call("authority", "datong_request_check", id=rejected["id"],
                                  outcome="reject", reason="依据不足")
    disputed = submitted()
    world.call("authority", "datong_request_check", id=disputed["id"], outcome="reject",
               reason="依据不足")
    made["disputed"] = world.call("county", "datong_request_dispute", id=disputed["id"],
                                  reason="依据充分")
    approved = submitted()
    world.call("authority", "datong_request_check", id=approved["id"], outcome="pass")
    made["approved"] = world.call("owner", "datong_request_review", id=approved["id"],
                                  outcome="approve")
    make_entry(world.users["sysadmin"], world.orgs["owner"], "大同市公园游客量统计",
               name="matrix-park", open_type="有条件开放", open_condition="用于科研和公益用途")
    made["opening"] = world.call(
        "citizen", "datong_opening_create", package_id="matrix-park", applicant_kind="person",
        applicant_name="李明", purpose="课程论文", contact_phone="13912345678",
        end_date=clock.now().date().isoformat(), agreement=True)
    yield made


def cases(requests: dict[str, dict[str, Any]], world: World) -> list[tuple[str, dict, set[str]]]:
    """(action, parameters, roles allowed) for every action of the sharing half."""
    r = {state: request["id"] for state, request in requests.items()}
    grant = requests["approved"]["grants"][0]["id"]
    return [
        ("datong_request_create", {}, GOVERNMENT),
        ("datong_request_update", {"id": r["draft"]}, REQUESTER),
        ("datong_request_attach", {"id": r["draft"]}, REQUESTER),
        ("datong_request_detach", {"id": r["draft"]}, REQUESTER),
        ("datong_opening_create", {}, SIGNED_IN),
        ("datong_opening_update", {"id": r["opening"]}, {"citizen"}),
        ("datong_request_show", {"id": r["opening"]}, {"citizen", "sysadmin"}),
        ("datong_request_show", {"id": r["draft"]}, SEES_DRAFT),
        ("datong_request_show", {"id": r["checking"]}, SEES_SUBMITTED),
        ("datong_request_list", {}, SIGNED_IN),
        ("datong_request_list", {"role": "provider"}, GOVERNMENT),
        ("datong_request_list", {"role": "authority"}, AUTHORITY),
        ("datong_request_submit", {"id": r["draft"]}, REQUESTER),
        ("datong_request_withdraw", {"id": r["checking"]}, REQUESTER),
        ("datong_request_check", {"id": r["checking"], "outcome": "pass"}, AUTHORITY),
        ("datong_request_review", {"id": r["reviewing"], "outcome": "approve"}, PROVIDER),
        ("datong_request_dispute", {"id": r["rejected"]}, REQUESTER),
        ("datong_request_settle", {"id": r["disputed"], "outcome": "approve"}, AUTHORITY),
        ("datong_scenario_create", {}, AUTHORITY),
        ("datong_scenario_update", {"id": world.scenario["id"]}, AUTHORITY),
        ("datong_scenario_show", {"id": world.scenario["id"]}, GOVERNMENT),
        ("datong_scenario_list", {}, GOVERNMENT),
        ("datong_grant_list", {}, GOVERNMENT),
        ("datong_grant_revoke", {"id": grant}, PROVIDER | AUTHORITY),
        ("datong_notice_list", {}, SIGNED_IN),
        ("datong_notice_read", {}, SIGNED_IN),
        ("datong_audit_list", {}, GOVERNMENT),
        ("datong_audit_verify", {}, AUTHORITY),
    ]


def test_every_sharing_action_is_in_the_matrix(world: World, requests) -> None:
    from ckanext.datong.logic.action import sharing

    covered = {action for action, _, _ in cases(requests, world)}
    assert set(sharing.ACTIONS) | {"datong_audit_list", "datong_audit_verify"} == covered


@pytest.mark.parametrize("role", ROLES)
def test_auth_matrix(world: World, requests, role: str) -> None:
    context = world.context(role)
    wrong = []
    for action, data, allowed in cases(requests, world):
        try:
            permitted = helpers.call_auth(action, dict(context), **data)
        except tk.NotAuthorized as refusal:
            permitted = False
            message = str(refusal)
            if not any("\u4e00" <= ch <= "\u9fff" for ch in message):
                wrong.append(f"{action}: refusal not in Chinese: {message}")
        if permitted != (role in allowed):
            wrong.append(f"{action} {data}: {'allowed' if permitted else 'refused'}")
    assert not wrong, "\n".join(wrong)
