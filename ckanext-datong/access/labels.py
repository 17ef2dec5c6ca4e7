"""CKAN's permission labels of entries and users (IPermissionLabels): package_show's auth,
package_search's filter and the activities' labels all compare them."""
from __future__ import annotations

from typing import Any

import ckan.authz as authz
import ckan.model as model
import ckan.plugins as plugins
import sqlalchemy as sa
from ckan.lib.plugins import DefaultPermissionLabels

from ckanext.datong.access.decision import GOVERNMENT, PUBLIC, Entry, audience
from ckanext.datong.access.identity import Viewer, viewer

LABEL_PUBLIC = "public"
LABEL_GOVERNMENT = "datong-government"
LABEL_AUTHORITY = "datong-authority"
_DEFAULT_LABELS = DefaultPermissionLabels()


def dataset_labels(package: model.Package) -> list[str]:
    """IPermissionLabels: the labels a user needs one of to see `package`."""
    entry = Entry.of_package(package)
    if entry.private or not entry.active:
        return _DEFAULT_LABELS.get_dataset_labels(package)  # CKAN's own rule, unchanged
    seen_by = audience(entry)
    if seen_by == PUBLIC:
        return [LABEL_PUBLIC]
    labels = [f"member-{package.owner_org}"] if package.owner_org else [
        f"creator-{package.creator_user_id}"]
    if authz.check_config_permission("allow_dataset_collaborators"):
        labels.append(f"collaborator-{package.id}")
    labels.append(LABEL_GOVERNMENT if seen_by == GOVERNMENT else LABEL_AUTHORITY)
    return labels


def user_labels(user: Any) -> list[str]:
    """IPermissionLabels: CKAN's labels of `user` plus government and authority roles."""
    labels = _DEFAULT_LABELS.get_user_dataset_labels(user)
    who = viewer(user)
    if who.government:
        labels.append(LABEL_GOVERNMENT)
    if who.authority:
        labels.append(LABEL_AUTHORITY)
    return labels


def may_see(who: Viewer, package: model.Package) -> bool:
    """Whether `who` may see the entry (CKAN's label rule: one label in common)."""
    if who.sysadmin:
        return True
    return bool(set(dataset_labels(package)) & set(user_labels(who.user)))


def relabel_history(package_id: str) -> None:
    """Give every activity of an entry the labels the entry has now: CKAN stores an
    activity's labels when it is written, so a re-classified entry's history would stay
    readable by whoever could read it then. Runs in the caller's transaction."""
    package = model.Package.get(package_id)
    if package is None or not plugins.plugin_loaded("activity"):
        return
    model.Session.execute(
        sa.text("UPDATE activity SET permission_labels = :labels WHERE object_id = :id"),
        {"labels": dataset_labels(package), "id": package.id})
