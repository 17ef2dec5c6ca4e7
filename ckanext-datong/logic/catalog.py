"""Chained package_create/package_update: refuse a malformed 信息项 list with a Chinese
validation error before CKAN flattens the data (which would raise a bare DataError)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Action, Context

ITEMS_SHAPE = "「信息项」应为列表，每个信息项是包含名称、数据类型等字段的对象"


def check_items_shape(data_dict: dict[str, Any]) -> None:
    """Raise ValidationError when `items` is given but is not a list of objects."""
    items = data_dict.get("items")
    if items is None or items == "":
        return
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise tk.ValidationError({"items": [ITEMS_SHAPE]})


@tk.chained_action
def package_create(next_action: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    check_items_shape(data_dict)
    return next_action(context, data_dict)


@tk.chained_action
def package_update(next_action: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    check_items_shape(data_dict)
    return next_action(context, data_dict)
