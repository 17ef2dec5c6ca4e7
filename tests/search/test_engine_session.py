"""A search leaves the session as it found it, whatever ends it."""
from __future__ import annotations

import psycopg2
import pysolr
import pytest
from ckan import model

from ckanext.datong.search import engine, store

TEXT_QUERY = {"q": "公交", "defType": "dismax", "qf": "text"}


def _session_state() -> tuple[str, bool]:
    """The session's enable_seqscan, and whether the search's savepoint is still open."""
    cur = store.cursor()
    cur.execute("SHOW enable_seqscan")
    seqscan = cur.fetchone()[0]
    cur.execute("SAVEPOINT probe")
    try:
        cur.execute("RELEASE SAVEPOINT datong_search")
    except psycopg2.Error:
        cur.execute("ROLLBACK TO SAVEPOINT probe")
        cur.execute("RELEASE SAVEPOINT probe")
        return seqscan, False
    return seqscan, True


def test_a_search_failing_mid_run_restores_the_session_settings(catalog):
    """A text query turns enable_seqscan off for its statements; an error that is not the
    database's (here pysolr's bad request for facet.limit, raised while counting facets)
    must not leave it off, nor the search's savepoint open, for the rest of the transaction."""
    model.Session.rollback()
    assert _session_state() == ("on", False)
    refused = {**TEXT_QUERY, "facet": "true", "facet.field": ["tags"], "facet.limit": "abc"}
    with pytest.raises(pysolr.SolrError, match="facet.limit"):
        engine.Search(refused).run()
    assert _session_state() == ("on", False)
    answered = engine.Search(TEXT_QUERY).run()
    assert [doc["name"] for doc in answered.docs] == ["bus-lines"]
    assert _session_state() == ("on", False)
    model.Session.rollback()
