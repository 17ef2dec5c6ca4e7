"""Chained CKAN actions that list entries without the search index: they ask
ckanext.datong.access which entries the caller may see."""
from __future__ import annotations

from typing import Any, Callable

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic.schema import default_package_list_schema
from ckan.types import Context

from ckanext.datong import access


@tk.side_effect_free
@tk.chained_action
def package_list(
    original_action: Callable[..., list[str]], context: Context, data_dict: dict[str, Any]
) -> list[str]:
    """CKAN's package_list (names, or ids with API version 2, of the active public entries),
    keeping only the entries the caller may see."""
    visible = None if context.get("ignore_auth") else access.visible_packages(
        access.viewer_from_context(context))
    if visible is None:
        return original_action(context, data_dict)
    data_dict, errors = tk.navl_validate(data_dict, default_package_list_schema(), context)
    if errors:
        raise tk.ValidationError(errors)
    tk.check_access("package_list", context, data_dict)
    table = model.package_table
    column = table.c.id if context.get("api_version", 1) == 2 else table.c.name
    query = (sa.select(column)
             .where(table.c.state == model.State.ACTIVE, table.c.private.is_(False), visible)
             .order_by(column))
    if data_dict.get("limit"):
        query = query.limit(data_dict["limit"])
    if data_dict.get("offset"):
        query = query.offset(data_dict["offset"])
    return list(model.Session.scalars(query).all())
