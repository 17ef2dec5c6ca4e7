"""Relevance order of plain-text searches: among entries matching every query word, the one
whose title the words cover most comes first (the shorter title; of equal lengths, the one
with the words adjacent and in order);
ties and the rest follow CKAN's boosts (name/title 4, tags 2); other sort orders are as asked."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Iterator

import pytest
from ckan import plugins

from tests import factories, worlds
from tests.search.conftest import create_dataset, search

# Created in this order (so the newest-first tie-break of CKAN's default sort would list them
# backwards); every one matches both words of 公交 线路.
ENTRIES = [
    ("bus-lines", "公交线路", {}),                              # 4 characters, words adjacent
    ("datong-bus-lines", "大同市公交线路信息", {}),             # 9, adjacent
    ("bus-vehicles-lines", "公交车辆运营线路表", {}),           # 9, apart
    ("lines-bus-query", "线路公交查询表", {}),                  # 7, adjacent but reversed
    ("pingcheng-bus-lines", "平城区公交线路", {"tags": [{"name": "公交"}]}),  # 7, adjacent, a tag
    ("yungang-bus-lines", "云冈区公交线路", {}),                # 7, adjacent
    ("city-travel", "城市出行数据", {"tags": [{"name": "公交"}, {"name": "线路"}]}),  # tags only
    ("transport-statistics", "交通运输统计", {"notes": "含公交线路的客运量。"}),   # notes only
]
RELEVANCE_ORDER = [
    "bus-lines",              # the words cover the whole title
    "pingcheng-bus-lines",    # 7 characters, adjacent: a tie broken by the tag's boost …
    "yungang-bus-lines",      # … not by age (this one is newer)
    "lines-bus-query",        # 7 characters, but not in the query's order
    "datong-bus-lines",       # 9 characters, adjacent …
    "bus-vehicles-lines",     # … before 9 characters, apart
    "city-travel",            # not in the title: CKAN's boosts, tags before …
    "transport-statistics",   # … the notes
]


@pytest.fixture(scope="module")
def ranked_catalog(reset_db) -> Iterator[SimpleNamespace]:
    plugins.load_all()
    reset_db()
    admin = factories.Sysadmin()
    department = worlds.department("大同市交通运输局", name="dt-jtj")
    created = [create_dataset(admin, name=name, title=title, owner_org=department["id"], **fields)
               for name, title, fields in ENTRIES]
    yield SimpleNamespace(admin=admin, entries=created)
    plugins.unload_all()


def order(result: dict[str, Any]) -> list[str]:
    return [dataset["name"] for dataset in result["results"]]


def test_title_coverage_orders_matches_of_every_word(ranked_catalog):
    assert order(search(q="公交 线路")) == RELEVANCE_ORDER
    assert order(search(q="公交 线路", sort="score desc, metadata_modified desc")) == RELEVANCE_ORDER


def test_relevance_pages_follow_the_same_order(ranked_catalog):
    assert order(search(q="公交 线路", rows=3, start=3)) == RELEVANCE_ORDER[3:6]


def test_excluded_words_do_not_count_as_covered(ranked_catalog):
    # 公交 alone covers 公交线路 most; -查询 drops lines-bus-query but is no title word.
    assert order(search(q="公交 -查询", rows=2)) == ["bus-lines", "pingcheng-bus-lines"]


@pytest.mark.parametrize(("sort", "expected"), [
    ("name asc", sorted(name for name, _, _ in ENTRIES)),
    ("name desc", sorted((name for name, _, _ in ENTRIES), reverse=True)),
    ("metadata_created asc", [name for name, _, _ in ENTRIES]),
    ("metadata_modified desc", [name for name, _, _ in reversed(ENTRIES)]),
])
def test_other_sort_orders_are_unchanged(ranked_catalog, sort, expected):
    assert order(search(q="公交 线路", sort=sort)) == expected
