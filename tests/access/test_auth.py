"""The permission labels, the chained auth functions and the download guard's endpoints."""
from __future__ import annotations

import pytest
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import helpers

from ckanext.datong import access
from ckanext.datong.logic.auth.catalog import RESOURCE_SEARCH_MESSAGE
from ckanext.datong.views.access import download_target
from tests.access.conftest import World
from tests.worlds import ROLES


def test_dataset_labels(world: World) -> None:
    owner = world.orgs["owner"]["id"]
    labels = {case: access.dataset_labels(model.Package.get(entry["id"]))
              for case, entry in world.entries.items()}
    assert labels["open"] == labels["cond_open"] == ["public"]
    assert labels["shared_open"] == labels["shared_cond"] == [f"member-{owner}", "datong-government"]
    assert labels["not_shared"] == [f"member-{owner}", "datong-authority"]
    assert labels["private"] == [f"member-{owner}"]  # CKAN's own rule


@pytest.mark.parametrize("role, extra", [
    ("anonymous", set()), ("citizen", set()), ("county", {"datong-government"}),
    ("other_dept", {"datong-government"}), ("owner", {"datong-government"}),
    ("authority", {"datong-government", "datong-authority"})])
def test_user_labels(world: World, role: str, extra: set[str]) -> None:
    user = world.users[role]
    labels = set(access.user_labels(model.User.get(user["id"]) if user else None))
    assert labels & {"datong-government", "datong-authority"} == extra
    assert "public" in labels


def test_a_deleted_membership_ends_the_government_role(world: World) -> None:
    county, official = world.orgs["county"], world.users["county"]
    sysadmin = {"user": world.users["sysadmin"]["name"]}
    helpers.call_action("organization_member_delete", context=dict(sysadmin),
                        id=county["id"], username=official["name"])
    try:
        assert access.viewer(model.User.get(official["id"])).government is False
        with pytest.raises(tk.ObjectNotFound):  # unseen entries do not exist for the caller
            helpers.call_action("package_show", context=world.context("county"),
                                id=world.entries["shared_open"]["id"])
    finally:
        helpers.call_action("organization_member_create", context=dict(sysadmin),
                            id=county["id"], username=official["name"], role="member")
    assert access.viewer(model.User.get(official["id"])).government is True


@pytest.mark.parametrize("role", ROLES)
def test_resource_search_only_for_the_authority(world: World, role: str) -> None:
    """CKAN's resource_search ignores the labels and returns file URLs."""
    if role in ("authority", "sysadmin"):
        found = helpers.call_action("resource_search", context=world.context(role),
                                    query="name:公交线路")
        assert found["count"] == 7  # every entry but the private one
    else:
        with pytest.raises(tk.NotAuthorized, match=RESOURCE_SEARCH_MESSAGE):
            helpers.call_action("resource_search", context=world.context(role),
                                query="name:公交线路")


@pytest.mark.parametrize("role, allowed", [
    ("anonymous", False), ("citizen", False), ("county", True), ("owner", True)])
def test_datastore_search_sql_needs_every_table(world: World, role: str, allowed: bool) -> None:
    tables = [world.resources["open"]["id"], world.resources["cond_open"]["id"]]
    context = dict(world.context(role), table_names=tables)
    if allowed:
        assert tk.check_access("datastore_search_sql", context)
    else:
        with pytest.raises(tk.NotAuthorized, match=access.MESSAGES[access.GRANT_REQUIRED]):
            tk.check_access("datastore_search_sql", context)


@pytest.mark.parametrize("endpoint, target", [
    ("resource.download", "r1"), ("dataset_resource.download", "r1"),
    ("spatial_resource.download", "r1"), ("datastore.dump", "r1"),
    ("dataset_resource.read", None), ("dataset.read", None), (None, None)])
def test_download_endpoints(endpoint: str | None, target: str | None) -> None:
    assert download_target(endpoint, {"id": "d1", "resource_id": "r1"}) == target
