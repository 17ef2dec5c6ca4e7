"""A stand-in for pysolr.Solr that CKAN's search layer talks to when the backend is postgres."""
from __future__ import annotations

import contextlib
from typing import Any, Iterable, Iterator

from ckan import model

from ckanext.datong.search import store
from ckanext.datong.search.engine import Results, Search
from ckanext.datong.search.lucene import LuceneCompiler

# Set on a session while CKAN commits it: index writes then ride on that commit.
COMMITTING = "datong_search_committing"
# While a list is set here (by rebuild), added documents are collected for one batched write.
_batch: list[dict[str, Any]] | None = None


@contextlib.contextmanager
def collecting_documents() -> Iterator[list[dict[str, Any]]]:
    """Collect the documents CKAN adds instead of writing them one by one."""
    global _batch
    _batch = []
    try:
        yield _batch
    finally:
        _batch = None


class PostgresSearchConnection:
    """Answers the pysolr calls CKAN makes (add, delete, commit, search) from PostgreSQL."""

    url = "postgresql: embedded ckanext-datong search index"

    def add(self, docs: Iterable[dict[str, Any]], commit: bool = True, **_: Any) -> None:
        if _batch is not None:
            _batch.extend(docs)
            return
        store.add(docs)
        self._commit_unless_committing(commit)

    def delete(self, id: str | list[str] | None = None, q: str | None = None,
               commit: bool = True, **_: Any) -> None:
        if id is not None:
            store.delete_ids(id if isinstance(id, list) else [id])
        if q is not None:
            compiled = LuceneCompiler(default_and=False).compile(q)
            store.delete_where(compiled.sql, compiled.params)
        self._commit_unless_committing(commit)

    def commit(self, **_: Any) -> None:
        self._commit_unless_committing(True)

    def search(self, q: str | None = None, **params: Any) -> Results:
        return Search({"q": q, **params}).run()

    @staticmethod
    def _commit_unless_committing(commit: bool) -> None:
        """Make writes visible now, as a Solr commit would, unless CKAN is already committing
        the session they belong to (then they become visible, or vanish, with it)."""
        session = model.Session()
        if commit and not session.info.get(COMMITTING):
            session.commit()


def make_connection(decode_dates: bool = True) -> PostgresSearchConnection:
    """Replacement for ckan.lib.search.common.make_connection (dates stay strings either way)."""
    return PostgresSearchConnection()
