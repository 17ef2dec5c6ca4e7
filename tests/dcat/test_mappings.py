"""The municipal fields in DCAT-AP terms: a few precise triples of the published output."""
from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, FOAF, RDF, SKOS, XSD

from ckanext.datong import vocabulary
from ckanext.datong.dcat import mapping
from tests.dcat import shacl
from tests.dcat.conftest import SHA256

EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
SPDX = "http://spdx.org/rdf/terms#"
SITE = "http://test.ckan.net"


def graph_of(app: Any, name: str) -> Graph:
    response = app.get(f"/dataset/{name}.ttl")
    assert response.status_code == 200
    return shacl.parse(response.body, "ttl")


def entry_ref(entry: dict[str, Any]) -> URIRef:
    return URIRef(f"{SITE}/dataset/{entry['id']}")


def distribution(graph: Graph, entry: dict[str, Any], title: str) -> URIRef:
    found = [d for d in graph.objects(entry_ref(entry), DCAT.distribution)
             if graph.value(d, DCT.title) == Literal(title, lang="zh")]
    assert len(found) == 1, title
    return found[0]


def test_every_vocabulary_value_is_mapped() -> None:
    for name, table in (("themes", "themes"), ("industry_domains", "industry_domains"),
                        ("update_frequencies", "frequencies")):
        assert {term.value for term in vocabulary.terms(name)} == set(mapping.table()[table]), name
    published = {term.value for term in vocabulary.terms("open_types")} - {"不予开放"}
    assert set(mapping.table()["access_rights"]) == published
    used = set(mapping.table()["themes"].values()) | set(mapping.table()["industry_domains"].values())
    assert used <= set(mapping.table()["data_theme_labels"])


def test_formats_and_checksums() -> None:
    spreadsheet = mapping.file_format(" 电子表格 ")
    assert spreadsheet.file_type == URIRef(EU + "file-type/XLSX")
    assert mapping.file_format("csv", "text/csv; charset=utf-8").media_type == URIRef(IANA + "text/csv")
    assert mapping.file_format("接口").service and mapping.file_format("接口").media_type is None
    assert mapping.file_format("某种格式") == mapping.NO_FORMAT
    assert mapping.media_type("not a type") is None
    assert mapping.checksum_algorithm(SHA256) == URIRef(SPDX + "checksumAlgorithm_sha256")
    assert mapping.checksum_algorithm("ab" * 20, "SHA-1") == URIRef(SPDX + "checksumAlgorithm_sha1")
    assert mapping.checksum_algorithm(SHA256, "SM3") is None  # SPDX has no SM3
    assert mapping.checksum_algorithm("不是十六进制") is None


def test_open_entry(app: Any, catalog: SimpleNamespace) -> None:
    g = graph_of(app, "bus-lines")
    entry = entry_ref(catalog.lines)
    assert (entry, DCT.language, URIRef(EU + "language/ZHO")) in g
    assert (entry, DCT.accessRights, URIRef(EU + "access-right/PUBLIC")) in g
    assert (entry, DCT.accrualPeriodicity, URIRef(EU + "frequency/DAILY")) in g
    assert (entry, DCT.identifier, Literal(catalog.lines["resource_code"])) in g
    assert (entry, DCT.issued, Literal("2024-03-01", datatype=XSD.date)) in g
    assert (entry, DCAT.landingPage, URIRef(f"{SITE}/dataset/bus-lines")) in g
    themes = set(g.objects(entry, DCAT.theme))
    assert {URIRef(EU + "data-theme/TRAN"), URIRef(EU + "data-theme/GOVE"),
            URIRef(EU + "data-theme/REGI")} <= themes
    own = URIRef(f"{SITE}/vocabulary/industry_domains/%E4%BA%A4%E9%80%9A")
    assert own in themes and (own, RDF.type, SKOS.Concept) in g
    assert (own, SKOS.prefLabel, Literal("交通", lang="zh")) in g
    assert (own, SKOS.inScheme, URIRef(f"{SITE}/vocabulary/industry_domains")) in g

    publisher = g.value(entry, DCT.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in g
    assert list(g.objects(publisher, FOAF.name)) == [Literal("大同市交通运输局", lang="zh")]
    assert (publisher, DCT.identifier, Literal(catalog.transport["uscc"])) in g

    csv = distribution(g, catalog.lines, "线路表")
    assert (csv, DCAT.downloadURL, URIRef("https://data.example/lines.csv")) in g
    assert (csv, DCT["format"], URIRef(EU + "file-type/CSV")) in g
    assert (csv, DCAT.mediaType, URIRef(IANA + "text/csv")) in g
    assert (csv, DCT.license, URIRef(f"{SITE}/licence/cc-by")) in g
    checksum = g.value(csv, URIRef(SPDX + "checksum"))
    assert g.value(checksum, URIRef(SPDX + "algorithm")) == URIRef(SPDX + "checksumAlgorithm_sha256")
    assert g.value(checksum, URIRef(SPDX + "checksumValue")) == Literal(SHA256, datatype=XSD.hexBinary)

    chinese = distribution(g, catalog.lines, "线路表（电子表格）")
    assert (chinese, DCT["format"], URIRef(EU + "file-type/XLSX")) in g
    api = distribution(g, catalog.lines, "线路接口")
    assert (api, DCAT.accessURL, URIRef("https://data.example/api/lines")) in g
    assert (api, DCAT.downloadURL, None) not in g
    unknown = distribution(g, catalog.lines, "线路原始数据")
    assert (unknown, DCT["format"], None) not in g and (unknown, DCAT.accessURL, None) in g
    for literal in g.objects(None, None):  # no literal is a naive time or a plain format
        if isinstance(literal, Literal) and literal.datatype == XSD.dateTime:
            assert literal.toPython().utcoffset() == datetime.timedelta(hours=8), literal


def test_conditional_entry_needs_an_application(app: Any, catalog: SimpleNamespace) -> None:
    g = graph_of(app, "bus-stops")
    assert (entry_ref(catalog.stops), DCT.accessRights, URIRef(EU + "access-right/RESTRICTED")) in g
    csv = distribution(g, catalog.stops, "站点表")
    assert list(g.objects(csv, DCAT.accessURL)) == [URIRef(f"{SITE}/dataset/bus-stops")]
    assert (None, DCAT.downloadURL, None) not in g
    assert "stops.csv" not in g.serialize(format="turtle")
    rights = g.value(csv, DCT.rights)
    assert g.value(rights, URIRef("http://www.w3.org/2000/01/rdf-schema#label")) \
        == Literal("签署数据利用协议后提供", lang="zh")
    assert (csv, DCT.license, URIRef(f"{SITE}/licence/datong-use")) in g


@pytest.mark.parametrize("role", ["county", "editor", "sysadmin"])
def test_the_output_is_the_same_whoever_asks(app: Any, catalog: SimpleNamespace, role: str) -> None:
    """Even the owning department reads the public output: no file address of a conditional
    entry, and the same triples as an anonymous visitor."""
    signed = app.get("/dataset/bus-stops.ttl",
                     headers={"Authorization": getattr(catalog, role)["token"]})
    from rdflib.compare import isomorphic
    assert isomorphic(shacl.parse(signed.body, "ttl"), graph_of(app, "bus-stops"))
