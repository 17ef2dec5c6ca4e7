"""What leaves the portal: entry dicts redacted for their reader (package_show, search
results, activities). package_search calls after_dataset_search without the caller's
context: the chained package_search runs the original inside `searching(context)`."""
from __future__ import annotations

import contextlib
import contextvars
import json
from typing import Any, Iterator, Mapping, Optional

import ckan.model as model
import sqlalchemy as sa
from ckan.types import Context

from ckanext.datong import lists
from ckanext.datong.access.decision import (
    ALLOWED, MESSAGES, Entry, authorized, can_see_grade, file_statuses, seen_entries, updatable)
from ckanext.datong.access.identity import Viewer, current_viewer, viewer_from_context
from ckanext.datong.schema_fields import GRADE, ITEM_FLAGS, ITEM_GRADE, ITEMS

RELATED = "related_codes"
"""关联资源代码: the 信息资源代码 of other entries, some of which the reader may not see."""


def redact_dataset(context: Context, pkg_dict: dict[str, Any]) -> None:
    """after_dataset_show: mark what the caller may download and hide what they may not see."""
    if context.get("ignore_auth"):
        return  # indexing, internal reads
    _redact(viewer_from_context(context), pkg_dict, bool(context.get("for_view")))


def redact_entry(who: Viewer, pkg_dict: dict[str, Any]) -> None:
    """An entry dict from elsewhere (an activity) as package_show shows it to `who`."""
    _redact(who, pkg_dict, for_view=False)


def _redact(who: Viewer, pkg_dict: dict[str, Any], for_view: bool,
            editor: Optional[bool] = None) -> None:
    """Add `datong_access` and each resource's `datong_download`; for callers who cannot
    update the entry, blank the URLs of files they may not download and drop the grading.
    A caller who can update gets the dict untouched outside pages: package_patch and
    package_update build on package_show, and must write back exactly what is stored.
    `editor`: whether `who` may update the entry, when already known."""
    entry = Entry.of_dict(pkg_dict)
    if editor is None:
        editor = who.user is not None and authorized(who, "package_update", entry.id)
    if editor and not for_view:
        return
    resources = [r for r in pkg_dict.get("resources") or [] if isinstance(r, dict)]
    statuses = file_statuses(who, entry, [None] + [r.get("id") for r in resources])
    see_grade = editor or can_see_grade(who)
    pkg_dict["datong_access"] = {"download": statuses[0], "see_grade": see_grade}
    for resource, status in zip(resources, statuses[1:]):
        resource["datong_download"] = status
        if status != ALLOWED and not editor:
            resource["url"] = ""
            resource["datong_download_message"] = MESSAGES[status]
    if not see_grade:
        hide_grading(pkg_dict)
    hide_unseen_relations(who, pkg_dict)


def _seen_codes(who: Viewer, codes: list[str]) -> set[str]:
    """Those of `codes` that name an entry `who` may see."""
    # aliased: seen_entries' conditions query package_extra themselves
    extra, package = model.package_extra_table.alias("code"), model.package_table
    query = sa.select(extra.c.value).select_from(
        extra.join(package, package.c.id == extra.c.package_id)).where(
        extra.c.key == "resource_code", extra.c.state == model.State.ACTIVE,
        extra.c.value.in_(codes))
    condition = seen_entries(who)
    if condition is not None:
        query = query.where(condition)
    return {row[0] for row in model.Session.execute(query)}


def hide_unseen_relations(who: Viewer, pkg_dict: dict[str, Any]) -> None:
    """Keep only the 关联资源代码 of entries `who` may see (a code names an entry and its
    department), at the top (validated dict) or in `extras` (JSON text)."""
    extras = pkg_dict.get("extras") if isinstance(pkg_dict.get("extras"), list) else []
    stored = [extra for extra in extras if isinstance(extra, Mapping) and extra.get("key") == RELATED]
    codes = list(dict.fromkeys((lists.parsed(pkg_dict.get(RELATED)) or []) + [
        code for extra in stored for code in lists.parsed(extra.get("value")) or []]))
    if not codes:
        return
    seen = _seen_codes(who, codes)
    if RELATED in pkg_dict:
        pkg_dict[RELATED] = [code for code in lists.parsed(pkg_dict[RELATED]) or [] if code in seen]
    for extra in stored:
        kept = [code for code in lists.parsed(extra.get("value")) or [] if code in seen]
        extras[extras.index(extra)] = dict(extra, value=json.dumps(kept, ensure_ascii=False))


