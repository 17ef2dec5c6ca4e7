"""Writes to the embedded index, inside the caller's database transaction.

Every statement runs on CKAN's own session connection, so an index write made while CKAN
commits a dataset is part of that commit, and a rolled-back action leaves no index row.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any, Iterable, Sequence

import psycopg2.extras
from psycopg2.extras import Json

from ckan import model

from ckanext.datong.search import summary
from ckanext.datong.search.documents import INT_COLUMNS, IndexRow, build_row

# Set on a session that wrote to the index and has not committed yet.
UNCOMMITTED_WRITES = "datong_search_uncommitted_writes"
# index_id -> digest of the document the session's open transaction wrote.
WRITTEN = "datong_search_written"
_COLUMNS = ("index_id", "id", "name", "site_id", "entity_type", "dataset_type", "state",
            "capacity", "permission_labels", "metadata_created", "metadata_modified",
            "title_string", *INT_COLUMNS)


def cursor() -> Any:
    """A DB-API cursor on the session's current connection (and so its transaction)."""
    return model.Session.connection().connection.cursor()


def _writing_cursor() -> Any:
    model.Session().info[UNCOMMITTED_WRITES] = True
    return cursor()


def _deleting_cursor() -> Any:
    model.Session().info.pop(WRITTEN, None)  # a deleted document must be written again
    return _writing_cursor()


def has_uncommitted_writes() -> bool:
    return bool(model.Session().info.get(UNCOMMITTED_WRITES))


def add(docs: Iterable[dict[str, Any]]) -> None:
    """Insert or replace documents (keyed by index_id) with their terms. A document this
    transaction already wrote unchanged is skipped: CKAN indexes a new dataset twice in one
    commit (as new, then as changed through its resources)."""
    written = model.Session().info.setdefault(WRITTEN, {})
    rows = {}
    for doc in docs:
        digest = hashlib.sha1(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()
        if written.get(doc["index_id"]) != digest:
            rows[doc["index_id"]] = build_row(doc)  # the last one of a key wins
            written[doc["index_id"]] = digest
    if rows:
        _write_rows(list(rows.values()))


def _write_rows(rows: Sequence[IndexRow]) -> None:
    """Upsert prepared rows in a few statements, however many rows there are, and change the
    facet counts by what they change (summary)."""
    cur = _writing_cursor()
    cur.execute("SELECT doc_key FROM datong_search_doc WHERE index_id = ANY(%s) ORDER BY doc_key FOR UPDATE",
                ([row.index_id for row in rows],))
    before = summary.contributions(cur, [key for key, in cur.fetchall()])
    values = [tuple(getattr(row, column) for column in _COLUMNS)
              + (row.search_vector, row.rank_vector, Json(row.doc)) for row in rows]
    keys = psycopg2.extras.execute_values(
        cur,
        f"""INSERT INTO datong_search_doc ({", ".join(_COLUMNS)}, search_vector, rank_vector, doc)
            VALUES %s
            ON CONFLICT (index_id) DO UPDATE SET
            {", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS[1:])},
            search_vector = EXCLUDED.search_vector, rank_vector = EXCLUDED.rank_vector,
            doc = EXCLUDED.doc
            RETURNING index_id, doc_key""",
        values,
        template=f"({', '.join(['%s'] * len(_COLUMNS))}, %s::tsvector, %s::tsvector, %s)",
        fetch=True,
        page_size=len(values),
    )
    key_of = dict(keys)
    doc_keys = list(key_of.values())
    cur.execute("DELETE FROM datong_search_term WHERE doc_key = ANY(%s)", (doc_keys,))
    psycopg2.extras.execute_values(
        cur,
        "INSERT INTO datong_search_term (field, value, doc_key) VALUES %s",
        [(field, value, key_of[row.index_id]) for row in rows for field, value in row.terms],
        page_size=10000,
    )
    summary.apply(cur, before, summary.contributions(cur, doc_keys))


def _delete(condition: str, params: Any) -> int:
    """Delete the documents matching a condition on `d` and take them out of the facet counts;
    the number deleted."""
    cur = _deleting_cursor()
    cur.execute(f"SELECT doc_key FROM datong_search_doc d WHERE {condition} ORDER BY doc_key FOR UPDATE",
                params)
    keys = [key for key, in cur.fetchall()]
    if not keys:
        return 0
    before = summary.contributions(cur, keys)
    cur.execute("DELETE FROM datong_search_doc WHERE doc_key = ANY(%s)", (keys,))
    deleted = cur.rowcount
    summary.apply(cur, before, Counter())
    return deleted


def delete_where(condition: str, params: dict[str, Any]) -> int:
    """Delete the documents matching a compiled query condition; the number deleted."""
    return _delete(condition, params)


def delete_ids(index_ids: Sequence[str]) -> None:
    _delete("d.index_id = ANY(%s) OR d.id = ANY(%s)", (list(index_ids), list(index_ids)))


def delete_all_but(site_id: str, ids: Sequence[str]) -> int:
    """Delete the site's documents of every dataset not in `ids`; the number deleted."""
    return _delete("d.site_id = %s AND NOT (d.id = ANY(%s))", (site_id, list(ids)))
