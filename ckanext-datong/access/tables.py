"""A reader's scope applied to a DataStore query: only the granted 信息项 (columns) are
returned, searched, filtered or sorted on, and, for a grant with a territory, only the rows
whose administrative code (the entry's 属地字段) lies in the grantee's county (按属地回流).

`narrowed` rewrites the datastore_search parameters before CKAN runs them and leaves the
scope in the context; `row_condition` is the WHERE clause the IDatastore hook adds to the
query (and to its row count). A scope the table cannot honour returns nothing.
"""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckanext.datastore.backend.postgres import get_read_engine, identifier

from ckanext.datong.access.decision import Scope

CONTEXT_KEY = "datong_scope"
DECIDED_KEY = "datong_decided_scope"
"""(resource id, user id, scope) decided by the chained action, reused by its auth function."""
ROW_ID = "_id"
FULL_TEXT = "请求中的全文检索会检索未授权的信息项：请改用按列检索，例如 q={{\"{}\": \"关键词\"}}"
NOT_GRANTED = "未获授权的信息项：{}"


def table_columns(resource_id: str) -> list[str]:
    """The DataStore table's columns in order (without the internal full-text column)."""
    query = sa.text("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(:table) "
                    "AND attnum > 0 AND NOT attisdropped ORDER BY attnum")
    with get_read_engine().connect() as connection:
        names = [row[0] for row in connection.execute(query, {"table": identifier(resource_id)})]
    return [name for name in names if name != "_full_text"]


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part) for part in value or []]


def _sort_fields(sort: Any) -> list[str]:
    return [clause.strip().rsplit(" ", 1)[0].strip('"') if clause.strip().lower().endswith(
        (" asc", " desc")) else clause.strip().strip('"') for clause in _names(sort)]


def narrowed(scope: Scope, data_dict: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """datastore_search parameters within `scope` (tk.ValidationError in Chinese when they ask
    for a column outside it), with the scope left in `context` for row_condition."""
    context[CONTEXT_KEY] = scope
    if scope.columns is None:
        return data_dict
    resource_id = str(data_dict.get("resource_id") or data_dict.get("id") or "")
    allowed = [name for name in table_columns(resource_id)
               if name == ROW_ID or name in scope.columns]
    asked = _names(data_dict.get("fields")) or allowed
    used = list(asked) + list((data_dict.get("filters") or {}).keys()) \
        + _sort_fields(data_dict.get("sort"))
    q = data_dict.get("q")
    if isinstance(q, dict):
        used += list(q.keys())
    elif q or data_dict.get("full_text"):
        column = next((name for name in allowed if name != ROW_ID), "列名")
        raise tk.ValidationError({"q": [FULL_TEXT.format(column)]})
    refused = sorted({name for name in used if name not in allowed})
    if refused:
        raise tk.ValidationError({"fields": [NOT_GRANTED.format("、".join(refused))]})
    return dict(data_dict, fields=asked)


def row_condition(context: dict[str, Any], fields_types: dict[str, Any]
                  ) -> Optional[tuple[str, dict[str, str]]]:
    """The WHERE clause keeping the rows of the scope's territories; None when every row is
    in scope. No 属地字段, or no such column, keeps no row."""
    scope: Optional[Scope] = context.get(CONTEXT_KEY)
    if scope is None or scope.regions is None:
        return None
    column = scope.region_item
    if not column or column not in fields_types:
        return ("1 = 0", {})
    params = {f"datong_region_{index}": f"{code}%" for index, code in enumerate(sorted(scope.regions))}
    clause = " OR ".join(f"CAST({identifier(column)} AS text) LIKE :{name}" for name in params)
    return (f"({clause})", params)
