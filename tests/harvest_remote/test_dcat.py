"""datong_dcat on DCAT-AP feeds built at test time from the real Hangzhou catalog (Turtle,
paged RDF/XML, JSON-LD, a looping pager) served on 127.0.0.1, and on the real Rostock
catalog when ../shared is present."""
from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
from ckan import model, plugins
from ckan.tests import helpers
from ckanext.harvest.model import HarvestGatherError
from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF

from ckanext.datong.harvesters import base
from ckanext.datong.harvesters.dcat import DatongDcatHarvester, date_part, sniff_format
from tests import worlds
from tests.hangzhou import convert
from tests.harvest_remote.conftest import (HAS_CJK, REPO, create_source, object_errors, run_job, site_context,
                                           source_datasets)

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
EU = "http://publications.europa.eu/resource/authority/"
FREQUENCY_CODES = {"实时": "CONT", "每日": "DAILY", "每周": "WEEKLY", "每月": "MONTHLY", "每季度": "QUARTERLY",
                   "每半年": "ANNUAL_2", "每年": "ANNUAL", "其他": "OTHER"}
FILE_TYPES = {"API": "JSON", "DATA": "CSV"}
DEFAULTS = {"resource_class": "301001", "industry_domain": "政务", "catalog_format": "电子表格",
            "share_type": "无条件共享", "open_type": "无条件开放", "spatial_scope": "140200",
            "data_grade": "一般-1"}
ROSTOCK = REPO.parent / "shared" / "data" / "realworld" / "de_rostock_opendata-hro_dcat-ap-de_catalog.rdf"
SHAPES = REPO / "tests" / "data" / "dcat-ap_3.0.1_SHACL.ttl"
ENTRIES, PAGE = 24, 10


def hangzhou_entries() -> list[convert.Entry]:
    """The first Hangzhou entries whose titles fit the schema."""
    found = [e for e in convert.entries(convert.read()[:120]) if len(e.package["title"]) <= 50]
    return found[:ENTRIES]


def dataset_uri(entry: convert.Entry) -> URIRef:
    return URIRef(entry.records[0]["详情页网址"])


def catalog_graph(entries: list[convert.Entry], page: str | None = None, next_page: str | None = None) -> Graph:
    """A DCAT-AP catalog of `entries`; with `page`, one hydra page pointing to `next_page`."""
    graph = Graph()
    graph.bind("dcat", DCAT)
    graph.bind("dct", DCTERMS)
    graph.bind("hydra", HYDRA)
    catalog = URIRef("https://data.hangzhou.gov.cn/catalog")
    publisher = URIRef("https://data.hangzhou.gov.cn/")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal("杭州市公共数据开放平台", lang="zh")))
    graph.add((catalog, DCTERMS.description, Literal("杭州市公共数据开放目录（测试用子集）", lang="zh")))
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal("杭州市数据资源管理局", lang="zh")))
    for entry in entries:
        package, uri = entry.package, dataset_uri(entry)
        graph.add((catalog, DCAT.dataset, uri))
        graph.add((uri, RDF.type, DCAT.Dataset))
        graph.add((uri, DCTERMS.identifier, Literal(str(uri))))
        graph.add((uri, DCTERMS.title, Literal(package["title"], lang="zh")))
        graph.add((uri, DCTERMS.description, Literal(package["notes"], lang="zh")))
        graph.add((uri, DCTERMS.issued, Literal(package["publish_date"], datatype=XSD.date)))
        frequency = URIRef(EU + "frequency/" + FREQUENCY_CODES[package["update_frequency"]])
        graph.add((uri, DCTERMS.accrualPeriodicity, frequency))
        graph.add((frequency, RDF.type, DCTERMS.Frequency))
        graph.add((uri, DCAT.keyword, Literal(entry.key[1], lang="zh")))
        graph.add((uri, DCAT.landingPage, uri))
        graph.add((uri, RDF.type, FOAF.Document))  # the dataset's IRI is its page on the source portal
        agent = BNode()
        graph.add((uri, DCTERMS.publisher, agent))
        graph.add((agent, RDF.type, FOAF.Agent))
        graph.add((agent, FOAF.name, Literal(entry.key[1], lang="zh")))
        for number, resource in enumerate(package["resources"]):
            distribution = URIRef(f"{uri}#distribution-{number}")
            file_type = URIRef(EU + "file-type/" + FILE_TYPES[resource["format"]])
            graph.add((uri, DCAT.distribution, distribution))
            graph.add((distribution, RDF.type, DCAT.Distribution))
            graph.add((distribution, DCTERMS.title, Literal(resource["name"], lang="zh")))
            graph.add((distribution, DCAT.accessURL, URIRef(resource["url"])))
            graph.add((distribution, DCTERMS.format, file_type))
            graph.add((file_type, RDF.type, DCTERMS.MediaTypeOrExtent))
    if page:
        graph.add((URIRef(page), RDF.type, HYDRA.PagedCollection))
        graph.add((URIRef(page), HYDRA.totalItems, Literal(ENTRIES)))
        if next_page:
            graph.add((URIRef(page), HYDRA.next, URIRef(next_page)))
    return graph


