"""What the DCAT endpoints publish: exactly what an anonymous visitor may see, whoever asks —
never 不予开放, private or draft entries, and files only where anyone may download them."""
from __future__ import annotations

import math
from typing import Any, Mapping, Optional
from urllib.parse import urlencode

import ckan.plugins.toolkit as tk
from ckan.types import Context
from ckanext.dcat.utils import catalog_uri

PAGING_PARAMS = ("modified_since", "q", "fq")
"""Request parameters a catalog page's hydra links repeat (ckanext-dcat's list, less `profiles`,
which the endpoints refuse)."""
QUERY_MESSAGE = "检索条件无效（例如引号或括号未配对）：请修改检索词后重试"
PROFILES_MESSAGE = "不支持 profiles 参数：本平台只按 DCAT-AP 3 输出"


def public_context(context: Mapping[str, Any]) -> Context:
    """`context` acting as an anonymous visitor, auth checked."""
    public = {key: value for key, value in context.items()
              if key not in ("user", "auth_user_obj", "ignore_auth", "for_view")}
    return {**public, "user": "", "auth_user_obj": None, "ignore_auth": False}  # type: ignore


def last_public_modification() -> Optional[str]:
    """metadata_modified of the newest published entry."""
    found = tk.get_action("package_search")(
        public_context({}), {"sort": "metadata_modified desc", "rows": 1,
                             "fl": "id,metadata_modified", "fq": "-dataset_type:harvest"})
    results = found.get("results") or []
    return results[0].get("metadata_modified") if results else None


def refuse_profiles(data_dict: Mapping[str, Any]) -> None:
    """Another profile list would publish without our mappings (and count hidden entries in
    the catalog's date): refused."""
    if data_dict.get("profiles"):
        raise tk.ValidationError({"profiles": [PROFILES_MESSAGE]})


def paging(count: int, page: int, per_page: int, path: str,
           args: Mapping[str, Any]) -> dict[str, Any]:
    """The hydra paging of a catalog page (ckanext-dcat's `_pagination_info`, with the
    repeated parameters URL-encoded: its raw `?q=公交 线路` made rdflib refuse the page)."""
    if not count:
        return {}
    kept = [(key, args[key]) for key in PAGING_PARAMS if args.get(key)]

    def url(number: int) -> str:
        return f"{catalog_uri()}{path}?{urlencode(kept + [('page', number)])}"

    last = max(1, math.ceil(count / per_page))
    info = {"count": count, "items_per_page": per_page, "current": url(page),
            "first": url(1), "last": url(last)}
    if page > 1:
        info["previous"] = url(min(page - 1, last))
    if page < last:
        info["next"] = url(page + 1)
    return info
