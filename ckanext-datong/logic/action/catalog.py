"""Chained CKAN actions on catalog entries: create and update refuse a malformed 信息项 list
and take turns on the free tags they create (two writers creating one new tag at once would
each insert it: the tag table's uniqueness does not hold for tags without a vocabulary),
search neutralises grades for those who may not see them and redacts its results, and
package_list lists only the entries the caller may see (it reads the database, not the index)."""
from __future__ import annotations

from typing import Any, Callable

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic.schema import default_package_list_schema
from ckan.types import Action, Context

from ckanext.datong import access, facets, locks

ITEMS_SHAPE = "「信息项」应为列表，每个信息项是包含名称、数据类型等字段的对象"


def check_items_shape(data_dict: dict[str, Any]) -> None:
    """Raise ValidationError when `items` is given but is not a list of objects."""
    items = data_dict.get("items")
    if items is None or items == "":
        return
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise tk.ValidationError({"items": [ITEMS_SHAPE]})


def free_tag_names(data_dict: dict[str, Any]) -> set[str]:
    """The names of the tags without a vocabulary that `data_dict` gives (tags, tag_string)."""
    names = {str(tag.get("name") or "").strip() for tag in data_dict.get("tags") or []
             if isinstance(tag, dict) and not tag.get("vocabulary_id")}
    tag_string = data_dict.get("tag_string")
    if isinstance(tag_string, str):
        names.update(part.strip() for part in tag_string.split(","))
    elif isinstance(tag_string, list):
        names.update(str(part).strip() for part in tag_string)
    names.discard("")
    return names


def take_turns_on_new_tags(data_dict: dict[str, Any]) -> None:
    """Hold, until the transaction ends, a lock per free tag of `data_dict` that does not exist
    yet (in name order, so writers never wait for each other in a circle): a concurrent writer
    creating the same tag waits for this one to commit, then finds the tag and uses it."""
    names = free_tag_names(data_dict)
    if not names:
        return
    existing = {name for (name,) in model.Session.query(model.Tag.name).filter(
        model.Tag.name.in_(names), model.Tag.vocabulary_id.is_(None))}
    for name in sorted(names - existing):
        locks.transaction_lock(f"datong-new-tag:{name}")


@tk.chained_action
def package_create(next_action: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    check_items_shape(data_dict)
    take_turns_on_new_tags(data_dict)
    return next_action(context, data_dict)


@tk.chained_action
def package_update(next_action: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    check_items_shape(data_dict)
    take_turns_on_new_tags(data_dict)
    return next_action(context, data_dict)


@tk.side_effect_free
@tk.chained_action
def package_search(
    original_action: Callable[..., dict[str, Any]], context: dict[str, Any],
    data_dict: dict[str, Any],
) -> dict[str, Any]:
    """CKAN's package_search, with grade fields neutralised for users who may not see grades
    (internal calls that ignore auth excepted), results redacted for the caller (access) and
    regions labelled in the facets."""
    if not context.get("ignore_auth") and not access.can_see_grade(
            access.viewer_from_context(context)):
        data_dict = facets.without_grades(data_dict)
    with access.searching(context):
        result = original_action(context, data_dict)
    facets.label_facet_items(result)
    return result


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
