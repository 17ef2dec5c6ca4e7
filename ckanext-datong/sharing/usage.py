"""Every read through grants goes to the audit log: who read which data through which
grants, by which channel, and how many rows."""
from __future__ import annotations

from typing import Any

import ckan.model as model

from ckanext.datong.access import Scope, Viewer
from ckanext.datong.sharing import audit


def rows_in(records: Any) -> int:
    """Rows in a datastore_search result's records (a list, or CSV/TSV text)."""
    if isinstance(records, str):
        return records.count("\n")
    return len(records or [])


def record(who: Viewer, scope: Scope, resource_id: str, channel: str, rows: int | None) -> None:
    """Append one grant.used event for a read through grants (naming the first grant, and
    every grant that gave the scope), and commit it."""
    if not scope.grants:
        return
    resource = model.Resource.get(resource_id)
    package = model.Package.get(resource.package_id) if resource else None
    first = scope.grants[0]
    audit.append(action="grant.used", object_type="grant", object_id=first.id,
                 actor=who.user, package_id=first.package_id,
                 provider_org_id=package.owner_org if package else None,
                 requester_org_id=first.grantee_org_id, row_count=rows,
                 detail={"resource_id": resource_id, "channel": channel,
                         "grants": [grant.id for grant in scope.grants],
                         "columns": sorted(scope.columns) if scope.columns is not None else None,
                         "regions": sorted(scope.regions) if scope.regions is not None else None})
    model.Session.commit()
