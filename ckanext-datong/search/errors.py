"""Errors the embedded engine raises, in the shape CKAN expects from pysolr."""
from __future__ import annotations

import pysolr


def syntax_error(query: str, reason: str) -> pysolr.SolrError:
    """What Solr answers for a query it cannot parse (CKAN turns it into HTTP 409)."""
    return pysolr.SolrError(f"org.apache.solr.search.SyntaxError: Cannot parse '{query}': {reason}")


def bad_request(reason: str) -> pysolr.SolrError:
    return pysolr.SolrError(f"Solr responded with an error (HTTP 400): {reason}")
