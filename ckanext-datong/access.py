"""Who may see and download what: the single access decision point.

Every channel asks this module, and nothing else decides:

- metadata: the permission labels (CKAN's package_show auth, package_search filters and
  activity labels all compare them) and the package_list filter;
- files: `file_statuses` and `resource_file_status`, asked by the output redaction, the
  download guard (views/access.py) and the chained DataStore auth functions (logic/auth.py);
- grading: `can_see_grade`, asked by the output redaction (the facets' grade filter should
  ask it too).

package_search calls after_dataset_search without the caller's context: the chained
package_search must run the original inside `searching(context)`.

Rules (shared/design.md roles, shared/domain.md attributes): 无条件开放 and 有条件开放 entries
are public; 不予开放 entries shared with conditions or without are seen by government users
(members of any organization); 不予共享 entries by the owning department and the data
authority (members of a 数据主管部门 organization). CKAN-private entries keep CKAN's rule.
Files: owning department, authority and sysadmins always; government users by 共享类型,
everyone by 开放属性; the looser path wins; a conditional path needs a grant in force
(ckanext.datong.model.Grant). Grades and flagged 信息项 are shown to government users only.
"""
from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import json
import re
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence

import ckan.authz as authz
import ckan.model as model
import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.lib.plugins import DefaultPermissionLabels
from ckan.types import AuthResult, Context

from ckanext.datong import vocabulary
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

AUTHORITY_KIND = "数据主管部门"
LABEL_PUBLIC = "public"
LABEL_GOVERNMENT = "datong-government"
LABEL_AUTHORITY = "datong-authority"

PUBLIC, GOVERNMENT, DEPARTMENT = "public", "government", "department"
"""Metadata audiences of an active, non-private entry."""

ITEMS = "items"
GRADE = "data_grade"
ITEM_GRADE = "item_grade"
ITEM_FLAGS = ("sensitive", "personal_info")
_DEFAULT_LABELS = DefaultPermissionLabels()


# --------------------------------------------------------------------------- who and what


@dataclasses.dataclass(frozen=True)
class Viewer:
    """The person asking: their account and organization memberships."""

    user: Optional[model.User] = None
    sysadmin: bool = False
    org_ids: frozenset[str] = frozenset()
    authority: bool = False

    @property
    def name(self) -> str:
        return self.user.name if self.user else ""

    @property
    def user_id(self) -> Optional[str]:
        return self.user.id if self.user else None

    @property
    def government(self) -> bool:
        """A member of any organization (municipal department, county, 经开区, authority)."""
        return bool(self.org_ids)


ANONYMOUS = Viewer()


def viewer(user: Any) -> Viewer:
    """The Viewer of a CKAN user object (anonymous for None, AnonymousUser or a deleted user)."""
    if not isinstance(user, model.User) or user.state == model.State.DELETED:
        return ANONYMOUS
    rows = (
        model.Session.query(model.Group.id, model.GroupExtra.value)
        .join(model.Member, model.Member.group_id == model.Group.id)
        .outerjoin(model.GroupExtra, sa.and_(
            model.GroupExtra.group_id == model.Group.id, model.GroupExtra.key == "org_kind",
            model.GroupExtra.state == model.State.ACTIVE))
        .filter(model.Member.table_name == "user", model.Member.table_id == user.id,
                model.Member.state == model.State.ACTIVE, model.Group.is_organization.is_(True),
                model.Group.state == model.State.ACTIVE)
        .all()
    )
    return Viewer(user=user, sysadmin=bool(user.sysadmin),
                  org_ids=frozenset(row[0] for row in rows),
                  authority=any(row[1] == AUTHORITY_KIND for row in rows))


def viewer_from_context(context: Mapping[str, Any]) -> Viewer:
    """The Viewer an action context names (auth_user_obj, else the `user` name)."""
    user = context.get("auth_user_obj")
    if not isinstance(user, model.User):
        name = context.get("user")
        user = model.User.get(name) if name else None
    return viewer(user)


def current_viewer() -> Viewer:
    """The Viewer of the current web request; anonymous outside a request."""
    try:
        name = tk.current_user.name if tk.current_user.is_authenticated else ""
    except (RuntimeError, AttributeError):
        return ANONYMOUS
    return viewer(model.User.get(name) if name else None)


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


# --------------------------------------------------------------------------- metadata


def audience(entry: Entry) -> str:
    """Who may see the metadata of an active, non-private entry."""
    if _status("open_types", entry.open_type) != DENIED:
        return PUBLIC
    if _status("share_types", entry.share_type) != DENIED:
        return GOVERNMENT
    return DEPARTMENT


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


def may_see(who: Viewer, package: model.Package) -> bool:
    """Whether `who` may see the entry (CKAN's label rule: one label in common)."""
    if who.sysadmin:
        return True
    return bool(set(dataset_labels(package)) & set(user_labels(who.user)))


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


# --------------------------------------------------------------------------- files


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


def resource_file_status(who: Viewer, resource_id: str) -> Optional[str]:
    """The file status of one resource; None when it does not exist or `who` may not see it."""
    resource = model.Resource.get(resource_id) if resource_id else None
    if resource is None or resource.state != model.State.ACTIVE:
        return None
    package = model.Package.get(resource.package_id)
    if package is None or not _may(who, "package_show", package.id):
        return None
    return file_statuses(who, Entry.of_package(package), [resource.id])[0]


def file_auth(context: Context, resource_ids: Iterable[str]) -> AuthResult:
    """Auth result for reading the data of resources (DataStore): every file must be allowed."""
    who = viewer_from_context(context)
    for resource_id in resource_ids:
        status = resource_file_status(who, resource_id)
        if status != ALLOWED:
            return {"success": False, "msg": MESSAGES.get(status or "", NOT_FOUND_MESSAGE)}
    return {"success": True}