def hide_grading(pkg_dict: dict[str, Any]) -> None:
    """Drop the grade, every item's grade and the sensitive or personal 信息项, whether the
    fields are at the top (validated dict) or in `extras` (unvalidated dict)."""
    pkg_dict.pop(GRADE, None)
    if ITEMS in pkg_dict:
        pkg_dict[ITEMS] = _public_items(pkg_dict[ITEMS])
    extras = pkg_dict.get("extras")
    if isinstance(extras, list):
        kept = []
        for extra in extras:
            key = extra.get("key") if isinstance(extra, Mapping) else None
            if key == GRADE:
                continue
            if key == ITEMS:
                extra = dict(extra, value=_public_items(extra.get("value")))
            kept.append(extra)
        pkg_dict["extras"] = kept


def _public_items(items: Any) -> Any:
    """The items without grades and without flagged ones; JSON text stays JSON text."""
    if isinstance(items, str):
        try:
            parsed = json.loads(items)
        except ValueError:
            return "[]"
        return json.dumps(_public_items(parsed), ensure_ascii=False)
    if not isinstance(items, list):
        return []
    return [{key: value for key, value in item.items() if key != ITEM_GRADE}
            for item in items if isinstance(item, Mapping) and not flagged_item(item)]


def flagged_item(item: Mapping[str, Any]) -> bool:
    """Whether a 信息项 is shown to government users only (sensitive or personal information)."""
    return any(str(item.get(flag)).lower() == "true" for flag in ITEM_FLAGS)


_SEARCH_CONTEXT: contextvars.ContextVar[Optional[Context]] = contextvars.ContextVar(
    "datong_search_context", default=None)


@contextlib.contextmanager
def searching(context: Context) -> Iterator[None]:
    """Wrap a package_search call so that `redact_search_results` (after_dataset_search, which
    CKAN calls without the context) redacts for the caller of `context`."""
    token = _SEARCH_CONTEXT.set(context)
    try:
        yield
    finally:
        _SEARCH_CONTEXT.reset(token)


def redact_search_results(search_results: dict[str, Any]) -> dict[str, Any]:
    """after_dataset_search: redact every result for the caller (see `_redact`). Outside
    `searching` (package_search called as a plain function) the caller is the request's user,
    anonymous outside a request."""
    context = _SEARCH_CONTEXT.get()
    if context is not None and context.get("ignore_auth"):
        return search_results
    who = viewer_from_context(context) if context is not None else current_viewer()
    for_view = bool(context and context.get("for_view"))
    results = search_results.get("results") or []
    editable = updatable(who, [result["id"] for result in results
                               if isinstance(result.get("resources"), list) and result.get("id")])
    for result in results:
        if isinstance(result.get("resources"), list):
            _redact(who, result, for_view, editor=result.get("id") in editable)
        else:
            _redact_fields(who, result)
    return search_results


def _redact_fields(who: Viewer, result: dict[str, Any]) -> None:
    """A result of chosen index fields (`fl`): the whole-dict fields are redacted like
    package_show output, the grade and 信息项 fields dropped for those who may not see
    grades; resource URLs are kept only when every file may be downloaded."""
    if not can_see_grade(who):
        hide_grading(result)
    hide_unseen_relations(who, result)
    for key in ("data_dict", "validated_data_dict"):
        if isinstance(result.get(key), str):
            whole = json.loads(result[key])
            for nested in ("data_dict", "validated_data_dict"):  # index copies inside a copy
                whole.pop(nested, None)
            _redact(who, whole, for_view=False)
            result[key] = json.dumps(whole, ensure_ascii=False)
    if "res_url" in result:
        package = model.Package.get(result["id"]) if result.get("id") else None
        if package is None or not (
                (who.user is not None and authorized(who, "package_update", package.id))
                or file_statuses(who, Entry.of_package(package), [None])[0] == ALLOWED):
            result["res_url"] = []
