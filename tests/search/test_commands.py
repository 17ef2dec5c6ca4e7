"""`ckan search-index rebuild|check|show|clear` and our parallel rebuild on the embedded index."""
from __future__ import annotations

import pytest
from ckan.cli.cli import ckan as ckan_command
import ckan.plugins.toolkit as tk
from ckan import model
from tests import factories

from tests.search.conftest import names, search


def run(cli, *args: str) -> str:
    result = cli.invoke(ckan_command, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_search_index_commands(cli):
    org = factories.Organization()
    kept = factories.Dataset(name="water-quality", title="饮用水水源地水质监测", owner_org=org["id"])
    other = factories.Dataset(name="noise", title="城市区域环境噪声监测", owner_org=org["id"])

    run(cli, "search-index", "clear")
    assert names(search(q="监测")) == set()
    assert "Packages not indexed = 2 out of 2" in run(cli, "search-index", "check")

    run(cli, "search-index", "rebuild")
    assert names(search(q="监测")) == {"water-quality", "noise"}
    assert "Packages not indexed = 0 out of 2" in run(cli, "search-index", "check")
    assert "饮用水水源地水质监测" in run(cli, "search-index", "show", "water-quality")

    run(cli, "search-index", "clear", other["name"])
    assert names(search(q="监测")) == {"water-quality"}
    run(cli, "search-index", "rebuild", "--only-missing")
    assert names(search(q="监测")) == {"water-quality", "noise"}
    assert kept["id"]


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_parallel_rebuild_indexes_everything_and_drops_stale_rows(cli):
    org = factories.Organization()
    for number in range(12):
        factories.Dataset(name=f"dataset-{number:02d}", title=f"第{number}号公交线路站点表", owner_org=org["id"])
    model.Session.execute("TRUNCATE datong_search_doc, datong_search_term")
    model.Session.execute(
        "INSERT INTO datong_search_doc (index_id, id, site_id, search_vector, doc) "
        "VALUES ('stale', 'gone-id', :site, '', '{}')", {"site": tk.config["ckan.site_id"]})
    model.Session.commit()

    output = run(cli, "datong", "search", "rebuild", "--workers", "2", "--batch-size", "5")
    assert "search index rebuilt: 12 datasets" in output
    assert "0 failed, 1 stale entries removed" in output
    assert search(q="公交", rows=100)["count"] == 12

