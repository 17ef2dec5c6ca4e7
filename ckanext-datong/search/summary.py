"""Facet counts per visibility class, kept at index time in datong_search_facet.

A query that filters only on the columns CKAN's visibility filters use (site, entity and
dataset type, state, capacity, permission labels) — the empty query of /dataset/ and the
home page, in every sort order — is answered by summing these counts over the classes it
admits, instead of counting the terms of every matching document. Each index write applies
the difference its documents make (their counts after the write minus before) in the same
transaction, so the counts commit or roll back with the documents they describe.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

import psycopg2.extras

CLASS_COLUMNS = ("site_id", "entity_type", "dataset_type", "state", "capacity", "permission_labels")
"""Columns of datong_search_doc that make a document's visibility class."""
FIELDS = frozenset({
    "organization", "groups", "tags", "res_format", "license_id",  # CKAN's default facets
    "industry_domain", "datong_county", "update_frequency", "open_type", "share_type",
    "data_grade",  # the portal's (ckanext.datong.facets.FACETS)
})
"""Fields whose values are counted. Another field needs a migration that adds its counts."""
DOCUMENTS = ""
"""The `field` (and `value`) of the row counting the class's documents."""

_CONTRIBUTIONS = f"""
    SELECT {", ".join(f"d.{c}" for c in CLASS_COLUMNS)}, t.field, t.value, count(*)
    FROM datong_search_doc d JOIN datong_search_term t ON t.doc_key = d.doc_key
    WHERE d.doc_key = ANY(%(keys)s) AND t.field = ANY(%(fields)s)
    GROUP BY {", ".join(f"d.{c}" for c in CLASS_COLUMNS)}, t.field, t.value
    UNION ALL
    SELECT {", ".join(f"d.{c}" for c in CLASS_COLUMNS)}, '', '', count(*)
    FROM datong_search_doc d WHERE d.doc_key = ANY(%(keys)s)
    GROUP BY {", ".join(f"d.{c}" for c in CLASS_COLUMNS)}"""

Key = tuple[Any, ...]


def contributions(cur: Any, doc_keys: Sequence[int]) -> Counter[Key]:
    """What the documents `doc_keys` add to the counts, as they are now."""
    if not doc_keys:
        return Counter()
    cur.execute(_CONTRIBUTIONS, {"keys": list(doc_keys), "fields": sorted(FIELDS)})
    return Counter({tuple(tuple(v) if isinstance(v, list) else v for v in row[:-1]): row[-1]
                    for row in cur.fetchall()})


def apply(cur: Any, before: Counter[Key], after: Counter[Key]) -> None:
    """Add `after - before` to the counts; rows are changed in key order, so concurrent
    writers wait for each other instead of deadlocking."""
    delta = {key: after[key] - before[key] for key in before.keys() | after.keys()
             if after[key] != before[key]}
    if not delta:
        return
    rows = [(*key[:-3], list(key[-3]), key[-2], key[-1], n) for key, n in delta.items()]
    rows.sort(key=lambda row: tuple(str(v) for v in row[:-1]))
    psycopg2.extras.execute_values(
        cur,
        f"""INSERT INTO datong_search_facet ({", ".join(CLASS_COLUMNS)}, field, value, n) VALUES %s
            ON CONFLICT ({", ".join(CLASS_COLUMNS)}, field, value)
            DO UPDATE SET n = datong_search_facet.n + EXCLUDED.n""",
        rows, page_size=len(rows))


def counts(cur: Any, where: str, params: dict[str, Any], fields: list[str]
           ) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """The number of documents matching `where` (a condition on CLASS_COLUMNS of `d`) and the
    counts of the values of `fields` (all in FIELDS) among them."""
    cur.execute(f"""SELECT d.field, d.value, sum(d.n)::bigint FROM datong_search_facet d
                    WHERE ({where}) AND d.field = ANY(%(summary_fields)s)
                    GROUP BY d.field, d.value HAVING sum(d.n) > 0""",
                {**params, "summary_fields": [DOCUMENTS, *fields]})
    hits, counted = 0, {field: [] for field in fields}
    for field, value, n in cur.fetchall():
        if field == DOCUMENTS:
            hits = n
        else:
            counted[field].append((value, n))
    return hits, counted
