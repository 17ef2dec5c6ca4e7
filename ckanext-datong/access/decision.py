"""What an entry's attributes allow: who sees its metadata, who may download its files, who
sees its grading, and which entry a reference names.

Rules (docs/architecture.md roles, docs/domain.md attributes): 无条件开放 and 有条件开放
entries are public; 不予开放 entries shared with conditions or without are seen by government
users (members of any organization); 不予共享 entries by the owning department and the data
authority. CKAN-private entries keep CKAN's rule. Files: owning department, authority and
sysadmins always; government users by 共享类型, everyone by 开放属性; the looser path wins; a
conditional path needs a grant in force (ckanext.datong.model.Grant). Grades and flagged
信息项 are shown to government users only.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Iterable, Mapping, Optional, Sequence

import ckan.authz as authz
import ckan.model as model
import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.types import AuthResult, Context

from ckanext.datong import vocabulary
from ckanext.datong.access.identity import Viewer, viewer_from_context
from ckanext.datong.model import Grant

ALLOWED = "allowed"
GRANT_REQUIRED = "grant_required"
DENIED = "denied"
STATUSES = (ALLOWED, GRANT_REQUIRED, DENIED)
"""File statuses from the loosest to the strictest; the loosest, conditional and strictest
terms of an ordered vocabulary (open_types, share_types) map onto them in that order."""

MESSAGES = {
    GRANT_REQUIRED: "该数据需申请授权后下载",
    DENIED: "您无权下载该数据",
}
NOT_FOUND_MESSAGE = "未找到该数据，或您无权访问该数据"
NOT_VISIBLE_MESSAGE = "您无权访问该数据"

PUBLIC, GOVERNMENT, DEPARTMENT = "public", "government", "department"
"""Metadata audiences of an active, non-private entry."""


@dataclasses.dataclass(frozen=True)
class Entry:
    """The facts about a catalog entry that access depends on."""

    id: str
    owner_org: Optional[str]
    private: bool
    active: bool
    open_type: str
    share_type: str

    @classmethod
    def of_package(cls, package: model.Package) -> "Entry":
        extras = package.extras
        return cls(id=package.id, owner_org=package.owner_org, private=bool(package.private),
                   active=package.state == model.State.ACTIVE,
                   open_type=extras.get("open_type") or "", share_type=extras.get("share_type") or "")

    @classmethod
    def of_dict(cls, pkg_dict: Mapping[str, Any]) -> "Entry":
        """From a package_show dict, validated (fields at the top) or not (fields in extras)."""
        return cls(id=pkg_dict.get("id") or "", owner_org=pkg_dict.get("owner_org"),
                   private=tk.asbool(pkg_dict.get("private")),
                   active=pkg_dict.get("state") == model.State.ACTIVE,
                   open_type=_field(pkg_dict, "open_type"), share_type=_field(pkg_dict, "share_type"))


def _field(pkg_dict: Mapping[str, Any], key: str) -> str:
    if pkg_dict.get(key):
        return str(pkg_dict[key])
    for extra in pkg_dict.get("extras") or []:
        if isinstance(extra, Mapping) and extra.get("key") == key:
            return str(extra.get("value") or "")
    return ""


def _status(vocabulary_name: str, value: str) -> str:
    """The file status a value of an ordered vocabulary gives; unknown values deny."""
    values = vocabulary.values(vocabulary_name)
    return STATUSES[min(values.index(value), len(STATUSES) - 1)] if value in values else DENIED


def audience(entry: Entry) -> str:
    """Who may see the metadata of an active, non-private entry."""
    if _status("open_types", entry.open_type) != DENIED:
        return PUBLIC
    if _status("share_types", entry.share_type) != DENIED:
        return GOVERNMENT
    return DEPARTMENT


def visible_packages(who: Viewer) -> Optional[sa.sql.ColumnElement]:
    """A filter on the package table keeping the active, non-private entries `who` may see
    (the SQL form of `audience` for listings that bypass the search index); None: all of them."""
    if who.sysadmin or who.authority:
        return None

    def extra_in(key: str, values: Iterable[str]) -> sa.sql.ColumnElement:
        return sa.exists().where(
            model.package_extra_table.c.package_id == model.package_table.c.id,
            model.package_extra_table.c.key == key,
            model.package_extra_table.c.state == model.State.ACTIVE,
            model.package_extra_table.c.value.in_(list(values)))

    def not_denied(name: str) -> list[str]:
        return [value for value in vocabulary.values(name) if _status(name, value) != DENIED]

    seen = [extra_in("open_type", not_denied("open_types"))]
    if who.government:
        seen.append(extra_in("share_type", not_denied("share_types")))
        seen.append(model.package_table.c.owner_org.in_(list(who.org_ids)))
    return sa.or_(*seen)


def _reference_sources() -> list[sa.sql.Select]:
    """Queries mapping an id to the entry it belongs to: the entry itself, its resources and
    their views, and (with their plugins) its activities and harvest objects."""
    value = sa.bindparam("value")
    sources = [
        sa.select(model.package_table.c.id).where(model.package_table.c.id == value),
        sa.select(model.resource_table.c.package_id).where(model.resource_table.c.id == value),
        sa.select(model.resource_table.c.package_id).join(
            model.resource_view_table,
            model.resource_view_table.c.resource_id == model.resource_table.c.id,
        ).where(model.resource_view_table.c.id == value),
    ]
    if plugins.plugin_loaded("activity"):
        sources.append(sa.text(
            "SELECT object_id FROM activity WHERE id = :value AND activity_type LIKE '%package'"))
    if plugins.plugin_loaded("harvest"):
        sources.append(sa.text(
            "SELECT coalesce(package_id, harvest_source_id) FROM harvest_object WHERE id = :value"))
    return sources


UUID = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")
"""The shape of every id CKAN makes: other values are not looked up as ids."""


def referenced_entry(value: str, by_name: bool) -> Optional[model.Package]:
    """The entry an id (of an entry, resource, resource view, activity or harvest object)
    refers to, or with `by_name` an entry's URL name; None when nothing matches."""
    if not UUID.match(value):
        return model.Package.by_name(value) if by_name else None
    for source in _reference_sources():
        package_id = model.Session.execute(source, {"value": value}).scalar()
        if package_id:
            return model.Package.get(package_id)
    if by_name:
        return model.Package.by_name(value)
    return None


