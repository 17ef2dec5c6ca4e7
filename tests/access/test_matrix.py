"""The visibility matrix: every role against every kind of catalog entry, in every channel
(package_show, resource_show, package_search and package_list APIs, the dataset, resource and
search pages, the file download, the DataStore API and its dump)."""
from __future__ import annotations

from typing import Any

import pytest
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.datong import access
from tests.access.conftest import CASES, World
from tests.worlds import ROLES

A, G, D, HIDDEN = access.ALLOWED, access.GRANT_REQUIRED, access.DENIED, None

MATRIX: dict[str, tuple[Any, ...]] = {
    #                     anonymous citizen county other_dept owner authority sysadmin
    "open":                (A,      A,      A,     A,         A,    A,        A),
    "cond_open":           (G,      G,      A,     A,         A,    A,        A),
    "cond_open_granted":   (G,      A,      A,     G,         A,    A,        A),
    "shared_open":         (HIDDEN, HIDDEN, A,     A,         A,    A,        A),
    "shared_cond":         (HIDDEN, HIDDEN, G,     G,         A,    A,        A),
    "shared_cond_granted": (HIDDEN, HIDDEN, G,     A,         A,    A,        A),
    "not_shared":          (HIDDEN, HIDDEN, HIDDEN, HIDDEN,   A,    A,        A),
    "private":             (HIDDEN, HIDDEN, HIDDEN, HIDDEN,   A,    HIDDEN,   A),
}
"""File status of each entry for each role (conftest.CASES and the grants of `world`);
HIDDEN: the role may not even see the metadata."""
assert set(MATRIX) == set(CASES)

EDITORS = ("owner", "sysadmin")
"""Roles that can update the entries: their package_show output is never touched."""
GOVERNMENT = ("county", "other_dept", "owner", "authority", "sysadmin")

CELLS = [(role, case) for case in MATRIX for role in ROLES]


def expected(role: str, case: str) -> Any:
    return MATRIX[case][ROLES.index(role)]


def visible(role: str, include_private: bool = True) -> set[str]:
    return {case for case in MATRIX if expected(role, case) is not HIDDEN
            and (include_private or not CASES[case].get("private"))}


@pytest.mark.parametrize("role, case", CELLS)
def test_package_show(world: World, role: str, case: str) -> None:
    status = expected(role, case)
    if status is HIDDEN:  # answered exactly as for an entry that does not exist
        with pytest.raises(tk.ObjectNotFound):
            helpers.call_action("package_show", context=world.context(role),
                                id=world.entries[case]["id"])
        return
    shown = helpers.call_action("package_show", context=world.context(role),
                                id=world.entries[case]["id"])
    if role in EDITORS:
        assert "datong_access" not in shown and shown["resources"][0]["url"]
        assert shown["data_grade"] == CASES[case]["data_grade"]
    else:
        assert shown["datong_access"] == {"download": status, "see_grade": role in GOVERNMENT}
        assert ("data_grade" in shown) is (role in GOVERNMENT)


@pytest.mark.parametrize("role, case", CELLS)
def test_resource_show(world: World, role: str, case: str) -> None:
    status = expected(role, case)
    resource_id = world.resources[case]["id"]
    if status is HIDDEN:
        with pytest.raises(tk.ObjectNotFound):
            helpers.call_action("resource_show", context=world.context(role), id=resource_id)
        return
    resource = helpers.call_action("resource_show", context=world.context(role), id=resource_id)
    if role in EDITORS:
        assert resource["url"].endswith(".csv") and "datong_download" not in resource
    elif status == A:
        assert resource["url"].endswith(".csv") and resource["datong_download"] == A
        assert "datong_download_message" not in resource
    else:
        assert resource["url"] == "" and resource["datong_download"] == status
        assert resource["datong_download_message"] == access.MESSAGES[status]


@pytest.mark.parametrize("role, case", CELLS)
def test_dataset_page(web: Any, world: World, role: str, case: str) -> None:
    response = web.get(f"/dataset/{world.entries[case]['name']}", headers=world.headers(role))
    assert response.status_code == (404 if expected(role, case) is HIDDEN else 200)


