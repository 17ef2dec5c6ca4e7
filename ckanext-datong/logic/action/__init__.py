"""Actions of ckanext-datong, one module per area, and every other action guarded so that
entries the caller may not see are absent and bad input never crashes (logic/guard.py)."""
from __future__ import annotations

from typing import Any

from ckanext.datong.logic import guard
from ckanext.datong.logic.action import catalog, listings, workbook

OWN: dict[str, Any] = {
    "package_create": catalog.package_create,
    "package_update": catalog.package_update,
    "package_search": catalog.package_search,
    "package_list": catalog.package_list,
    "datong_catalog_export": workbook.datong_catalog_export,
    "datong_catalog_import": workbook.datong_catalog_import,
    "datong_catalog_import_status": workbook.datong_catalog_import_status,
    **{name: getattr(listings, name) for name in listings.CHAINED},
}
"""Our actions and chained CKAN actions by name."""


def get_actions() -> dict[str, Any]:
    """IActions (through tk.blanket.actions): every action, guarded."""
    return guard.everywhere(OWN)