def publish_pages(server: SimpleNamespace, prefix: str, entries: list[convert.Entry], loop: bool = False) -> str:
    """RDF/XML pages of PAGE entries under `prefix`; with `loop` the last page points back to
    the first. Returns the first page's URL."""
    chunks = [entries[i:i + PAGE] for i in range(0, len(entries), PAGE)]
    urls = [f"{server.url}{prefix}/page-{n + 1}.rdf" for n in range(len(chunks))]
    for number, chunk in enumerate(chunks):
        following = urls[number + 1] if number + 1 < len(urls) else (urls[0] if loop else None)
        graph = catalog_graph(chunk, urls[number], following)
        server.documents[urls[number][len(server.url):]] = (graph.serialize(format="xml").encode(),
                                                            "application/rdf+xml")
    return urls[0]


@pytest.fixture(scope="module")
def world(feed_server, reset_db) -> Iterator[SimpleNamespace]:
    plugins.load_all()
    reset_db()
    entries = hangzhou_entries()
    feed_server.documents["/catalog.ttl"] = (catalog_graph(entries).serialize(format="turtle").encode(),
                                             "text/turtle")
    feed_server.documents["/catalog.jsonld"] = (catalog_graph(entries).serialize(format="json-ld").encode(),
                                                "application/ld+json")
    org = worlds.department()
    source = create_source(org["id"], "datong_dcat", feed_server.url + "/catalog.ttl",
                           {"defaults": DEFAULTS}, "hangzhou-dcat")
    yield SimpleNamespace(server=feed_server, entries=entries, org=org, source=source,
                          paged=publish_pages(feed_server, "/paged", entries),
                          looping=publish_pages(feed_server, "/loop", entries, loop=True))
    plugins.unload_all()


def collect(url: str, config: dict[str, Any]) -> list[base.RemoteEntry]:
    return list(DatongDcatHarvester().prepared(url, {"defaults": DEFAULTS, **config}, None, lambda message: None))


def test_turtle_feed_becomes_catalog_entries(world) -> None:
    job = run_job(world.source)
    assert job["stats"].get("added") == ENTRIES, (job, object_errors(job["id"]))
    local = {d["title"]: d for d in source_datasets(world.source["id"])}
    assert len(local) == ENTRIES
    for entry in world.entries:
        package, copy = entry.package, local[entry.package["title"]]
        assert copy["notes"] == package["notes"]
        assert copy["publish_date"] == package["publish_date"]
        assert copy["update_frequency"] == package["update_frequency"]
        assert [t["name"] for t in copy["tags"]] == [entry.key[1]]
        assert sorted((r["url"], r["format"]) for r in copy["resources"]) == \
            sorted((r["url"], FILE_TYPES[r["format"]]) for r in package["resources"])
        for field, value in DEFAULTS.items():  # what DCAT does not say comes from the source config
            assert copy[field] == value, field
        assert copy["owner_org"] == world.org["id"] and copy["resource_code"].startswith("301001/")


def test_second_run_finds_nothing_changed(world) -> None:
    job = run_job(world.source)
    assert job["stats"].get("not modified") == ENTRIES, job
    assert not any(job["stats"].get(key) for key in ("added", "updated", "errored", "deleted"))


def test_paged_rdfxml_and_jsonld_give_the_same_entries(world) -> None:
    turtle = collect(world.source["url"], {})
    assert len(turtle) == ENTRIES and len({e.guid for e in turtle}) == ENTRIES
    expected = {e.guid: (e.data, e.origin_url) for e in turtle}
    for url in (world.paged, world.server.url + "/catalog.jsonld"):
        found = collect(url, {})
        assert {e.guid: (e.data, e.origin_url) for e in found} == expected, url


def test_a_looping_pager_stops_with_a_reason_and_changes_nothing(world) -> None:
    with pytest.raises(base.SourceError, match="分页出现循环"):
        collect(world.looping, {})
    helpers.call_action("harvest_source_patch", context=site_context(), id=world.source["id"], url=world.looping)
    try:
        job = run_job(world.source)
    finally:
        helpers.call_action("harvest_source_patch", context=site_context(), id=world.source["id"],
                            url=world.server.url + "/catalog.ttl")
    messages = [m for (m,) in model.Session.query(HarvestGatherError.message).filter(
        HarvestGatherError.harvest_job_id == job["id"])]
    assert any("分页出现循环" in message for message in messages), messages
    assert not any(job["stats"].get(key) for key in ("added", "updated", "deleted"))
    assert sum(not d["private"] for d in source_datasets(world.source["id"])) == ENTRIES


