"""ckanext-dcat's actions, answered as the public catalog (dcat/publication.py): whoever asks,
they read as an anonymous visitor; an entry that is not published is not found; bad
parameters get Chinese validation errors, not a crash."""
from __future__ import annotations

import datetime
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.search import SearchError, SearchQueryError
from ckan.types import Action, Context
from ckanext.dcat import converters
from ckanext.dcat.processors import RDFSerializer
from ckanext.dcat.utils import CONTENT_TYPES, DEFAULT_CATALOG_ENDPOINT
from dateutil.parser import parse as parse_date

from ckanext.datong import access, clock
from ckanext.datong.dcat import publication

PER_PAGE = 100
"""ckanext-dcat's default for `ckanext.dcat.datasets_per_page`."""
PAGE_MESSAGE = "页码应为从 1 开始的正整数"
DATE_MESSAGE = "日期格式不正确，请使用 ISO 8601 格式，例如 2025-01-31 或 2025-01-31T08:00:00+08:00"
FORMAT_MESSAGE = "不支持的格式，可选：" + "、".join(sorted(CONTENT_TYPES))


def _page(data_dict: dict[str, Any]) -> int:
    try:
        page = int(data_dict.get("page") or 1)
    except (TypeError, ValueError):
        page = 0
    if page < 1:
        raise tk.ValidationError({"page": [PAGE_MESSAGE]})
    return page


def _since(value: Any) -> str:
    """modified_since as a UTC Solr date; a time without an offset is Beijing time."""
    try:
        moment = parse_date(str(value))
    except (ValueError, OverflowError):
        raise tk.ValidationError({"modified_since": [DATE_MESSAGE]}) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.BEIJING)
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _format(data_dict: dict[str, Any]) -> str:
    chosen = data_dict.get("format") or "xml"
    if chosen not in CONTENT_TYPES:
        raise tk.ValidationError({"format": [FORMAT_MESSAGE]})
    return chosen


def _search(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """One page of published entries, newest change first (ckanext-dcat's query)."""
    publication.refuse_profiles(data_dict)
    per_page = tk.config.get("ckanext.dcat.datasets_per_page") or PER_PAGE
    page = _page(data_dict)
    fq_list = ["-dataset_type:harvest", "-dataset_type:showcase"]
    if data_dict.get("modified_since"):
        fq_list.append(f"metadata_modified:[{_since(data_dict['modified_since'])} TO NOW]")
    try:
        return tk.get_action("package_search")(publication.public_context(context), {
            "q": data_dict.get("q") or "*:*", "fq": data_dict.get("fq"), "fq_list": fq_list,
            "rows": int(per_page), "start": int(per_page) * (page - 1),
            "sort": "metadata_modified desc"})
    except (SearchError, SearchQueryError):
        raise tk.ValidationError({"q": [publication.QUERY_MESSAGE]}) from None


def _catalog(name: str, context: Context, data_dict: dict[str, Any]) -> str:
    tk.check_access(name, context, data_dict)
    chosen = _format(data_dict)
    found = _search(context, data_dict)
    per_page = int(tk.config.get("ckanext.dcat.datasets_per_page") or PER_PAGE)
    path = (tk.config.get("ckanext.dcat.catalog_endpoint") or DEFAULT_CATALOG_ENDPOINT
            ).replace("{_format}", chosen)
    paging = publication.paging(found["count"], _page(data_dict), per_page, path, data_dict)
    return RDFSerializer().serialize_catalog({}, found["results"], _format=chosen,
                                             pagination_info=paging)


@tk.side_effect_free
@tk.chained_action
def dcat_catalog_show(original: Action, context: Context, data_dict: dict[str, Any]) -> str:
    return _catalog("dcat_catalog_show", context, data_dict)


@tk.side_effect_free
@tk.chained_action
def dcat_catalog_search(original: Action, context: Context, data_dict: dict[str, Any]) -> str:
    return _catalog("dcat_catalog_search", context, data_dict)


@tk.side_effect_free
@tk.chained_action
def dcat_datasets_list(original: Action, context: Context,
                       data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    tk.check_access("dcat_datasets_list", context, data_dict)
    return [converters.ckan_to_dcat(entry) for entry in _search(context, data_dict)["results"]]


@tk.chained_action
def dcat_dataset_show(original: Action, context: Context, data_dict: dict[str, Any]) -> str:
    publication.refuse_profiles(data_dict)
    data_dict = {**data_dict, "format": _format(data_dict)}
    try:
        return original(publication.public_context(context), data_dict)
    except (tk.NotAuthorized, tk.ObjectNotFound):  # not published: as if it did not exist
        raise tk.ObjectNotFound(access.NOT_FOUND_MESSAGE) from None


CHAINED = ("dcat_catalog_show", "dcat_catalog_search", "dcat_datasets_list", "dcat_dataset_show")
