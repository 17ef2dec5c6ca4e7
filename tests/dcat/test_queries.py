"""Catalog queries: text with spaces and quotes answers (ckanext-dcat wrote them unencoded into
the paging links, which rdflib refused: a 500), malformed parameters a structured 400."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from rdflib import Namespace
from rdflib.namespace import DCAT

from tests.dcat import shacl

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")


@pytest.mark.parametrize("extension", ["ttl", "rdf", "jsonld"])
@pytest.mark.parametrize("q", ["公交 线路", '"公交', 'a"b c', '公交 "线路', "公交&page=9"])
def test_text_with_spaces_and_quotes(app: Any, catalog: SimpleNamespace, q: str,
                                     extension: str) -> None:
    response = app.get(f"/catalog.{extension}", query_string={"q": q})
    assert response.status_code == 200
    graph = shacl.parse(response.body, extension)
    for link in graph.objects(None, HYDRA.first):
        assert parse_qs(urlsplit(str(link)).query) == {"q": [q], "page": ["1"]}


def test_query_finds_entries(app: Any, catalog: SimpleNamespace) -> None:
    graph = shacl.parse(app.get("/catalog.ttl", query_string={"q": "公交 站点"}).body, "ttl")
    assert {str(entry) for entry in graph.objects(None, DCAT.dataset)} \
        == {f"http://test.ckan.net/dataset/{catalog.stops['id']}"}


@pytest.mark.parametrize("params, field", [
    ({"q": "title:(公交"}, "q"),
    ({"q": 'title:"公交'}, "q"),
    ({"page": "abc"}, "page"),
    ({"page": "0"}, "page"),
    ({"modified_since": "昨天"}, "modified_since"),
])
def test_malformed_parameters_answer_400(app: Any, catalog: SimpleNamespace,
                                         params: dict[str, str], field: str) -> None:
    response = app.get("/catalog.ttl", query_string=params)
    assert response.status_code == 400
    error = response.json["error"]
    assert error["__type"] == "Validation Error" and list(error) == ["__type", field]
    assert all("\u4e00" <= char <= "\u9fff" for char in error[field][0][:2])  # Chinese message


def test_unknown_format_answers_400(app: Any, catalog: SimpleNamespace) -> None:
    assert app.get("/catalog.foo").status_code == 400


def test_paging_links(app: Any, catalog: SimpleNamespace, ckan_config: Any, monkeypatch: Any) -> None:
    monkeypatch.setitem(ckan_config, "ckanext.dcat.datasets_per_page", 1)
    graph = shacl.parse(app.get("/catalog.ttl", query_string={"q": "公交", "page": "2"}).body, "ttl")
    assert len(list(graph.objects(None, DCAT.dataset))) == 1
    links = {str(p).rsplit("#", 1)[-1]: str(o) for p, o in graph.predicate_objects(None)
             if str(p).startswith(str(HYDRA)) and str(o).startswith("http")}
    assert parse_qs(urlsplit(links["previousPage"]).query) == {"q": ["公交"], "page": ["1"]}
    assert parse_qs(urlsplit(links["lastPage"]).query) == {"q": ["公交"], "page": ["2"]}
    assert "nextPage" not in links


def test_modified_since_in_beijing_time(app: Any, catalog: SimpleNamespace) -> None:
    graph = shacl.parse(app.get("/catalog.ttl", query_string={
        "modified_since": "2000-01-01T08:00:00"}).body, "ttl")
    assert len(list(graph.objects(None, DCAT.dataset))) == 2
    graph = shacl.parse(app.get("/catalog.ttl", query_string={
        "modified_since": "2999-01-01"}).body, "ttl")
    assert list(graph.objects(None, DCAT.dataset)) == []
