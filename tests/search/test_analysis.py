"""Units of the embedded engine that need no database: analysis, DisMax rules, date math."""
from __future__ import annotations

import datetime

import pysolr
import pytest

from ckanext.datong.search import analysis, datemath
from ckanext.datong.search.dismax import minimum_match, split_clauses
from ckanext.datong.search.documents import build_row
from ckanext.datong.search.lucene import LuceneCompiler, like_pattern


def test_index_tokens_keep_long_words_and_their_parts_at_one_position():
    tokens = analysis.index_tokens("大同市公交线路信息")
    positions = {token: position for token, position in tokens}
    assert positions["公交线路"] == positions["公交"] == positions["线路"]
    assert positions["信息"] == positions["公交线路"] + 1
    assert analysis.query_tokens("公交线路信息") == ["公交线路", "信息"]


def test_latin_words_are_folded_and_stemmed():
    assert analysis.query_tokens("Bus STOPS，ＡＰＩ") == ["bus", "stop", "api"]


@pytest.mark.parametrize(("optional", "required"), [(1, 1), (2, 2), (3, 2), (5, 4), (6, 4), (10, 8)])
def test_ckan_minimum_match(optional, required):
    assert minimum_match("2<-1 5<80%", optional) == required


def test_dismax_clauses():
    balanced = split_clauses('公交 +线路 -地铁 "首末 班车"')
    assert [(c.text, c.phrase, c.occur) for c in balanced] == [
        ("公交", False, ""), ("线路", False, "+"), ("地铁", False, "-"), ("首末 班车", True, "")]
    unbalanced = split_clauses('"首末 班车" 不成对"')  # Solr drops every quote then
    assert [(c.text, c.phrase) for c in unbalanced] == [("首末", False), ("班车", False), ("不成对", False)]


def test_date_math():
    now = datetime.datetime(2026, 11, 29, 10, 30, tzinfo=datetime.timezone.utc)
    assert datemath.resolve("NOW-1DAY", now) == now - datetime.timedelta(days=1)
    assert datemath.resolve("NOW/DAY", now) == now.replace(hour=0, minute=0)
    assert datemath.resolve("2024-01-31T00:00:00Z+1MONTH", now).date() == datetime.date(2024, 2, 29)
    with pytest.raises(ValueError):
        datemath.resolve("NOW+1FORTNIGHT", now)


def test_values_never_enter_the_sql_text():
    compiled = LuceneCompiler().compile("title:\"x'; DROP\" AND name:y%")
    assert "DROP" not in compiled.sql and "y%" not in compiled.sql
    assert like_pattern("50%_off*") == "50\\%\\_off%"
    with pytest.raises(pysolr.SolrError, match="Cannot parse"):
        LuceneCompiler().compile("title:(")


def test_document_rows_split_strings_text_and_dates():
    row = build_row({"index_id": "i", "id": "d", "site_id": "s", "name": "bus", "title": "公交线路",
                     "tags": ["公交", "交通"], "metadata_created": "2026-01-02T03:04:05.6Z",
                     "metadata_modified": "2026-01-02T03:04:05Z", "data_dict": "{}"})
    assert ("tags", "公交") in row.terms and ("name", "bus") in row.terms
    assert ("metadata_created", "2026-01-02T03:04:05.600000Z") in row.terms
    assert "'title:公交'" in row.search_vector and "'公交'" in row.search_vector
    assert not any(field == "data_dict" for field, _ in row.terms)
