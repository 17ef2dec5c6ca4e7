"""Template helpers of ckanext-datong."""
from __future__ import annotations

from typing import Any, Optional

import ckan.authz as authz
import ckan.plugins.toolkit as tk

from ckanext.datong import access, vocabulary
from ckanext.datong.clock import beijing_text as datong_beijing_time
from ckanext.datong.dates import render_datetime, time_ago_from_timestamp
from ckanext.datong.licences import datong_licence
from ckanext.datong.logic.action import listings
from ckanext.datong.pages.results import datong_abstract, datong_highlight, datong_popularity
from ckanext.datong import clock
from ckanext.datong.sharing import notify, workflow
from ckanext.datong.pages.previews import datong_table_preview
from ckanext.datong.pages.related import datong_related_entries
from ckanext.datong.pages.share import datong_share_qr
from ckanext.datong.pages.home import (
    datong_footer,
    datong_home,
    datong_organization_facts,
    datong_organization_index,
)
from ckanext.datong.pages.entry import (
    datong_display_value,
    datong_download_notice,
    datong_download_state,
    datong_field_sections,
    datong_provider_code,
    datong_shown_subfields,
)

__all__ = [
    "datong_vocabulary_choices",
    "datong_organization_regions",
    "datong_field_sections",
    "datong_display_value",
    "datong_shown_subfields",
    "datong_provider_code",
    "datong_download_state",
    "datong_download_notice",
    "datong_table_preview",
    "datong_related_entries",
    "datong_share_qr",
    "datong_may",
    "datong_highlight",
    "datong_abstract",
    "datong_popularity",
    "datong_beijing_time",
    "get_featured_organizations",
    "get_featured_groups",
    "datong_unread_notices",
    "datong_opening_pending",
    "datong_home",
    "datong_organization_index",
    "datong_organization_facts",
    "datong_footer",
    "datong_licence",
    "render_datetime",
    "time_ago_from_timestamp",
]


def datong_vocabulary_choices(field: dict[str, Any]) -> list[dict[str, Any]]:
    """Scheming choices of the vocabulary a schema field names."""
    return vocabulary.choices(field["vocabulary"])


def datong_organization_regions(field: dict[str, Any]) -> list[dict[str, Any]]:
    """Regions an organization can belong to (spatial-scope-only values left out)."""
    scope_only = {t.value for t in vocabulary.terms("regions") if t.get("scope_only")}
    return [c for c in vocabulary.choices("regions") if c["value"] not in scope_only]


def datong_may(*actions: str) -> bool:
    """Whether the signed-in user passes the auth check of any of `actions` (menu links);
    an action of a plugin that is not loaded is not allowed."""
    if not tk.current_user.is_authenticated:
        return False
    known = authz.auth_functions_list()
    for action in actions:
        if action not in known:
            continue
        try:
            tk.check_access(action, {"user": tk.current_user.name}, {})
            return True
        except tk.NotAuthorized:
            continue
    return False


def _as_seen(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Featured organizations or groups as the visitor may see them: CKAN reads them with
    auth ignored, so their entries (and counts) would include hidden ones, unredacted."""
    who = access.current_viewer()
    if who.sysadmin:
        return groups
    for group in groups:
        packages = group.get("packages") or []
        kept = listings.seen_ids(who, [package["id"] for package in packages])
        group["packages"] = [package for package in packages if package["id"] in kept]
        for package in group["packages"]:
            access.redact_entry(who, package)
    listings.recount(who, groups)
    return groups


@tk.chained_helper
def get_featured_organizations(next_helper: Any, count: int = 1) -> list[dict[str, Any]]:
    """The home page's featured organizations, with only the entries the visitor may see."""
    return _as_seen(next_helper(count))


@tk.chained_helper
def get_featured_groups(next_helper: Any, count: int = 1) -> list[dict[str, Any]]:
    """The home page's featured groups, with only the entries the visitor may see."""
    return _as_seen(next_helper(count))


def datong_opening_pending(package_id: str) -> Optional[dict[str, Any]]:
    """The signed-in user's running application for the entry's files (number, state and
    deadline), for the entry page; None for visitors and users without one."""
    if not tk.current_user.is_authenticated:
        return None
    found = workflow.running_opening(tk.current_user.id, package_id)
    if found is None:
        return None
    return {"id": found.id, "number": found.number,
            "state_label": workflow.STATE_LABELS[found.state],
            "due_text": clock.chinese_date(found.due_date) if found.due_date else ""}


def datong_unread_notices() -> int:
    """The signed-in user's unread notices (消息), for the menu; 0 for visitors. A count of
    their own inbox only, on every page: no action round trip."""
    if not tk.current_user.is_authenticated:
        return 0
    return notify.unread(tk.current_user.id)
