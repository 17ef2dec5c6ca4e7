"""CKAN notifies a new dataset twice in the commit that creates it (as new, then as changed
through its new resources and extras); the seam builds its index document once."""
from __future__ import annotations

import pytest
from ckan.lib.search.index import PackageSearchIndex

from tests import factories, worlds
from tests.search.conftest import create_dataset, names, search


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_a_new_dataset_is_indexed_once_per_commit(monkeypatch):
    admin, org = factories.Sysadmin(), worlds.department("大同市交通运输局")
    indexed: list[str] = []
    index_package = PackageSearchIndex.index_package

    def counted(self, pkg_dict, defer_commit=False):
        indexed.append(pkg_dict["id"])
        return index_package(self, pkg_dict, defer_commit)

    monkeypatch.setattr(PackageSearchIndex, "index_package", counted)
    dataset = create_dataset(admin, name="bus-lines", title="大同市公交线路信息", owner_org=org["id"],
                             resources=[{"url": "http://example.com/lines.csv", "format": "CSV"}])
    assert indexed == [dataset["id"]]
    assert names(search(admin, q="公交")) == {"bus-lines"}
