"""Chained DataStore actions: reading a table through a grant returns only what the grant
covers (access.tables) and is recorded in the audit log (sharing.usage)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Action, Context

from ckanext.datong import access
from ckanext.datong.access import tables
from ckanext.datong.logic.action import listings
from ckanext.datong.sharing import usage

CHAINED = ("datastore_search", "datastore_info")
TABLE_LIST = "_table_metadata"
TABLE_LIST_MESSAGE = "DataStore 数据表清单仅向数据主管部门开放"


def _scope(context: Context, resource_id: str) -> tuple[access.Viewer, access.Scope | None]:
    """The reader and their scope, kept in the context for the auth function CKAN calls next."""
    who = access.viewer_from_context(context)
    scope = access.data_scope(who, resource_id)
    context[tables.DECIDED_KEY] = (resource_id, who.user_id, scope)  # type: ignore[literal-required]
    return who, scope


@tk.side_effect_free
@tk.chained_action
def datastore_search(original: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    """CKAN's datastore_search within the reader's scope; a read through a grant is audited.
    The DataStore's list of every table (`_table_metadata`, which CKAN serves without any
    check) is for the data authority only."""
    resource_id = str(data_dict.get("resource_id") or data_dict.get("id") or "")
    if resource_id == TABLE_LIST:
        who = listings.filtered_viewer(context)
        if who is not None and not who.authority:
            raise tk.NotAuthorized(TABLE_LIST_MESSAGE)
        return original(context, data_dict)
    who, scope = _scope(context, resource_id)
    if scope is None or (scope.whole and not scope.grants):
        return original(context, data_dict)
    result = original(context, tables.narrowed(scope, data_dict, context))
    usage.record(who, scope, resource_id, "datastore_search", usage.rows_in(result.get("records")))
    return result


@tk.side_effect_free
@tk.chained_action
def datastore_info(original: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    """CKAN's datastore_info, listing only the columns the reader's grant covers."""
    who, scope = _scope(context, str(data_dict.get("id") or data_dict.get("resource_id") or ""))
    result = original(context, data_dict)
    if scope is not None and scope.columns is not None:
        result["fields"] = [field for field in result.get("fields") or []
                            if field.get("id") in scope.columns]
    return result
