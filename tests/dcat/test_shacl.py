"""The catalog and every published entry pass the DCAT-AP 3.0.1 SHACL shapes with zero
violations, in every serialization (warnings are printed, not failed)."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tests.dcat import shacl


@pytest.mark.parametrize("extension", ["ttl", "rdf", "jsonld"])
def test_catalog_has_no_violation(app: Any, catalog: SimpleNamespace, extension: str) -> None:
    response = app.get(f"/catalog.{extension}")
    assert response.status_code == 200
    graph = shacl.parse(response.body, extension)
    found = shacl.results(graph)
    for result in found:
        print(*result)
    assert [result for result in found if result[0] == "Violation"] == []
    assert len(graph) > 100  # the whole catalog, not an empty shell


@pytest.mark.parametrize("extension", ["ttl", "rdf", "jsonld"])
@pytest.mark.parametrize("entry", ["lines", "stops"])
def test_entry_has_no_violation(app: Any, catalog: SimpleNamespace, entry: str,
                                extension: str) -> None:
    response = app.get(f"/dataset/{getattr(catalog, entry)['name']}.{extension}")
    assert response.status_code == 200
    assert shacl.violations(shacl.parse(response.body, extension)) == []


def test_the_shapes_catch_what_ckanext_dcat_alone_writes(app: Any, catalog: SimpleNamespace) -> None:
    """Without our profile the same entries violate the shapes (formats as literals …): the
    zero above is the profile's doing, not a validation that cannot fail."""
    from ckanext.dcat.processors import RDFSerializer
    from ckan.tests import helpers

    shown = helpers.call_action("package_show", context={"user": ""}, id=catalog.lines["id"])
    body = RDFSerializer(profiles=["euro_dcat_ap_3"]).serialize_dataset(shown, _format="ttl")
    paths = {result[2] for result in shacl.violations(shacl.parse(body, "ttl"))}
    assert "http://purl.org/dc/terms/format" in paths
