"""The table preview of the resource page: the first rows of a DataStore table, read through
datastore_search as the viewer, so grants narrow them and a viewer who may read none of the
data gets no preview. (CKAN's image, audio and video views are shown only to a viewer who
may download the file: an <img> or <video> of a file is its download.)"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk


PREVIEW_ROWS = 20
ROW_ID = "_id"


def datong_table_preview(resource: dict[str, Any]) -> dict[str, Any] | None:
    """The first PREVIEW_ROWS rows of a DataStore-backed resource as the viewer may read them:
    {"fields": [column ids], "rows": [[values]], "total": row count}; None when the resource
    has no table or the viewer may read none of it."""
    if not resource.get("datastore_active") or not resource.get("id"):
        return None
    try:
        result = tk.get_action("datastore_search")(
            {}, {"resource_id": resource["id"], "limit": PREVIEW_ROWS, "include_total": True})
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError):
        return None
    fields = [field["id"] for field in result.get("fields") or [] if field["id"] != ROW_ID]
    rows = [["" if record.get(name) is None else record[name] for name in fields]
            for record in result.get("records") or []]
    return {"fields": fields, "rows": rows, "total": result.get("total", len(rows))}

