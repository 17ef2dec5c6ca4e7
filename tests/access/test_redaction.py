"""What each role is shown of an entry: grades and flagged 信息项 for government users only,
file URLs only to those who may download; and the callers whose dict is never touched
(editors, internal reads, the search index), so that nothing is lost on write-back."""
from __future__ import annotations

import json
from typing import Any

import pytest
from ckan import model
from ckan.lib.search import query_for
from ckan.tests import helpers

from ckanext.datong import access
from tests.access.conftest import ITEMS, World

PLAIN = ["线路名称"]
ALL_ITEMS = [item["item_name"] for item in ITEMS]


def item_names(dataset: dict[str, Any]) -> list[str]:
    return [item["item_name"] for item in dataset.get("items") or []]


@pytest.mark.parametrize("role, sees_grading", [
    ("anonymous", False), ("citizen", False), ("county", True), ("other_dept", True),
    ("authority", True), ("owner", True), ("sysadmin", True)])
def test_grading_and_flagged_items_only_for_government_users(
        world: World, role: str, sees_grading: bool) -> None:
    shown = helpers.call_action("package_show", context=world.context(role),
                                id=world.entries["open"]["id"])
    if sees_grading:
        assert shown["data_grade"] == "一般-1"
        assert item_names(shown) == ALL_ITEMS
        assert all(item["item_grade"] == "一般-1" for item in shown["items"])
    else:
        assert "data_grade" not in shown
        assert item_names(shown) == PLAIN
        assert "item_grade" not in shown["items"][0]
        assert shown["datong_access"]["see_grade"] is False


@pytest.mark.parametrize("role, sees_grading", [("citizen", False), ("county", True)])
def test_search_results_hide_grading_like_package_show(
        web: Any, world: World, role: str, sees_grading: bool) -> None:
    results = web.get("/api/3/action/package_search", headers=world.headers(role),
                      query_string={"fq": f"name:{world.entries['open']['name']}"}).json["result"]
    (dataset,) = results["results"]
    assert ("data_grade" in dataset) is sees_grading
    assert item_names(dataset) == (ALL_ITEMS if sees_grading else PLAIN)


@pytest.mark.parametrize("role", ["anonymous", "citizen"])
def test_hidden_items_cannot_be_found_by_name(world: World, role: str) -> None:
    """A search must not reveal that an entry holds a sensitive or personal 信息项."""
    def count(text: str) -> int:
        return helpers.call_action("package_search", context=world.context(role), q=text)["count"]

    assert count(PLAIN[0]) == 1
    assert [count(item["item_name"]) for item in ITEMS if access.flagged_item(item)] == [0, 0]


def test_unvalidated_output_is_redacted_too(world: World) -> None:
    """Unvalidated output carries the catalog fields as extras: hidden there as well."""
    context = dict(world.context("citizen"), validate=False, use_cache=False)
    shown = helpers.call_action("package_show", context=context, id=world.entries["open"]["id"])
    extras = {extra["key"]: extra["value"] for extra in shown["extras"]}
    assert "data_grade" not in extras
    assert [item["item_name"] for item in json.loads(extras["items"])] == PLAIN


def test_chosen_search_fields_are_redacted(web: Any, world: World) -> None:
    """`fl` returns index fields: the whole-dict fields are redacted, file URLs blanked
    unless every file may be downloaded."""
    result = web.get("/api/3/action/package_search", headers=world.headers("citizen"),
                     query_string={"fl": "id,name,validated_data_dict,res_url", "rows": 100}
                     ).json["result"]
    by_name = {row["name"]: row for row in result["results"]}
    opened = by_name[world.entries["open"]["name"]]
    assert opened["res_url"] and "data_grade" not in json.loads(opened["validated_data_dict"])
    conditional = by_name[world.entries["cond_open"]["name"]]
    assert conditional["res_url"] == []
    whole = json.loads(conditional["validated_data_dict"])
    assert whole["resources"][0]["url"] == ""
    assert whole["datong_access"]["download"] == access.GRANT_REQUIRED


