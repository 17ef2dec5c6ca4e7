"""Grants extend the file decision: in force only while active and inside their period, for
the user or any organization the user belongs to, and only for the files they cover whole."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.tests import helpers

from ckanext.datong import access
from ckanext.datong.model import Grant
from tests.access.conftest import World, insert_grant, make_entry, upload_csv

A, G = access.ALLOWED, access.GRANT_REQUIRED


def status(world: World, role: str, case: str, resource_id: str | None = None) -> str:
    user = world.users[role]
    who = access.viewer(model.User.get(user["id"]) if user else None)
    entry = access.Entry.of_package(model.Package.get(world.entries[case]["id"]))
    return access.file_statuses(who, entry, [resource_id or world.resources[case]["id"]])[0]


@pytest.fixture
def grants(world: World):
    """Grants made by a test are removed after it."""
    made: list[Grant] = []
    yield made
    for grant in made:
        model.Session.delete(grant)
    model.Session.commit()


def test_expired_revoked_and_future_grants_do_not_count(world: World, grants: list) -> None:
    # the world already holds an expired grant to the county official and a revoked one to
    # the county organization
    assert status(world, "county", "shared_cond_granted") == G
    package_id = world.entries["shared_cond"]["id"]
    grants.append(insert_grant(package_id, user=world.users["county"], days=(1, 30)))
    assert status(world, "county", "shared_cond") == G
    grant = insert_grant(package_id, user=world.users["county"])
    grants.append(grant)
    assert status(world, "county", "shared_cond") == A
    grant.state = Grant.STATE_REVOKED
    model.Session.commit()
    assert status(world, "county", "shared_cond") == G
    grant.state = Grant.STATE_ACTIVE
    grant.valid_until = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)
    grant.valid_from = grant.valid_until - datetime.timedelta(days=1)
    model.Session.commit()
    assert status(world, "county", "shared_cond") == G


def test_an_organization_grant_counts_for_its_members_only(world: World, grants: list) -> None:
    grants.append(insert_grant(world.entries["shared_cond"]["id"], org=world.orgs["county"]))
    assert status(world, "county", "shared_cond") == A
    assert status(world, "other_dept", "shared_cond") == G


def test_grants_scoped_to_items_or_territory_do_not_open_the_whole_file(
        world: World, grants: list) -> None:
    package_id = world.entries["shared_cond"]["id"]
    grants.append(insert_grant(package_id, user=world.users["county"], items=["线路名称"]))
    grants.append(insert_grant(package_id, user=world.users["county"], region_code="140221"))
    assert status(world, "county", "shared_cond") == G


def test_a_resource_grant_covers_that_resource_only(world: World, grants: list) -> None:
    case = "cond_open"
    second = upload_csv(world.users["sysadmin"], world.entries[case]["id"], "第二个文件.csv", "a\n1\n")
    try:
        grants.append(insert_grant(world.entries[case]["id"], user=world.users["citizen"],
                                   resource_id=world.resources[case]["id"]))
        assert status(world, "citizen", case) == A
        assert status(world, "citizen", case, second["id"]) == G
        shown = helpers.call_action("package_show", context=world.context("citizen"),
                                    id=world.entries[case]["id"])
        assert shown["datong_access"]["download"] == G  # not every file
        assert [r["datong_download"] for r in shown["resources"]] == [A, G]
        assert [bool(r["url"]) for r in shown["resources"]] == [True, False]
    finally:
        helpers.call_action("resource_delete", context={"user": world.users["sysadmin"]["name"]},
                            id=second["id"])


def test_anonymous_visitors_have_no_grants(world: World) -> None:
    assert status(world, "anonymous", "cond_open_granted") == G


def test_a_grant_opens_the_download_end_to_end(web: Any, world: World, grants: list) -> None:
    entry, resource = world.entries["cond_open"], world.resources["cond_open"]
    url = f"/dataset/{entry['id']}/resource/{resource['id']}/download"
    assert web.get(url, headers=world.headers("citizen")).status_code == 403
    grants.append(insert_grant(entry["id"], user=world.users["citizen"], source="申请-42"))
    response = web.get(url, headers=world.headers("citizen"))
    assert response.status_code == 200 and response.body == world.bodies["cond_open"]


def test_the_table_refuses_malformed_grants(world: World) -> None:
    now = datetime.datetime.now(datetime.timezone.utc)
    malformed = [
        dict(grantee_user_id=world.users["citizen"]["id"], grantee_org_id=world.orgs["county"]["id"]),
        dict(),  # no grantee
        dict(grantee_user_id=world.users["citizen"]["id"], valid_until=now - datetime.timedelta(days=2)),
        dict(grantee_user_id=world.users["citizen"]["id"], state="pending"),
    ]
    for columns in malformed:
        columns = {"package_id": world.entries["open"]["id"], "valid_from": now - datetime.timedelta(days=1),
                   "valid_until": now + datetime.timedelta(days=1), **columns}
        model.Session.add(Grant(**columns))
        with pytest.raises(sa.exc.IntegrityError):
            model.Session.commit()
        model.Session.rollback()


def test_grants_go_with_their_dataset(world: World) -> None:
    entry = make_entry(world.users["sysadmin"], world.orgs["owner"], "将被清除的数据",
                       open_type="有条件开放", open_condition="签署数据利用协议")
    insert_grant(entry["id"], user=world.users["citizen"])
    helpers.call_action("dataset_purge", context={"user": world.users["sysadmin"]["name"]}, id=entry["id"])
    assert model.Session.query(Grant).filter_by(package_id=entry["id"]).count() == 0

