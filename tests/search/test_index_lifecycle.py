"""The index follows every change to the catalog, inside the same transaction."""
from __future__ import annotations

import pytest
from ckan import model
from ckan.tests import helpers

from tests import factories
from sqlalchemy import event

from tests.search.conftest import names, search


def index_rows() -> int:
    return model.Session.execute("SELECT count(*) FROM datong_search_doc").scalar()


@pytest.mark.usefixtures("clean_db", "with_plugins")
class TestIndexFollowsActions:
    def test_create_update_delete(self):
        admin = factories.Sysadmin()
        context = {"user": admin["name"]}
        dataset = helpers.call_action(
            "package_create", context=dict(context),
            **factories.entry(name="heating", title="集中供热热源厂名录",
                              owner_org=factories.Organization()["id"]))
        assert names(search(q="供热")) == {"heating"}
        helpers.call_action("package_patch", context=dict(context), id=dataset["id"],
                            title="城市燃气供应企业名录")
        assert names(search(q="供热")) == set()
        assert names(search(q="燃气")) == {"heating"}
        helpers.call_action("package_patch", context=dict(context), id=dataset["id"], private=True)
        assert names(search(q="燃气")) == set()
        helpers.call_action("package_patch", context=dict(context), id=dataset["id"], private=False)
        helpers.call_action("package_delete", context=dict(context), id=dataset["id"])
        assert names(search(q="燃气")) == set()
        assert index_rows() == 0  # ckan.search.remove_deleted_packages: the row is gone

    def test_a_failed_commit_leaves_no_index_row(self):
        """The index write runs inside the dataset's transaction: when the commit fails after
        CKAN indexed the dataset, neither the dataset nor its index row remains."""
        org = factories.Organization()

        def fail(session):
            raise RuntimeError("simulated failure after indexing")

        event.listen(model.Session, "before_commit", fail)  # runs after CKAN's indexing
        try:
            with pytest.raises(RuntimeError):
                helpers.call_action("package_create", **factories.entry(
                    name="doomed", title="注定失败的数据集", owner_org=org["id"]))
        finally:
            event.remove(model.Session, "before_commit", fail)
        model.Session.rollback()
        assert model.Package.get("doomed") is None
        assert index_rows() == 0
        assert names(search(q="注定失败")) == set()


MALFORMED = [
    'title:"公交',                            # unbalanced quote
    "title:(公交",                            # unbalanced bracket
    "title:",                                 # field with no value
    "name:[a TO",                             # unfinished range
    "metadata_modified:[yesterday TO NOW]",   # not a date
    "title:/regex.*/",
    "title:(a AND title:b)",                  # nested field
    "title:" + "(" * 3000 + "a" + ")" * 3000,  # nesting deeper than any parser's stack
]
INJECTIONS = [
    "'; DROP TABLE package; --",
    "name:x'); DROP TABLE datong_search_doc; --",
    'title:"\\"; DELETE FROM datong_search_term; --"',
    "tags:(a) OR 7=7 --",
    "res_format:%",
    "name:_",
    "title:'",
    "title:\\'*",
    "metadata_modified:[NOW-1DAY'; DROP TABLE package;-- TO NOW]",
]


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_cached_counts_never_outlive_a_change():
    """Counts and facets come from the cache only while the index is unchanged, and what a
    transaction sees of its own uncommitted writes is never cached for others."""
    org = factories.Organization()
    factories.Dataset(title="城市道路桥梁名录", owner_org=org["id"], tags=[{"name": "桥梁"}])
    facets = {"facet.field": '["tags"]'}
    assert search(q="桥梁", **facets)["facets"]["tags"] == {"桥梁": 1}
    assert search(q="桥梁", **facets)["facets"]["tags"] == {"桥梁": 1}  # served from the cache
    factories.Dataset(title="城市桥梁检测报告", owner_org=org["id"], tags=[{"name": "桥梁"}])
    assert search(q="桥梁", **facets)["facets"]["tags"] == {"桥梁": 2}

    from ckan.lib.search import index_for
    draft = helpers.call_action("package_show", id=factories.Dataset(owner_org=org["id"])["id"])
    draft["title"], draft["tags"] = "未提交的桥梁数据", [{"name": "桥梁"}]
    index_for(model.Package).index_package(draft, defer_commit=True)
    assert search(q="桥梁", **facets)["facets"]["tags"] == {"桥梁": 3}  # this transaction's view
    model.Session.rollback()
    assert search(q="桥梁", **facets)["facets"]["tags"] == {"桥梁": 2}


@pytest.mark.usefixtures("clean_db", "with_plugins")
class TestBadQueries:
    def test_malformed_queries_are_search_errors(self, app):
        for q in MALFORMED:
            response = app.get("/api/3/action/package_search", query_string={"q": q}, status=409)
            assert response.json["error"]["__type"] == "Search Error", q
            assert response.json["success"] is False

    def test_bad_sort_and_rows(self, app):
        response = app.get("/api/3/action/package_search", query_string={"sort": "name; DROP TABLE package"},
                           status=400)
        assert response.json["error"]["__type"] == "Search Query Error"
        app.get("/api/3/action/package_search", query_string={"rows": "many"}, status=409)

    def test_injection_strings_are_only_text(self, app):
        dataset = factories.Dataset(title="防注入测试数据集", tags=[{"name": "安全"}],
                                    owner_org=factories.Organization()["id"])
        for q in INJECTIONS:
            for params in ({"q": q}, {"fq": q}, {"q": "安全", "fq": f'tags:"{q}"'}, {"sort": q}):
                response = app.get("/api/3/action/package_search", query_string=params)
                assert response.status_code in (200, 400, 409), (params, response.status_code)
                if response.status_code == 200:
                    assert dataset["name"] not in [d["name"] for d in response.json["result"]["results"]], params
        assert names(search(q="防注入")) == {dataset["name"]}
        assert model.Package.get(dataset["id"]) is not None

    def test_search_page_shows_the_error_not_a_500(self, app):
        factories.Dataset(title="公交线路", owner_org=factories.Organization()["id"])
        response = app.get("/dataset/", query_string={"q": 'title:"公交'})
        assert response.status_code == 200
        assert "搜索" in response.get_data(as_text=True)
