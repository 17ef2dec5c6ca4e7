"""Chained resource view actions: a view of a file its reader may not download carries no
address of that file (an image, audio or video view's own URL is a download by another name)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Action, Context

from ckanext.datong import access

CHAINED = ("resource_view_show", "resource_view_list")
FILE_URL_KEYS = ("image_url", "audio_url", "video_url", "poster_url")
"""The view settings of CKAN's image, audio and video views that point at a file."""


def _without_file_urls(context: Context, views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`views` with their file addresses blanked where the reader may not download the file."""
    who = access.viewer_from_context(context)
    statuses: dict[str, Any] = {}
    for view in views:
        resource_id = view.get("resource_id") or ""
        if resource_id not in statuses:
            statuses[resource_id] = access.resource_file_status(who, resource_id)
        if statuses[resource_id] != access.ALLOWED:
            for key in FILE_URL_KEYS:
                if view.get(key):
                    view[key] = ""
    return views


@tk.side_effect_free
@tk.chained_action
def resource_view_show(original: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    """CKAN's resource_view_show without file addresses the reader may not download."""
    return _without_file_urls(context, [original(context, data_dict)])[0]


@tk.side_effect_free
@tk.chained_action
def resource_view_list(original: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    """CKAN's resource_view_list without file addresses the reader may not download."""
    return _without_file_urls(context, original(context, data_dict))
