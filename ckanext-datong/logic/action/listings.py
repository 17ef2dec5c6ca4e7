"""Chained CKAN actions that answer from the database instead of the search index (tags,
formats, members, the DataStore's table list, activities, counts):
each keeps only what belongs to entries the caller may see (access.seen_entries), and
activities show their entry as package_show would show it to the caller."""
from __future__ import annotations

import difflib
import json
import re
from typing import Any, Callable, Iterable, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.types import Action, Context

from ckanext.datong import access

CHAINED = (
    "tag_list", "tag_autocomplete", "tag_search", "tag_show", "format_autocomplete",
    "member_list", "package_activity_list", "group_activity_list",
    "organization_activity_list", "recently_changed_packages_activity_list",
    "user_activity_list", "dashboard_activity_list", "activity_show", "activity_data_show",
    "activity_diff", "organization_show", "organization_list", "organization_list_for_user",
    "group_show", "group_list", "group_list_authz", "user_show", "user_list",
)
"""The CKAN actions this module chains."""
DIFF_TYPES = ("unified", "context", "html")


def filtered_viewer(context: Context) -> Optional[access.Viewer]:
    """The caller, or None when nothing is to be filtered (internal calls, sysadmins)."""
    if context.get("ignore_auth"):
        return None
    who = access.viewer_from_context(context)
    return None if who.sysadmin else who


def _seen(who: access.Viewer) -> sa.sql.ColumnElement:
    return access.seen_entries(who)  # never None: sysadmins were left out by filtered_viewer


# --------------------------------------------------------------------------- tags, formats


def seen_tags(who: access.Viewer, names: Iterable[str]) -> set[str]:
    """The tag names among `names` that at least one entry `who` may see carries."""
    names = [name for name in names if isinstance(name, str)]
    if not names:
        return set()
    tag, package_tag, package = model.tag_table, model.package_tag_table, model.package_table
    query = (sa.select(tag.c.name).distinct()
             .join(package_tag, package_tag.c.tag_id == tag.c.id)
             .join(package, package.c.id == package_tag.c.package_id)
             .where(tag.c.name.in_(names), package_tag.c.state == model.State.ACTIVE, _seen(who)))
    return set(model.Session.scalars(query).all())


def _tag_name(tag: Any) -> str:
    return tag.get("name", "") if isinstance(tag, dict) else str(tag)


def _keep_seen_tags(context: Context, tags: list[Any]) -> list[Any]:
    """The tags (names or dicts) that an entry the caller may see carries."""
    who = filtered_viewer(context)
    if who is None:
        return tags
    kept = seen_tags(who, [_tag_name(tag) for tag in tags])
    return [tag for tag in tags if _tag_name(tag) in kept]