def _may(who: Viewer, action: str, package_id: str) -> bool:
    context: Context = {"model": model, "session": model.Session, "user": who.name,
                        "auth_user_obj": who.user}
    return authz.is_authorized(action, context, {"id": package_id}).get("success", False)


# --------------------------------------------------------------------------- output


def redact_dataset(context: Context, pkg_dict: dict[str, Any]) -> None:
    """after_dataset_show: mark what the caller may download and hide what they may not see."""
    if context.get("ignore_auth"):
        return  # indexing, internal reads
    _redact(viewer_from_context(context), pkg_dict, bool(context.get("for_view")))


def redact_entry(who: Viewer, pkg_dict: dict[str, Any]) -> None:
    """An entry dict from elsewhere (an activity) as package_show shows it to `who`."""
    _redact(who, pkg_dict, for_view=False)


def _redact(who: Viewer, pkg_dict: dict[str, Any], for_view: bool) -> None:
    """Add `datong_access` and each resource's `datong_download`; for callers who cannot
    update the entry, blank the URLs of files they may not download and drop the grading.
    A caller who can update gets the dict untouched outside pages: package_patch and
    package_update build on package_show, and must write back exactly what is stored."""
    entry = Entry.of_dict(pkg_dict)
    editor = who.user is not None and _may(who, "package_update", entry.id)
    if editor and not for_view:
        return
    resources = [r for r in pkg_dict.get("resources") or [] if isinstance(r, dict)]
    statuses = file_statuses(who, entry, [None] + [r.get("id") for r in resources])
    see_grade = editor or can_see_grade(who)
    pkg_dict["datong_access"] = {"download": statuses[0], "see_grade": see_grade}
    for resource, status in zip(resources, statuses[1:]):
        resource["datong_download"] = status
        if status != ALLOWED and not editor:
            resource["url"] = ""
            resource["datong_download_message"] = MESSAGES[status]
    if not see_grade:
        hide_grading(pkg_dict)


def hide_grading(pkg_dict: dict[str, Any]) -> None:
    """Drop the grade, every item's grade and the sensitive or personal 信息项, whether the
    fields are at the top (validated dict) or in `extras` (unvalidated dict)."""
    pkg_dict.pop(GRADE, None)
    if ITEMS in pkg_dict:
        pkg_dict[ITEMS] = _public_items(pkg_dict[ITEMS])
    extras = pkg_dict.get("extras")
    if isinstance(extras, list):
        kept = []
        for extra in extras:
            key = extra.get("key") if isinstance(extra, Mapping) else None
            if key == GRADE:
                continue
            if key == ITEMS:
                extra = dict(extra, value=_public_items(extra.get("value")))
            kept.append(extra)
        pkg_dict["extras"] = kept


def _public_items(items: Any) -> Any:
    """The items without grades and without flagged ones; JSON text stays JSON text."""
    if isinstance(items, str):
        try:
            parsed = json.loads(items)
        except ValueError:
            return "[]"
        return json.dumps(_public_items(parsed), ensure_ascii=False)
    if not isinstance(items, list):
        return []
    return [{key: value for key, value in item.items() if key != ITEM_GRADE}
            for item in items if isinstance(item, Mapping) and not flagged_item(item)]


def flagged_item(item: Mapping[str, Any]) -> bool:
    """Whether a 信息项 is shown to government users only (sensitive or personal information)."""
    return any(str(item.get(flag)).lower() == "true" for flag in ITEM_FLAGS)


# --------------------------------------------------------------------------- search


_SEARCH_CONTEXT: contextvars.ContextVar[Optional[Context]] = contextvars.ContextVar(
    "datong_search_context", default=None)


@contextlib.contextmanager
def searching(context: Context) -> Iterator[None]:
    """Wrap a package_search call so that `redact_search_results` (after_dataset_search, which
    CKAN calls without the context) redacts for the caller of `context`."""
    token = _SEARCH_CONTEXT.set(context)
    try:
        yield
    finally:
        _SEARCH_CONTEXT.reset(token)


def redact_search_results(search_results: dict[str, Any]) -> dict[str, Any]:
    """after_dataset_search: redact every result for the caller (see `_redact`). Outside
    `searching` (package_search called as a plain function) the caller is the request's user,
    anonymous outside a request."""
    context = _SEARCH_CONTEXT.get()
    if context is not None and context.get("ignore_auth"):
        return search_results
    who = viewer_from_context(context) if context is not None else current_viewer()
    for_view = bool(context and context.get("for_view"))
    for result in search_results.get("results") or []:
        if isinstance(result.get("resources"), list):
            _redact(who, result, for_view)
        else:
            _redact_fields(who, result)
    return search_results


def _redact_fields(who: Viewer, result: dict[str, Any]) -> None:
    """A result of chosen index fields (`fl`): the whole-dict fields are redacted like
    package_show output, the grade and 信息项 fields dropped for those who may not see
    grades; resource URLs are kept only when every file may be downloaded."""
    if not can_see_grade(who):
        hide_grading(result)
    for key in ("data_dict", "validated_data_dict"):
        if isinstance(result.get(key), str):
            whole = json.loads(result[key])
            for nested in ("data_dict", "validated_data_dict"):  # index copies inside a copy
                whole.pop(nested, None)
            _redact(who, whole, for_view=False)
            result[key] = json.dumps(whole, ensure_ascii=False)
    if "res_url" in result:
        package = model.Package.get(result["id"]) if result.get("id") else None
        if package is None or not (
                (who.user is not None and _may(who, "package_update", package.id))
                or file_statuses(who, Entry.of_package(package), [None])[0] == ALLOWED):
            result["res_url"] = []
