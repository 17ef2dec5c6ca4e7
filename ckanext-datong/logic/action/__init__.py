"""Actions of ckanext-datong, one module per area, and every other action guarded so that
entries the caller may not see are absent and bad input never crashes (logic/guard.py)."""
from __future__ import annotations

from types import ModuleType
from typing import Any

from ckanext.datong.logic import guard
from ckanext.datong.logic.action import (
    audit, catalog, dashboards, dcat, listings, registration, sharing, tables, views, workbook)

AREAS: dict[ModuleType, tuple[str, ...]] = {
    catalog: ("package_create", "package_update", "package_search", "package_list"),
    workbook: ("datong_catalog_export", "datong_catalog_import", "datong_catalog_import_status"),
    listings: listings.CHAINED,
    tables: tables.CHAINED,
    views: views.CHAINED,
    dcat: dcat.CHAINED,
    sharing: sharing.ACTIONS,
    audit: ("datong_audit_list", "datong_audit_verify"),
    registration: registration.ACTIONS,
    dashboards: dashboards.ACTIONS,
}
"""Each module's actions and chained CKAN actions, by name."""


def _own() -> dict[str, Any]:
    """Our actions by name; a name claimed by two modules would silently drop one of them."""
    own: dict[str, Any] = {}
    for module, names in AREAS.items():
        for name in names:
            if name in own:
                raise RuntimeError(f"action {name} is defined in two modules")
            own[name] = getattr(module, name)
    return own


OWN = _own()


def get_actions() -> dict[str, Any]:
    """IActions (through tk.blanket.actions): every action, guarded."""
    return guard.everywhere(OWN)