@tk.side_effect_free
@tk.chained_action
def tag_list(original: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    """CKAN's tag_list, without the tags only unseen entries carry."""
    return _keep_seen_tags(context, original(context, data_dict))


@tk.side_effect_free
@tk.chained_action
def tag_autocomplete(original: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    """CKAN's tag_autocomplete, without the tags only unseen entries carry."""
    return _keep_seen_tags(context, original(context, data_dict))


@tk.side_effect_free
@tk.chained_action
def tag_search(original: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    """CKAN's tag_search, without the tags only unseen entries carry (counted again)."""
    found = original(context, data_dict)
    results = _keep_seen_tags(context, found["results"])
    return {**found, "results": results,
            "count": found["count"] - (len(found["results"]) - len(results))}


@tk.side_effect_free
@tk.chained_action
def tag_show(original: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    """CKAN's tag_show, its entries found by the caller's own search (CKAN lists them from
    the index with no permission filter and no redaction). A tag only unseen entries carry
    never gets here: logic/absent.py answers it as a tag that does not exist."""
    tag = original(context, {**data_dict, "include_datasets": False})
    if tk.asbool(data_dict.get("include_datasets")):
        caller = {key: context[key] for key in ("user", "auth_user_obj", "ignore_auth")
                  if key in context}
        tag["packages"] = tk.get_action("package_search")(
            caller, {"fq": f'tags:"{tag["name"]}"', "rows": 1000, "include_private": True}
        )["results"]
    return tag


@tk.side_effect_free
@tk.chained_action
def format_autocomplete(original: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    """CKAN's format_autocomplete, without the formats only unseen entries' files have."""
    formats = original(context, data_dict)
    who = filtered_viewer(context)
    if who is None or not formats:
        return formats
    resource, package = model.resource_table, model.package_table
    query = (sa.select(sa.func.lower(resource.c.format)).distinct()
             .join(package, package.c.id == resource.c.package_id)
             .where(sa.func.lower(resource.c.format).in_([f.lower() for f in formats]),
                    resource.c.state == model.State.ACTIVE, _seen(who)))
    kept = set(model.Session.scalars(query).all())
    return [name for name in formats if name.lower() in kept]


# --------------------------------------------------------------------------- members, counts


def seen_ids(who: access.Viewer, package_ids: Iterable[str]) -> set[str]:
    """The ids among `package_ids` of entries `who` may see."""
    package_ids = list(package_ids)
    if not package_ids:
        return set()
    package = model.package_table
    query = sa.select(package.c.id).where(package.c.id.in_(package_ids), _seen(who))
    return set(model.Session.scalars(query).all())


@tk.side_effect_free
@tk.chained_action
def member_list(original: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    """CKAN's member_list, without the entries the caller may not see."""
    members = original(context, data_dict)
    who = filtered_viewer(context)
    if who is None:
        return members
    kept = seen_ids(who, [m[0] for m in members if m[1] == "package"])
    return [m for m in members if m[1] != "package" or m[0] in kept]


# --------------------------------------------------------------------------- activities


def _redact_activity(who: access.Viewer, activity: Any) -> None:
    """The entry an activity carries, as package_show shows it to `who`."""
    data = activity.get("data") if isinstance(activity, dict) else None
    if isinstance(data, dict) and isinstance(data.get("package"), dict):
        access.redact_entry(who, data["package"])


_POST_PENDING = "datong_post_pending"
"""Context key set while a `_checked_after(…, covers_nested=True)` action runs."""


def _checked_after(name: str, doc: str, post: Callable[[access.Viewer, Any], None],
                   covers_nested: bool = False) -> Action:
    """A chained action that lets the original answer, then has `post` change the answer
    for the caller (internal calls and sysadmins get it untouched). With `covers_nested`,
    `post` reads the whole answer, so the actions the original calls with the same context
    (organization_list shows each organization) leave their `post` to it."""
    def action(original: Action, context: Context, data_dict: dict[str, Any]) -> Any:
        outermost = not (covers_nested and context.get(_POST_PENDING))
        if covers_nested:
            context[_POST_PENDING] = True  # type: ignore[literal-required]
        try:
            result = original(context, data_dict)
        finally:
            if covers_nested and outermost:
                context.pop(_POST_PENDING, None)  # type: ignore[misc]
        who = filtered_viewer(context)
        if outermost and who is not None:
            post(who, result)
        return result

    action.__name__ = name
    action.__doc__ = doc
    return tk.side_effect_free(tk.chained_action(action))


def _redacting(activities: Callable[[Any], Iterable[Any]]) -> Callable[[str], Action]:
    """Chained activity actions redacting each activity `activities` picks from the answer."""
    def chain(name: str) -> Action:
        def post(who: access.Viewer, result: Any) -> None:
            for activity in activities(result):
                _redact_activity(who, activity)
        return _checked_after(name, f"ckanext-activity's {name}, each entry redacted for the caller.",
                              post)
    return chain


_lists = _redacting(lambda activities: activities)
package_activity_list = _lists("package_activity_list")
group_activity_list = _lists("group_activity_list")
organization_activity_list = _lists("organization_activity_list")
recently_changed_packages_activity_list = _lists("recently_changed_packages_activity_list")
user_activity_list = _lists("user_activity_list")
dashboard_activity_list = _lists("dashboard_activity_list")
activity_show = _redacting(lambda activity: [activity])("activity_show")
activity_data_show = _redacting(lambda data: [{"data": data}])("activity_data_show")


@tk.side_effect_free
@tk.chained_action
def activity_diff(original: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    """ckanext-activity's activity_diff, compared between the entries as the caller may see
    them (grades, flagged 信息项 and undownloadable file URLs removed)."""
    result = original(context, data_dict)
    who = filtered_viewer(context)
    if who is None or data_dict.get("object_type", "package") != "package":
        return result
    for activity in result["activities"]:
        _redact_activity(who, activity)
    shown = [activity["data"]["package"] for activity in result["activities"]]
    result["diff"] = _diff(shown, data_dict.get("diff_type", "unified"))
    return result


def _diff(objects: list[dict[str, Any]], diff_type: str) -> str:
    """The diff of two entries in ckanext-activity's three styles."""
    lines = [json.dumps(obj, indent=2, sort_keys=True).split("\n") for obj in objects]
    if diff_type == "context":
        return "\n".join(difflib.context_diff(*lines))
    if diff_type == "html":
        wrapped = [[part for line in side for part in re.findall(r".{1,70}(?:\s+|$)", line)]
                   for side in lines]
        return difflib.HtmlDiff().make_table(*wrapped)
    return "\n".join(difflib.unified_diff(*lines))


# --------------------------------------------------------------------------- counts


def _entry_counts(who: access.Viewer, key: sa.sql.ColumnElement, ids: set[str],
                  *conditions: sa.sql.ColumnElement,
                  source: Optional[sa.sql.FromClause] = None) -> dict[str, int]:
    """The number of entries `who` may see per value of `key` among `ids`, in one query."""
    package = model.package_table
    query = (sa.select(key, sa.func.count(sa.distinct(package.c.id)))
             .select_from(package if source is None else source)
             .where(package.c.type == "dataset", _seen(who), key.in_(ids), *conditions)
             .group_by(key))
    return {value: int(count) for value, count in model.Session.execute(query)}


def _organization_counts(who: access.Viewer, ids: set[str]) -> dict[str, int]:
    """The entries of each organization that `who` may see."""
    return _entry_counts(who, model.package_table.c.owner_org, ids)


def _group_counts(who: access.Viewer, ids: set[str]) -> dict[str, int]:
    """The members of each group that `who` may see."""
    package, member = model.package_table, model.member_table
    return _entry_counts(who, member.c.group_id, ids,
                         member.c.table_name == "package", member.c.state == model.State.ACTIVE,
                         source=package.join(member, member.c.table_id == package.c.id))


def _user_counts(who: access.Viewer, ids: set[str]) -> dict[str, int]:
    """The entries each user created that `who` may see (private ones on their own account
    only, as CKAN counts them)."""
    package = model.package_table
    own = package.c.creator_user_id == who.user_id if who.user_id else sa.false()
    return _entry_counts(who, package.c.creator_user_id, ids,
                         sa.or_(package.c.private.is_(False), own))


_COUNTS = {"organization": ("package_count", _organization_counts),
           "group": ("package_count", _group_counts),
           "user": ("number_created_packages", _user_counts)}
"""The kinds of counted objects: the key of their count, and how to count a set of them."""


def recount(who: access.Viewer, value: Any) -> None:
    """Every entry count in an answer (organizations' and groups' package_count, users'
    number_created_packages) counted again over the entries `who` may see: one query per
    kind of count, however long the list."""
    found: dict[str, list[dict[str, Any]]] = {kind: [] for kind in _COUNTS}
    _collect(value, found)
    for kind, items in found.items():
        if items:
            key, count = _COUNTS[kind]
            counted = count(who, {item["id"] for item in items})
            for item in items:
                item[key] = counted.get(item["id"], 0)


def _collect(value: Any, found: dict[str, list[dict[str, Any]]]) -> None:
    """The counted objects anywhere in an answer, by kind."""
    if isinstance(value, list):
        for item in value:
            _collect(item, found)
        return
    if not isinstance(value, dict):
        return
    if "package_count" in value and "is_organization" in value and value.get("id"):
        found["organization" if value.get("is_organization") else "group"].append(value)
    if "number_created_packages" in value and value.get("id"):
        found["user"].append(value)
    for item in value.values():
        if isinstance(item, (list, dict)):
            _collect(item, found)


def _recounting(name: str) -> Action:
    """A chained action whose entry counts are those of the entries the caller may see
    (CKAN counts every public entry, from the index or the database, whatever its audience)."""
    return _checked_after(name, f"CKAN's {name}, counting only the entries the caller may see.",
                          recount, covers_nested=True)


organization_show = _recounting("organization_show")
organization_list = _recounting("organization_list")
organization_list_for_user = _recounting("organization_list_for_user")
group_show = _recounting("group_show")
group_list = _recounting("group_list")
group_list_authz = _recounting("group_list_authz")
user_show = _recounting("user_show")
user_list = _recounting("user_list")