def test_search_actions_redact_for_the_context_user(world: World) -> None:
    """package_search as an action redacts for its context's user, outside web requests too
    (the chained package_search runs inside access.searching); internal calls are untouched."""
    for role, case, grade_shown in (("citizen", "open", False), ("county", "shared_open", True)):
        found = helpers.call_action("package_search", context=world.context(role),
                                    fq=f"name:{world.entries[case]['name']}")
        (dataset,) = found["results"]
        assert ("data_grade" in dataset) is grade_shown
        assert dataset["datong_access"]["see_grade"] is grade_shown
    found = helpers.call_action("package_search", context={"ignore_auth": True},
                                fq=f"name:{world.entries['cond_open']['name']}")
    (dataset,) = found["results"]
    assert "datong_access" not in dataset and dataset["data_grade"] == "一般-2"


def test_search_without_its_context_is_redacted_as_anonymous(world: World) -> None:
    """CKAN's current_package_list_with_resources calls package_search as a plain function:
    outside a request nobody is known to be asking, so results are redacted as for anonymous."""
    listed = helpers.call_action("current_package_list_with_resources",
                                 context=world.context("county"), limit=100)
    by_name = {dataset["name"]: dataset for dataset in listed}
    shared = by_name[world.entries["shared_open"]["name"]]  # seen through the county's labels
    assert "data_grade" not in shared and shared["resources"][0]["url"] == ""


def test_pages_mark_downloads_for_editors_without_redacting(world: World) -> None:
    """On pages (for_view) editors get the marks too, with nothing hidden."""
    context = dict(world.context("owner"), for_view=True)
    shown = helpers.call_action("package_show", context=context, id=world.entries["shared_cond"]["id"])
    assert shown["datong_access"] == {"download": access.ALLOWED, "see_grade": True}
    assert shown["resources"][0]["datong_download"] == access.ALLOWED
    assert shown["resources"][0]["url"]


def test_editor_write_back_keeps_items_grade_and_urls(world: World) -> None:
    """package_patch builds on package_show: an editor's patch must keep every 信息项, the
    grade and the file URLs, in the database and in the search index."""
    entry = world.entries["shared_open"]
    helpers.call_action("package_patch", context=world.context("owner"), id=entry["id"],
                        notes="已更新的摘要。")
    helpers.call_action("resource_patch", context=world.context("owner"),
                        id=world.resources["shared_open"]["id"], description="已更新")
    stored = model.Package.get(entry["id"])
    assert stored.notes == "已更新的摘要。"
    assert [item["item_name"] for item in json.loads(stored.extras["items"])] == ALL_ITEMS
    assert stored.extras["data_grade"] == "一般-4"
    resource = model.Resource.get(world.resources["shared_open"]["id"])
    assert resource.url.endswith(".csv") and "datong_download" not in resource.extras
    indexed = query_for(model.Package).get_index(entry["id"])
    whole = json.loads(indexed["validated_data_dict"])
    assert item_names(whole) == ALL_ITEMS and whole["data_grade"] == "一般-4"
    assert "datong_access" not in whole and whole["resources"][0]["url"].endswith(".csv")
    # the other readers are still redacted after the write
    shown = helpers.call_action("package_show", context=world.context("county"), id=entry["id"])
    assert shown["datong_access"]["download"] == access.ALLOWED and item_names(shown) == ALL_ITEMS


def test_internal_reads_are_untouched(world: World) -> None:
    shown = helpers.call_action("package_show", context={"ignore_auth": True},
                                id=world.entries["shared_cond"]["id"])
    assert "datong_access" not in shown and shown["resources"][0]["url"]


