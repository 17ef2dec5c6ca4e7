"""Actions of ckanext-datong, and every other action guarded so that entries the caller may
not see are absent and bad input never crashes (logic/guard.py)."""
from __future__ import annotations

from typing import Any

from ckanext.datong.logic import guard

from ckanext.datong.facets import package_search
from ckanext.datong.logic.access_actions import package_list
from ckanext.datong.logic.catalog import package_create, package_update
from ckanext.datong.logic import listings
from ckanext.datong.logic.harvest_overview import datong_harvest_overview
from ckanext.datong.logic.workbook import (
    datong_catalog_export,
    datong_catalog_import,
    datong_catalog_import_status,
)

LISTINGS = (
    "tag_list", "tag_autocomplete", "tag_search", "tag_show", "format_autocomplete",
    "member_list", "harvest_source_list", "datastore_search", "package_activity_list",
    "group_activity_list", "organization_activity_list", "recently_changed_packages_activity_list",
    "user_activity_list", "dashboard_activity_list", "activity_show", "activity_data_show",
    "activity_diff", "organization_show", "organization_list", "organization_list_for_user",
    "group_show", "group_list", "group_list_authz", "user_show", "user_list",
)
"""Chained CKAN actions of logic/listings.py."""

OWN: list[str] = [
    "package_create",
    "package_update",
    "package_search",
    "package_list",
    "datong_catalog_export",
    "datong_catalog_import",
    "datong_catalog_import_status",
    "datong_harvest_overview",
]


def get_actions() -> dict[str, Any]:
    """IActions (through tk.blanket.actions): every action, guarded."""
    own = {name: globals()[name] for name in OWN}
    own.update((name, getattr(listings, name)) for name in LISTINGS)
    return guard.everywhere(own)
