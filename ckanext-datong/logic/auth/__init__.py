"""Auth functions of ckanext-datong, one module per area (collected by tk.blanket.auth_functions
through `__all__`)."""
from ckanext.datong.logic.auth.catalog import (
    datastore_info,
    datastore_search,
    datastore_search_sql,
    group_create,
    organization_create,
    package_show,
    resource_search,
    resource_show,
)
from ckanext.datong.logic.auth.workbook import (
    datong_catalog_export,
    datong_catalog_import,
    datong_catalog_import_status,
)

__all__: list[str] = [
    "package_show",
    "resource_show",
    "datastore_info",
    "datastore_search",
    "datastore_search_sql",
    "resource_search",
    "organization_create",
    "group_create",
    "datong_catalog_export",
    "datong_catalog_import",
    "datong_catalog_import_status",
]