def seen_entries(who: Viewer) -> Optional[sa.sql.ColumnElement]:
    """A condition on the package table keeping the active entries `who` may see, private
    ones by CKAN's rule (members of the owning organization), the others by audience; None
    for sysadmins, who see all."""
    if who.sysadmin:
        return None
    table = model.package_table
    shown = table.c.private.is_(False)
    audience_filter = visible_packages(who)
    if audience_filter is not None:
        shown = sa.and_(shown, audience_filter)
    if who.org_ids:
        shown = sa.or_(shown, sa.and_(table.c.private.is_(True),
                                      table.c.owner_org.in_(list(who.org_ids))))
    return sa.and_(table.c.state == model.State.ACTIVE, shown)


def can_see_grade(who: Viewer) -> bool:
    """Grades and sensitive or personal 信息项 are shown to government users and sysadmins."""
    return who.sysadmin or who.government


def _file_status_without_grants(who: Viewer, entry: Entry) -> str:
    if who.sysadmin or who.authority or (entry.owner_org and entry.owner_org in who.org_ids):
        return ALLOWED
    paths = [_status("open_types", entry.open_type)]
    if who.government:
        paths.append(_status("share_types", entry.share_type))
    return min(paths, key=STATUSES.index)


def file_statuses(who: Viewer, entry: Entry, resource_ids: Sequence[Optional[str]]) -> list[str]:
    """The file status of each resource id of a visible entry (None: all its resources)."""
    status = _file_status_without_grants(who, entry)
    if status != GRANT_REQUIRED or who.user is None:
        return [status] * len(resource_ids)
    grants = Grant.in_force(entry.id, who.user_id, who.org_ids)
    return [ALLOWED if any(grant.covers_file(resource_id) for grant in grants) else GRANT_REQUIRED
            for resource_id in resource_ids]


@dataclasses.dataclass(frozen=True)
class Scope:
    """What of a resource's data a reader may take: every column or only some (信息项 names),
    every row or only those of some territories (administrative-code prefixes, read from the
    entry's 属地字段 `region_item`), and the grants that give it (none: not through a grant)."""

    columns: Optional[frozenset[str]] = None
    regions: Optional[frozenset[str]] = None
    region_item: str = ""
    grants: tuple[Grant, ...] = ()

    @property
    def whole(self) -> bool:
        return self.columns is None and self.regions is None

    def contains(self, other: "Scope") -> bool:
        return (self.columns is None or (other.columns is not None and other.columns <= self.columns)) \
            and (self.regions is None or (other.regions is not None and other.regions <= self.regions))


WHOLE = Scope()


def _grant_scope(grant: Grant, region_item: str) -> Scope:
    return Scope(columns=frozenset(grant.items) if grant.items is not None else None,
                 regions=frozenset([grant.region_code]) if grant.region_code else None,
                 region_item=region_item, grants=(grant,))


def _combined(scopes: list[Scope], region_item: str) -> Scope:
    """One scope from several grants without giving more than any of them does: the widest
    grant when it contains the others; otherwise the columns every grant gives, for the
    territories any gives."""
    grants = tuple(grant for scope in scopes for grant in scope.grants)
    scopes = list({(scope.columns, scope.regions): scope for scope in scopes}.values())
    for scope in scopes:
        if all(scope.contains(other) for other in scopes):
            return dataclasses.replace(scope, grants=grants)
    columns: Optional[frozenset[str]] = None
    for scope in scopes:
        if scope.columns is not None:
            columns = scope.columns if columns is None else columns & scope.columns
    regions: Optional[frozenset[str]] = frozenset()
    for scope in scopes:
        regions = None if scope.regions is None or regions is None else regions | scope.regions
    return Scope(columns=columns, regions=regions, region_item=region_item, grants=grants)


