"""Actions of ckanext-datong."""
from __future__ import annotations

from ckanext.datong.facets import package_search
from ckanext.datong.logic.access_actions import package_list
from ckanext.datong.logic.catalog import package_create, package_update
from ckanext.datong.logic.harvest_overview import datong_harvest_overview
from ckanext.datong.logic.workbook import (
    datong_catalog_export,
    datong_catalog_import,
    datong_catalog_import_status,
)

__all__: list[str] = [
    "package_create",
    "package_update",
    "package_search",
    "package_list",
    "datong_catalog_export",
    "datong_catalog_import",
    "datong_catalog_import_status",
    "datong_harvest_overview",
]
