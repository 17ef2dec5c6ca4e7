"""Every query form CKAN's UI, API and CLI send, answered by the embedded index."""
from __future__ import annotations

import pytest
from ckan.lib.search import SearchQueryError

from tests.search.conftest import names, search

PUBLIC = {"bus-lines", "yungang-visitors", "bus-stops", "medical-insurance-clinics"}


@pytest.mark.parametrize(("q", "expected"), [
    ("公交", {"bus-lines"}),                       # a word inside 公交线路 (segmentation)
    ("公交线路", {"bus-lines"}),
    ("公交线路信息", {"bus-lines"}),                # one clause, two words
    ("线路 首末班", {"bus-lines"}),                 # two clauses, both required
    ("石窟 客流 地铁", {"yungang-visitors"}),       # three clauses: mm 2<-1 lets one miss
    ("石窟 地铁 火车", set()),                      # ... but not two
    ("stop", {"bus-stops"}),                       # English stemming: stops -> stop
    ("BUSES", {"bus-stops"}),
    ("医保 -药店", set()),                          # excluded word
    ("+医保 +药店", {"medical-insurance-clinics"}),
    ('"公交线路"', {"bus-lines"}),
    ('"起止 站点"', {"bus-lines"}),                 # adjacent words of the notes
    ('"站点 起止"', set()),                         # ... but not in this order
    ("空气质量", set()),                            # private: hidden from anonymous
    ("", PUBLIC),
    ('公交"', {"bus-lines"}),                       # DisMax drops an unbalanced quote
])
def test_plain_text(catalog, q, expected):
    assert names(search(q=q)) == expected


@pytest.mark.parametrize(("q", "expected"), [
    ("tags:公交", {"bus-lines"}),
    ("tags:交通", {"bus-lines", "bus-stops"}),
    ("organization:dt-jtj", {"bus-lines", "bus-stops", "medical-insurance-clinics"}),
    ("title:公交", {"bus-lines"}),
    ("notes:公交", {"bus-lines"}),
    ("title:首末班", set()),                        # in the notes, not the title
    ('title:"公交线路信息"', {"bus-lines"}),
    ('notes:"bus stops"', {"bus-stops"}),
    ('notes:"stops bus"', set()),
    ("tags:公交 OR tags:旅游", {"bus-lines", "yungang-visitors"}),
    ("tags:交通 AND res_format:JSON", {"bus-lines"}),
    ("tags:交通 AND NOT res_format:JSON", {"bus-stops"}),
    ("tags:交通 -res_format:JSON", {"bus-stops"}),
    ("+organization:dt-jtj -tags:交通", {"medical-insurance-clinics"}),
    ("(tags:旅游 OR tags:医保) AND organization:dt-wlj", {"yungang-visitors"}),
    ("name:bus*", {"bus-lines", "bus-stops"}),
    ("name:bus-?tops", {"bus-stops"}),
    ("title:公交*", {"bus-lines"}),
    ("res_format:CS*", {"bus-lines", "bus-stops"}),
    ("name:[a TO c]", {"bus-lines", "bus-stops"}),
    ("name:{bus-lines TO bus-stops]", {"bus-stops"}),
    ("metadata_modified:[NOW-1DAY TO NOW+1DAY]", PUBLIC),
    ("metadata_created:[* TO 2000-01-01T00:00:00Z]", set()),
    ("metadata_created:[2000-01-01 TO *]", PUBLIC),
    ("license_id:cc-by", {"bus-lines", "bus-stops"}),
    ("update_frequency:每季度", {"medical-insurance-clinics"}),
    ("extras_update_frequency:每季度", {"medical-insurance-clinics"}),
    ("text:石窟", {"yungang-visitors"}),
    ("*:*", PUBLIC),
    ("res_format:*", {"bus-lines", "yungang-visitors", "bus-stops"}),
    ("-tags:交通", {"yungang-visitors", "medical-insurance-clinics"}),
    ("title:公交^2 OR title:石窟", {"bus-lines", "yungang-visitors"}),
    ("tags:公交 || tags:旅游", {"bus-lines", "yungang-visitors"}),
    ("tags:交通 && res_format:JSON", {"bus-lines"}),
])
def test_lucene_syntax(catalog, q, expected):
    assert names(search(q=q)) == expected


