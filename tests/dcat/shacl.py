"""DCAT-AP 3.0.1 SHACL validation (tests/data/dcat-ap_3.0.1_SHACL.ttl) of a serialized graph."""
from __future__ import annotations

import functools
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, Namespace

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES = Path(__file__).resolve().parent.parent / "data" / "dcat-ap_3.0.1_SHACL.ttl"
RDF_FORMATS = {"ttl": "turtle", "rdf": "xml", "xml": "xml", "jsonld": "json-ld", "n3": "n3"}


@functools.lru_cache(maxsize=1)
def shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


def parse(body: str, extension: str) -> Graph:
    return Graph().parse(data=body, format=RDF_FORMATS[extension])


def results(graph: Graph) -> list[tuple[str, str, str, str]]:
    """(severity, focus node, path, message) of every result; the output types the controlled
    vocabularies' IRIs itself, so no ontology graph is loaded (docs/dcat.md)."""
    _conforms, report, _text = validate(graph, shacl_graph=shapes(), inference="none",
                                        advanced=True)
    return sorted(
        (str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
         str(report.value(result, SH.focusNode)), str(report.value(result, SH.resultPath)),
         str(report.value(result, SH.resultMessage)))
        for result in report.subjects(SH.resultSeverity, None))


def violations(graph: Graph) -> list[tuple[str, str, str, str]]:
    return [result for result in results(graph) if result[0] == "Violation"]
