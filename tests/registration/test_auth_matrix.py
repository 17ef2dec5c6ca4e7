"""The registration auth matrix: every role against every registration action, with records in
the states each action applies to (auth only; the state rules are test_lifecycle.py)."""
from __future__ import annotations

from typing import Any, Iterator

import pytest
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from tests.registration.conftest import World, fields, issued, to_notice

ROLES = ("anonymous", "citizen", "county", "other_dept", "other_editor", "owner", "authority",
         "sysadmin")
EVERYBODY = set(ROLES)
SIGNED_IN = EVERYBODY - {"anonymous"}
GOVERNMENT = SIGNED_IN - {"citizen"}
HOLDER = {"owner", "sysadmin"}  # the sysadmin made (and so administers) the organizations
AUTHORITY = {"authority", "sysadmin"}
SEES_PRIVATE = {"owner", "authority", "sysadmin"}
OBJECTORS = {"citizen", "county", "other_dept", "other_editor", "authority"}
"""Not the holder's members (the sysadmin administers the owner's organization)."""


@pytest.fixture(scope="module")
def records(world: World) -> Iterator[dict[str, dict[str, Any]]]:
    """A record of the owner in each state an action applies to."""
    applied = world.call("owner", "datong_registration_create", **fields(world.entries["bus"]["id"]))
    accepted = world.call("owner", "datong_registration_create", **fields(world.entries["taxi"]["id"]))
    world.call("authority", "datong_registration_accept", id=accepted["id"], outcome="accept")
    returned = world.call("owner", "datong_registration_create",
                          **fields(world.entries["parking"]["id"]))
    world.call("authority", "datong_registration_accept", id=returned["id"], outcome="accept")
    world.call("authority", "datong_registration_review", id=returned["id"], outcome="return",
               reason="补充依据")
    notice = to_notice(world, world.entries["spare"]["id"])
    world.call("citizen", "datong_registration_object", id=notice["id"], reason="权属有争议")
    done = issued(world, world.entries["core"]["id"])
    changing = issued(world, world.entries["hidden"]["id"])
    world.call("owner", "datong_registration_change", id=changing["id"], reg_type="cancellation",
               reason="停止采集")
    yield {"applied": applied, "accepted": accepted, "returned": returned, "notice": notice,
           "issued": done, "changing": changing}


def cases(records: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any], set[str]]]:
    objection = helpers.call_action("datong_registration_show", context={"ignore_auth": True},
                                    id=records["notice"]["id"])["objections"][0]["id"]
    return [
        ("datong_registration_create", {}, GOVERNMENT),
        ("datong_registration_update", {"id": records["returned"]["id"]}, HOLDER),
        ("datong_registration_change", {"id": records["issued"]["id"]}, HOLDER),
        ("datong_registration_show", {"id": records["applied"]["id"]}, SEES_PRIVATE),
        ("datong_registration_show", {"id": records["issued"]["code"]}, EVERYBODY),
        ("datong_registration_show", {"id": records["notice"]["id"]}, EVERYBODY),
        ("datong_registration_list", {"role": "notice"}, EVERYBODY),
        ("datong_registration_list", {"role": "register"}, EVERYBODY),
        ("datong_registration_list", {"role": "mine"}, SIGNED_IN),
        ("datong_registration_list", {"role": "authority"}, AUTHORITY),
        ("datong_registration_accept", {"id": records["applied"]["id"], "outcome": "accept"},
         AUTHORITY),
        ("datong_registration_review", {"id": records["accepted"]["id"], "outcome": "pass"},
         AUTHORITY),
        ("datong_registration_settle", {"id": records["notice"]["id"], "outcome": "dismiss",
                                        "objection_id": objection}, AUTHORITY),
        ("datong_registration_issue", {"id": records["notice"]["id"]}, AUTHORITY),
        ("datong_registration_change_review", {"id": records["changing"]["id"],
                                               "outcome": "approve"}, AUTHORITY),
        ("datong_registration_object", {"id": records["notice"]["id"]}, OBJECTORS),
        ("datong_registration_verify", {}, EVERYBODY),
    ]


def test_every_registration_action_is_in_the_matrix(records) -> None:
    from ckanext.datong.logic.action import registration

    assert {action for action, _, _ in cases(records)} == set(registration.ACTIONS)


@pytest.mark.parametrize("role", ROLES)
def test_auth_matrix(world: World, records, role: str) -> None:
    context = world.context(role)
    wrong = []
    for action, data, allowed in cases(records):
        try:
            permitted = helpers.call_auth(action, dict(context), **data)
        except tk.NotAuthorized as refusal:
            permitted = False
            if not any("\u4e00" <= ch <= "\u9fff" for ch in str(refusal)):
                wrong.append(f"{action}: refusal not in Chinese: {refusal}")
        if permitted != (role in allowed):
            wrong.append(f"{action} {data}: {'allowed' if permitted else 'refused'}")
    assert not wrong, "\n".join(wrong)


def test_nobody_reviews_their_own_application(world: World, records) -> None:
    with pytest.raises(tk.NotAuthorized, match="不能审核本人提交的登记申请"):
        helpers.call_auth("datong_registration_accept", world.context("owner"),
                          id=records["applied"]["id"], outcome="accept")
