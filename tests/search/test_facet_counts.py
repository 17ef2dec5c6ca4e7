"""Facet counts kept per visibility class (search/summary.py): the empty query's counts come
from them, and after every kind of change they equal the counts over the documents, for
every reader, so an entry is never counted for someone who cannot see it."""
from __future__ import annotations

from typing import Any

import pytest
from ckan import model
from ckan.lib.search import index_for
from ckan.tests import helpers

from ckanext.datong.search import connection, engine, store, summary
from tests import factories, worlds

FACETS = ["organization", "tags", "res_format", "license_id", "open_type", "share_type"]


def hashable(row: Any) -> tuple[Any, ...]:
    return tuple(tuple(value) if isinstance(value, list) else value for value in row)


def recount() -> set[tuple[Any, ...]]:
    """The counts as the documents give them now (the migration's fill)."""
    columns = ", ".join(f"d.{c}" for c in summary.CLASS_COLUMNS)
    rows = model.Session.execute(f"""
        SELECT {columns}, t.field, t.value, count(*) FROM datong_search_doc d
        JOIN datong_search_term t ON t.doc_key = d.doc_key WHERE t.field = ANY(:fields)
        GROUP BY {columns}, t.field, t.value
        UNION ALL SELECT {columns}, '', '', count(*) FROM datong_search_doc d GROUP BY {columns}""",
        {"fields": sorted(summary.FIELDS)})
    return {hashable(row) for row in rows}


def kept() -> set[tuple[Any, ...]]:
    columns = ", ".join(summary.CLASS_COLUMNS)
    return {hashable(row) for row in model.Session.execute(
        f"SELECT {columns}, field, value, n FROM datong_search_facet WHERE n <> 0")}


def searches(monkeypatch: pytest.MonkeyPatch, users: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The empty query as each reader; each answer with the select request CKAN made."""
    made: list[dict[str, Any]] = []
    answer = connection.PostgresSearchConnection.search

    def spy(self: Any, q: str | None = None, **params: Any) -> Any:
        made.append({"q": q, **params})
        return answer(self, q, **params)

    monkeypatch.setattr(connection.PostgresSearchConnection, "search", spy)
    out = {}
    for role, user in users.items():
        context = {"user": user["name"] if user else "", "ignore_auth": False}
        found = helpers.call_action("package_search", context=context, q="", rows=0,
                                    include_private=True, **{"facet.field": str(FACETS).replace("'", '"')})
        out[role] = {"count": found["count"], "facets": found["facets"], "params": made[-1]}
    monkeypatch.undo()
    return out


def assert_counts_true(monkeypatch: pytest.MonkeyPatch, users: dict[str, Any]) -> dict[str, Any]:
    """The kept counts equal a recount, and every reader's empty query is answered from them
    with what counting its matching documents gives."""
    assert kept() == recount()
    answers = searches(monkeypatch, users)
    cur = store.cursor()
    for role, answer in answers.items():
        search = engine.Search(answer["params"])
        assert search.summarized(FACETS), role
        cur.execute(f"SELECT count(*) FROM datong_search_doc d WHERE {search.where}", search.compiler.params)
        assert answer["count"] == cur.fetchone()[0], role
        counted = search.count_facets(cur, FACETS)
        assert {f: dict(zip(v[::2], v[1::2])) for f, v in counted.items()} == answer["facets"], role
    return answers


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_kept_counts_follow_every_change(monkeypatch: pytest.MonkeyPatch) -> None:
    admin, editor, outsider = factories.Sysadmin(), factories.User(), factories.User()
    transport = worlds.department("大同市交通运输局", name="dt-jtj", editor=editor)
    culture = worlds.department("大同市文化和旅游局", name="dt-wlj", member=outsider)
    users = {"anonymous": None, "citizen": factories.User(), "editor": editor,
             "outsider": outsider, "sysadmin": admin}

    def create(**fields: Any) -> dict[str, Any]:
        return helpers.call_action("package_create", context={"user": admin["name"]},
                                   **factories.entry(**fields))

    bus = create(name="bus", owner_org=transport["id"], tags=[{"name": "公交"}, {"name": "交通"}],
                 resources=[{"url": "http://example.com/a.csv", "format": "CSV"}])
    shared = create(name="shared", owner_org=transport["id"], open_type="不予开放",
                    data_grade="一般-4", tags=[{"name": "交通"}])
    private = create(name="private", owner_org=culture["id"], private=True, tags=[{"name": "旅游"}])
    create(name="museum", owner_org=culture["id"], tags=[{"name": "旅游"}],
           resources=[{"url": "http://example.com/b.json", "format": "JSON"}])
    answers = assert_counts_true(monkeypatch, users)
    assert answers["anonymous"]["count"] == 2 and answers["citizen"]["count"] == 2
    assert answers["outsider"]["count"] == 4 and answers["editor"]["count"] == 3
    assert answers["anonymous"]["facets"]["tags"] == {"公交": 1, "交通": 1, "旅游": 1}

    def patch(entry: dict[str, Any], **fields: Any) -> None:
        helpers.call_action("package_patch", context={"user": admin["name"]}, id=entry["id"], **fields)

    patch(bus, tags=[{"name": "公交"}, {"name": "出行"}])
    assert_counts_true(monkeypatch, users)
    patch(private, private=False)
    patch(shared, open_type="无条件开放", data_grade="一般-1")
    answers = assert_counts_true(monkeypatch, users)
    assert answers["anonymous"]["count"] == 4
    patch(bus, private=True)
    answers = assert_counts_true(monkeypatch, users)
    assert answers["anonymous"]["facets"]["tags"] == {"交通": 1, "旅游": 2}
    helpers.call_action("package_delete", context={"user": admin["name"]}, id=shared["id"])
    assert_counts_true(monkeypatch, users)
    helpers.call_action("dataset_purge", context={"user": admin["name"]}, id=shared["id"])
    answers = assert_counts_true(monkeypatch, users)
    assert answers["sysadmin"]["count"] == 3

    before = kept()
    draft = helpers.call_action("package_show", id=private["id"])
    draft["tags"] = [{"name": "回滚"}]
    index_for(model.Package).index_package(draft, defer_commit=True)
    assert kept() == recount() != before  # the transaction sees its own change
    model.Session.rollback()
    assert kept() == before
    assert_counts_true(monkeypatch, users)

    store.delete_all_but(model.Session.execute("SELECT site_id FROM datong_search_doc").scalar(), [])
    model.Session.commit()
    assert kept() == recount() == set()
