"""Only what is open to the public is published: never 不予开放 or private entries, whoever
asks; they answer 404 on their own endpoints like entries that never existed."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Optional

import ckan.plugins.toolkit as tk
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, XSD

from ckan.tests import helpers

from ckanext.datong import clock
from tests.dcat import shacl

ROLES = [None, "county", "editor", "sysadmin"]


def headers(catalog: SimpleNamespace, role: Optional[str]) -> dict[str, str]:
    return {"Authorization": getattr(catalog, role)["token"]} if role else {}


@pytest.mark.parametrize("role", ROLES)
def test_catalog_lists_only_open_entries(app: Any, catalog: SimpleNamespace,
                                         role: Optional[str]) -> None:
    for extension in ("ttl", "jsonld"):
        body = app.get(f"/catalog.{extension}", headers=headers(catalog, role)).body
        graph = shacl.parse(body, extension)
        listed = {str(entry) for entry in graph.objects(None, DCAT.dataset)}
        assert listed == {f"http://test.ckan.net/dataset/{catalog.lines['id']}",
                          f"http://test.ckan.net/dataset/{catalog.stops['id']}"}
        for hidden in (catalog.closed, catalog.private):
            assert hidden["id"] not in body and hidden["title"] not in body


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("entry", ["closed", "private"])
def test_unpublished_entry_is_not_found(app: Any, catalog: SimpleNamespace, role: Optional[str],
                                        entry: str) -> None:
    hidden = getattr(catalog, entry)
    ghost = app.get("/dataset/never-existed.ttl", headers=headers(catalog, role))
    for reference in (hidden["name"], hidden["id"]):
        response = app.get(f"/dataset/{reference}.ttl", headers=headers(catalog, role))
        assert response.status_code == ghost.status_code == 404
        assert hidden["title"] not in response.body
    with pytest.raises(tk.ObjectNotFound):
        helpers.call_action("dcat_dataset_show", context={"user": catalog.editor["name"]},
                            id=hidden["id"], format="ttl")


def test_catalog_date_counts_only_published_entries(app: Any, catalog: SimpleNamespace) -> None:
    """Changing a 不予开放 entry leaves the catalog's dct:modified as it was."""
    def modified() -> Literal:
        graph = shacl.parse(app.get("/catalog.ttl").body, "ttl")
        return graph.value(URIRef("http://test.ckan.net"), DCT.modified)

    before = modified()
    helpers.call_action("package_patch", context={"user": catalog.sysadmin["name"]},
                        id=catalog.closed["id"], notes="更新后的摘要。")
    assert modified() == before
    newest = helpers.call_action("package_show", context={"ignore_auth": True},
                                 id=catalog.stops["id"])["metadata_modified"]
    assert before.datatype == XSD.dateTime and str(before).endswith("+08:00")
    assert clock.beijing_text(newest) == clock.beijing_text(before.toPython())


def test_other_profiles_are_refused(app: Any, catalog: SimpleNamespace) -> None:
    for url in ("/catalog.ttl?profiles=euro_dcat_ap_2", "/dataset/bus-lines.ttl?profiles=schemaorg"):
        response = app.get(url)
        assert response.status_code == 400
        assert "profiles" in response.json["error"]


def test_the_same_catalog_serializes_to_the_same_text(app: Any, catalog: SimpleNamespace) -> None:
    """No blank nodes with random names: answers can be compared (tests/leaks does)."""
    for extension in ("rdf", "ttl", "jsonld"):
        assert app.get(f"/catalog.{extension}").body == app.get(f"/catalog.{extension}").body