def _seen_resource(who: Viewer, resource_id: str
                   ) -> Optional[tuple[model.Resource, model.Package]]:
    """An active resource and its entry, when `who` may see the entry; None otherwise."""
    resource = model.Resource.get(resource_id) if resource_id else None
    if resource is None or resource.state != model.State.ACTIVE:
        return None
    package = model.Package.get(resource.package_id)
    if package is None or not authorized(who, "package_show", package.id):
        return None
    return resource, package


def data_scope(who: Viewer, resource_id: str) -> Optional[Scope]:
    """What of a resource's data `who` may read now (WHOLE without a grant, or what the grants
    in force give); None when they may read none of it, or may not see the resource."""
    seen = _seen_resource(who, resource_id)
    if seen is None:
        return None
    resource, package = seen
    entry = Entry.of_package(package)
    status = _file_status_without_grants(who, entry)
    if status != GRANT_REQUIRED or who.user is None:
        return WHOLE if status == ALLOWED else None
    region_item = package.extras.get("region_item") or ""
    scopes = [_grant_scope(grant, region_item)
              for grant in Grant.in_force(entry.id, who.user_id, who.org_ids)
              if grant.resource_id in (None, resource.id)]
    return _combined(scopes, region_item) if scopes else None


def resource_file_status(who: Viewer, resource_id: str) -> Optional[str]:
    """The file status of one resource; None when it does not exist or `who` may not see it."""
    seen = _seen_resource(who, resource_id)
    if seen is None:
        return None
    resource, package = seen
    return file_statuses(who, Entry.of_package(package), [resource.id])[0]


def file_auth(context: Context, resource_ids: Iterable[str]) -> AuthResult:
    """Auth result for reading the data of resources (DataStore): every file must be allowed."""
    who = viewer_from_context(context)
    for resource_id in resource_ids:
        status = resource_file_status(who, resource_id)
        if status != ALLOWED:
            return {"success": False, "msg": MESSAGES.get(status or "", NOT_FOUND_MESSAGE)}
    return {"success": True}


def authorized(who: Viewer, action: str, package_id: str,
               package: Optional[model.Package] = None) -> bool:
    """Whether CKAN's auth function `action` lets `who` act on the entry (`package`: the
    entry already loaded, which the auth functions then read instead of loading it)."""
    context: Context = {"model": model, "session": model.Session, "user": who.name,
                        "auth_user_obj": who.user}
    if package is not None:
        context["package"] = package
    return authz.is_authorized(action, context, {"id": package_id}).get("success", False)


def updatable(who: Viewer, package_ids: Sequence[str]) -> set[str]:
    """Those of `package_ids` that `who` may update (`authorized(who, "package_update", id)`
    for each), asking CKAN's auth function only where it can say yes: CKAN lets a
    non-sysadmin update an entry only through update_dataset permission on its organization
    (asked once per organization where `who` is a member, or which has a parent through
    which a role may cascade), as an editor or admin collaborator, or when it has no
    organization. A search page of entries then costs a few queries, not ten per entry."""
    if who.user is None or not package_ids:
        return set()
    packages = model.Session.query(model.Package).filter(
        model.Package.id.in_(list(package_ids))).all()
    if not who.sysadmin:
        orgs = {package.owner_org for package in packages if package.owner_org}
        member = model.Member
        reachable = {row[0] for row in model.Session.query(member.group_id).filter(
            member.state == model.State.ACTIVE, member.table_name == "user",
            member.table_id == who.user_id, member.group_id.in_(list(orgs)))}
        reachable |= {row[0] for row in model.Session.query(member.table_id).filter(
            member.state == model.State.ACTIVE, member.table_name == "group",
            member.table_id.in_(list(orgs)))}
        model.Session.query(model.Group).filter(model.Group.id.in_(list(orgs))).all()  # loaded once
        permitted = {org for org in reachable if authz.has_user_permission_for_group_or_org(
            org, who.name, "update_dataset")}
        collaborating: set[str] = set()
        if authz.check_config_permission("allow_dataset_collaborators"):
            collaborating = {row[0] for row in model.Session.query(model.PackageMember.package_id).filter(
                model.PackageMember.user_id == who.user_id,
                model.PackageMember.package_id.in_([package.id for package in packages]),
                model.PackageMember.capacity.in_(["admin", "editor"]))}
        packages = [package for package in packages if not package.owner_org
                    or package.owner_org in permitted or package.id in collaborating]
    return {package.id for package in packages
            if authorized(who, "package_update", package.id, package)}