def test_filters(catalog):
    assert names(search(fq="tags:交通")) == {"bus-lines", "bus-stops"}
    assert names(search(q="公交", fq="organization:dt-wlj")) == set()
    assert names(search(fq_list=["tags:交通", "res_format:CSV"])) == {"bus-lines", "bus-stops"}
    assert names(search(fq="+organization:dt-jtj", fq_list=["-tags:医保"])) == {"bus-lines", "bus-stops"}


def test_facets(catalog):
    result = search(**{"facet.field": '["organization", "tags", "res_format", "license_id"]',
                       "facet.limit": 2})
    facets = result["facets"]
    assert facets["organization"] == {"dt-jtj": 3, "dt-wlj": 1}
    assert facets["res_format"] == {"CSV": 2, "JSON": 1}  # two most frequent, ties by value
    assert facets["tags"] == {"交通": 2, "bus": 1}  # ties in byte order, as Solr's index order
    assert facets["license_id"] == {"cc-by": 2, "datong-open": 2}  # one chosen, one by default
    items = result["search_facets"]["organization"]["items"]
    assert {item["display_name"] for item in items} == {"大同市交通运输局", "大同市文化和旅游局"}
    filtered = search(q="交通", **{"facet.field": '["res_format"]'})
    assert filtered["facets"]["res_format"] == {"CSV": 2, "JSON": 1}


def test_sort_and_paging(catalog):
    by_name = search(sort="name asc", rows=2)
    assert [d["name"] for d in by_name["results"]] == ["bus-lines", "bus-stops"]
    assert by_name["count"] == 4
    second = search(sort="name asc", rows=2, start=2)
    assert [d["name"] for d in second["results"]] == ["medical-insurance-clinics", "yungang-visitors"]
    by_title = search(sort="title_string desc")
    titles = [d["title"] for d in by_title["results"]]
    assert titles == sorted(titles, reverse=True)
    newest = search(sort="metadata_modified desc")
    stamps = [d["metadata_modified"] for d in newest["results"]]
    assert stamps == sorted(stamps, reverse=True)
    ranked = search(q="公交 OR bus", sort="score desc, name asc")
    assert ranked["results"][0]["name"] == "bus-lines"  # matched in the title, weighed higher
    with pytest.raises(SearchQueryError):
        search(sort="name sideways")


def test_field_list(catalog):
    result = search(q="tags:公交", fl="name,title")
    assert result["results"] == [{"name": "bus-lines", "title": "大同市公交线路信息"}]


def test_private_datasets_follow_membership(catalog):
    assert "air-quality" not in names(search(include_private=True))
    assert "air-quality" not in names(search(catalog.citizen, include_private=True))
    assert "air-quality" not in names(search(catalog.transport_editor, include_private=True))
    assert "air-quality" in names(search(catalog.culture_editor, include_private=True))
    assert "air-quality" not in names(search(catalog.culture_editor))  # include_private off
    assert "air-quality" in names(search(catalog.admin, q="空气质量", include_private=True))


def test_drafts_only_for_their_creator(catalog):
    assert "draft-taxi" not in names(search(catalog.transport_editor, q="出租车"))
    assert names(search(catalog.transport_editor, q="出租车", include_drafts=True)) == {"draft-taxi"}
    assert names(search(catalog.culture_editor, q="出租车", include_drafts=True)) == set()


def test_index_documents_carry_ckan_fields(catalog):
    from ckan.lib.search import show
    doc = show("bus-lines")
    assert doc["organization"] == "dt-jtj"
    assert sorted(doc["res_format"]) == ["CSV", "JSON"]
    assert doc["capacity"] == "public"