def test_the_page_limit_and_unparsable_pages_fail_the_source(world) -> None:
    with pytest.raises(base.SourceError, match="超过 2 页的上限"):
        collect(world.paged, {"max_pages": 2})
    assert len(collect(world.paged, {"max_pages": 3})) == ENTRIES
    world.server.documents["/broken.ttl"] = (b"@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<a> dcat:x", "text/turtle")
    with pytest.raises(base.SourceError, match="无法按 turtle 格式解析"):
        collect(world.server.url + "/broken.ttl", {})


def test_entries_removed_or_edited_in_the_feed_are_followed(world) -> None:
    changed = [dict(e.package) for e in world.entries]
    entries = [convert.Entry(e.key, e.records, p) for e, p in zip(world.entries, changed)]
    entries[0].package["notes"] = entries[0].package["notes"] + "（已修订）"
    kept = entries[:-2]
    world.server.documents["/catalog.ttl"] = (catalog_graph(kept).serialize(format="turtle").encode(), "text/turtle")
    job = run_job(world.source)
    assert (job["stats"].get("updated"), job["stats"].get("deleted")) == (1, 2), job
    local = {d["title"]: d for d in source_datasets(world.source["id"])}
    assert local[kept[0].package["title"]]["notes"].endswith("（已修订）")
    assert [local[e.package["title"]]["private"] for e in entries[-2:]] == [True, True]


@pytest.mark.parametrize("config, fragment", [
    ({}, "resource_class"),
    ({"defaults": {k: v for k, v in DEFAULTS.items() if k != "data_grade"}}, "data_grade"),
    ({"defaults": DEFAULTS, "format": "n3"}, "format"),
    ({"defaults": DEFAULTS, "max_pages": 0}, "max_pages"),
    ({"defaults": DEFAULTS, "truncate": "yes"}, "truncate"),
])
def test_bad_configs_are_refused_in_chinese(world, config, fragment) -> None:
    with pytest.raises(ValueError) as error:
        DatongDcatHarvester().validate_config(json.dumps(config))
    assert fragment in str(error.value) and HAS_CJK.search(str(error.value))


def test_dates_and_formats() -> None:
    assert date_part("2013-02-15T12:27:17") == "2013-02-15"
    assert date_part("2013-02-30T12:27:17") == "2013-02-30T12:27:17"  # left to the 发布日期 validator
    assert [sniff_format(b) for b in (b"\xef\xbb\xbf <?xml", b" {\"@context\"", b"@prefix")] == \
        ["xml", "json-ld", "turtle"]


@pytest.mark.skipif(not ROSTOCK.exists(), reason=f"real Rostock catalog missing: {ROSTOCK}")
def test_the_real_rostock_catalog(world) -> None:
    """100 real datasets with real defects (descriptions over 256 characters among them):
    each one is imported or refused with a Chinese reason, and the job goes on. With
    "truncate" every entry fits."""
    world.server.documents["/rostock.rdf"] = (ROSTOCK.read_bytes(), "application/rdf+xml")
    config = {"defaults": {**DEFAULTS, "update_frequency": "其他"},
              "follow_pages": False}  # the file is page 1 of the portal's paged export
    source = create_source(world.org["id"], "datong_dcat", world.server.url + "/rostock.rdf", config, "rostock")
    job = run_job(source)
    stats = job["stats"]
    errors = object_errors(job["id"])
    assert stats.get("added", 0) + stats.get("errored", 0) == 100, stats
    assert stats.get("added") and stats.get("errored"), stats
    assert len(errors) == stats["errored"] and all(HAS_CJK.search(m) for m in errors)
    assert any("摘要" in m for m in errors), errors[:3]
    shortened = collect(world.server.url + "/rostock.rdf", {**config, "truncate": True})
    assert len(shortened) == 100
    assert all(len(e.data["title"]) <= 50 and len(e.data["notes"]) <= 256 for e in shortened)
    too_long = sum(e.data["title"].endswith("…") or e.data["notes"].endswith("…") for e in shortened)
    assert too_long == stats["errored"]  # too long was the only fault that stopped an entry


def test_a_generated_feed_conforms_to_dcat_ap_shapes(world) -> None:
    pyshacl = pytest.importorskip("pyshacl")
    data = catalog_graph(world.entries)
    shapes = Graph().parse(SHAPES, format="turtle")
    conforms, _, report = pyshacl.validate(data, shacl_graph=shapes)
    assert conforms, report