@pytest.mark.parametrize("role, case", CELLS)
def test_resource_page(web: Any, world: World, role: str, case: str) -> None:
    response = web.get(f"/dataset/{world.entries[case]['name']}/resource/{world.resources[case]['id']}",
                       headers=world.headers(role))
    assert response.status_code == (404 if expected(role, case) is HIDDEN else 200)


@pytest.mark.parametrize("role, case", CELLS)
def test_file_download(web: Any, world: World, role: str, case: str) -> None:
    status = expected(role, case)
    resource = world.resources[case]
    response = web.get(f"/dataset/{world.entries[case]['id']}/resource/{resource['id']}/download",
                       headers=world.headers(role))
    if status == A:
        assert response.status_code == 200
        assert response.get_data(as_text=True) == world.bodies[case]
    elif status is HIDDEN:
        assert response.status_code == 404
        assert world.bodies[case] not in response.body
    else:
        assert response.status_code == 403
        assert access.MESSAGES[status] in response.body
        assert world.bodies[case] not in response.body


@pytest.mark.parametrize("role, case", CELLS)
def test_datastore_search(world: World, role: str, case: str) -> None:
    resource_id = world.resources[case]["id"]
    if expected(role, case) == A:
        found = helpers.call_action("datastore_search", context=world.context(role),
                                    resource_id=resource_id)
        assert [record["线路"] for record in found["records"]] == ["1路", "2路"]
        info = helpers.call_action("datastore_info", context=world.context(role), id=resource_id)
        assert [column["id"] for column in info["fields"]] == ["线路", "站点数"]
    else:
        refused = tk.ObjectNotFound if expected(role, case) is HIDDEN else tk.NotAuthorized
        for action, key in (("datastore_search", "resource_id"), ("datastore_info", "id")):
            with pytest.raises(refused):
                helpers.call_action(action, context=world.context(role), **{key: resource_id})


@pytest.mark.parametrize("role, case", CELLS)
def test_datastore_dump(web: Any, world: World, role: str, case: str) -> None:
    status = expected(role, case)
    response = web.get(f"/datastore/dump/{world.resources[case]['id']}", headers=world.headers(role))
    if status == A:
        assert response.status_code == 200 and "1路" in response.body
    else:
        assert response.status_code == (404 if status is HIDDEN else 403)
        assert "1路" not in response.body


@pytest.mark.parametrize("role", ROLES)
def test_package_search_api(web: Any, world: World, role: str) -> None:
    """Count and presence as CKAN filters them by the permission labels; every result says
    what the caller may download (or is left untouched for its editors)."""
    for include_private in (True, False):
        response = web.get("/api/3/action/package_search", headers=world.headers(role),
                           query_string={"rows": 100, "include_private": include_private})
        result = response.json["result"]
        by_case = {dataset["name"].removeprefix("access-").replace("-", "_"): dataset
                   for dataset in result["results"]}
        assert set(by_case) == visible(role, include_private)
        assert result["count"] == len(by_case)
    for case, dataset in by_case.items():
        if role in EDITORS:
            assert "datong_access" not in dataset
        else:
            assert dataset["datong_access"]["download"] == expected(role, case)
            assert dataset["resources"][0]["datong_download"] == expected(role, case)
            assert bool(dataset["resources"][0]["url"]) is (expected(role, case) == A)


@pytest.mark.parametrize("role", ROLES)
def test_search_page(web: Any, world: World, role: str) -> None:
    body = web.get("/dataset/", headers=world.headers(role)).body
    shown = {case for case, entry in world.entries.items() if f'/dataset/{entry["name"]}"' in body}
    assert shown == visible(role)


@pytest.mark.parametrize("role", ROLES)
def test_package_list(world: World, role: str) -> None:
    names = helpers.call_action("package_list", context=world.context(role))
    assert set(names) == {world.entries[case]["name"] for case in visible(role, include_private=False)}
    assert helpers.call_action("package_list", context=world.context(role), limit=2, offset=1) \
        == sorted(names)[1:3]