def test_refusal_as_json(web: Any, world: World) -> None:
    resource = world.resources["cond_open"]
    response = web.get(f"/dataset/{world.entries['cond_open']['id']}/resource/{resource['id']}/download",
                       headers={**world.headers("citizen"), "Accept": "application/json"})
    assert response.status_code == 403
    assert response.json == {"success": False, "status": access.GRANT_REQUIRED,
                             "message": "该数据需申请授权后下载"}


def test_dcat_output_follows_the_same_decisions(web: Any, world: World) -> None:
    """ckanext-dcat builds on package_show and package_search: the same redaction applies, for
    an anonymous visitor whoever asks (the DCAT output is the public catalog, tests/dcat/)."""
    def jsonld(case: str, role: str = "citizen") -> Any:
        return web.get(f"/dataset/{world.entries[case]['name']}.jsonld", headers=world.headers(role))

    assert "/download/" in jsonld("open").body
    conditional = jsonld("cond_open")
    assert conditional.status_code == 200 and "/download/" not in conditional.body
    assert "/download/" not in jsonld("cond_open", "county").body
    hidden = jsonld("not_shared")
    assert hidden.status_code in (403, 404) and world.entries["not_shared"]["title"] not in hidden.body
    catalog = web.get("/catalog.jsonld").body
    assert {case for case, entry in world.entries.items() if entry["id"] in catalog} \
        == {"open", "cond_open", "cond_open_granted"}


@pytest.mark.parametrize("role, sees_hidden", [
    ("anonymous", False), ("citizen", False), ("county", False), ("owner", True),
    ("authority", True)])
def test_related_codes_name_only_entries_the_reader_may_see(
        web: Any, world: World, role: str, sees_hidden: bool) -> None:
    """A 关联资源代码 names an entry: the code of one the reader may not see is left out of
    package_show (validated and not), search results and chosen search fields."""
    sysadmin = {"user": world.users["sysadmin"]["name"]}
    hidden, public = (world.entries[case]["resource_code"] for case in ("not_shared", "cond_open"))
    entry = world.entries["open"]["id"]
    helpers.call_action("package_patch", context=sysadmin, id=entry, related_codes=[hidden, public])
    try:
        expected = [hidden, public] if sees_hidden else [public]
        context = world.context(role)
        assert helpers.call_action("package_show", context=dict(context), id=entry)[
            "related_codes"] == expected
        raw = helpers.call_action("package_show", context=dict(context, validate=False,
                                                                use_cache=False), id=entry)
        assert json.loads({e["key"]: e["value"] for e in raw["extras"]}["related_codes"]) == expected
        found = web.get("/api/3/action/package_search", headers=world.headers(role),
                        query_string={"fq": f"id:{entry}"}).json["result"]["results"]
        assert found[0]["related_codes"] == expected
    finally:
        helpers.call_action("package_patch", context=sysadmin, id=entry, related_codes=[])


@pytest.mark.parametrize("role", ["anonymous", "citizen", "county", "other_dept", "authority",
                                  "owner", "sysadmin"])
def test_updatable_entries_are_those_package_update_allows(world: World, role: str) -> None:
    """Search results ask who may update a whole page at once: the same answer as CKAN's
    package_update auth asked entry by entry."""
    user = world.users[role]
    who = access.viewer(model.User.get(user["name"]) if user else None)
    ids = [entry["id"] for entry in world.entries.values()]
    assert access.updatable(who, ids) == {
        package_id for package_id in ids
        if who.user is not None and access.authorized(who, "package_update", package_id)}
    assert bool(access.updatable(who, ids)) is (role in ("owner", "sysadmin"))


def test_search_results_of_editors_are_untouched_and_others_redacted(world: World) -> None:
    """An editor's search results are written back like package_show output: untouched; the
    same search for another government user is marked and redacted."""
    query = {"q": "访问测试", "rows": 100, "include_private": True}
    for role, untouched in (("owner", True), ("other_dept", False)):
        found = helpers.call_action("package_search", context=world.context(role), **query)
        assert found["results"]
        assert all(("datong_access" not in dataset) is untouched for dataset in found["results"])
