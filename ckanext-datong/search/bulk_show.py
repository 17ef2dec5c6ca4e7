"""package_show for a batch of entries at once, for the index rebuild.

`load(ids)` reads the batch's packages, resources, tags, extras, groups, organizations and
relationships in a few queries (one per table instead of eight per entry); `Batch.show(id)`
then gives the dict that `package_show` with `validate: False, use_cache: False` and
ignore_auth gives: CKAN 2.11's `package_dictize` rebuilt over the loaded rows (same keys in
the same order, same values, same sorting), then package_show's plugin hooks, called for real
(IPackageController.read, IResourceController.before_resource_show,
IPackageController.after_dataset_show). tests/search/test_bulk_show.py holds it to
package_show's output, field by field, on varied entries; like the rest of the embedded
index it is written for CKAN 2.11, which seam.py checks at start-up.
"""
from __future__ import annotations

import collections
import dataclasses
from typing import Any, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy import orm

import ckan.lib.dictization as d
import ckan.lib.helpers as h
import ckan.plugins as plugins
from ckan import logic, model
from ckan.lib.dictization import model_dictize
from ckan.types import Context

_KEY = "datong_batch_key"
"""Label of the column that tells which entry a joined row belongs to (dropped from dicts)."""


def _grouped(rows: Iterable[Any], key: str) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = collections.defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def _dictized(row: Any, context: Context) -> dict[str, Any]:
    """table_dictize of a joined row without its batch key (the last column)."""
    result = d.table_dictize(row, context)
    del result[_KEY]
    return result


@dataclasses.dataclass
class Batch:
    """The rows of one batch of entries, ready to be shown one by one."""

    packages: dict[str, model.Package]
    resources: dict[str, list[Any]]
    tags: dict[str, list[Any]]
    extras: dict[str, list[Any]]
    groups: dict[str, list[Any]]
    member_counts: dict[str, int]
    organizations: dict[str, Any]
    as_subject: dict[str, list[Any]]
    as_object: dict[str, list[Any]]

    def show(self, package_id: str) -> dict[str, Any]:
        """The entry as package_show (validate False, use_cache False, ignore_auth) gives it."""
        pkg = self.packages.get(package_id)
        if pkg is None:
            raise logic.NotFound
        context: Context = {"model": model, "session": model.Session, "user": "",
                            "auth_user_obj": None, "ignore_auth": True, "validate": False,
                            "use_cache": False, "package": pkg}
        package_dict = self._dictize(pkg, context)
        for item in plugins.PluginImplementations(plugins.IPackageController):
            item.read(pkg)
        for resource_plugin in plugins.PluginImplementations(plugins.IResourceController):
            for resource_dict in package_dict["resources"]:
                resource_plugin.before_resource_show(resource_dict)
        for item in plugins.PluginImplementations(plugins.IPackageController):
            item.after_dataset_show(context, package_dict)
        return package_dict

    def _dictize(self, pkg: model.Package, context: Context) -> dict[str, Any]:
        """CKAN's model_dictize.package_dictize(pkg, context) over the loaded rows."""
        result_dict = d.table_dictize(pkg, context)
        if result_dict.get("title"):
            result_dict["title"] = result_dict["title"].strip()
        result_dict.pop("plugin_data", None)

        result_dict["resources"] = model_dictize.resource_list_dictize(
            self.resources.get(pkg.id, []), context)
        result_dict["num_resources"] = len(result_dict.get("resources", []))

        result_dict["tags"] = sorted(
            (_dictized(row, context) for row in self.tags.get(pkg.id, []) if row.state == "active"),
            key=lambda x: x["name"])
        result_dict["num_tags"] = len(result_dict.get("tags", []))
        for tag_dict in result_dict["tags"]:
            tag_dict["display_name"] = tag_dict["name"]

        result_dict["extras"] = model_dictize.extras_list_dictize(self.extras.get(pkg.id, []), context)

        context["with_capacity"] = False
        result_dict["groups"] = sorted(
            (self._group_dict(row, context) for row in self.groups.get(pkg.id, [])),
            key=lambda x: h.strxfrm(x["display_name"]))

        organization = self.organizations.get(pkg.owner_org) if pkg.owner_org else None
        result_dict["organization"] = (
            d.table_dictize(organization, context)
            if organization is not None and organization.state == "active" else None)

        result_dict["relationships_as_subject"] = d.obj_list_dictize(
            self.as_subject.get(pkg.id, []), context)
        result_dict["relationships_as_object"] = d.obj_list_dictize(
            self.as_object.get(pkg.id, []), context)

        result_dict["isopen"] = pkg.isopen if isinstance(pkg.isopen, bool) else pkg.isopen()
        result_dict["type"] = pkg.type or "dataset"
        if pkg.license and pkg.license.url:
            result_dict["license_url"] = pkg.license.url
            result_dict["license_title"] = pkg.license.title.split("::")[-1]
        elif pkg.license:
            result_dict["license_title"] = pkg.license.title
        else:
            result_dict["license_title"] = pkg.license_id
        result_dict["metadata_modified"] = pkg.metadata_modified.isoformat()
        result_dict["metadata_created"] = pkg.metadata_created.isoformat() \
            if pkg.metadata_created else None
        return result_dict

    def _group_dict(self, row: Any, context: Context) -> dict[str, Any]:
        """group_dictize as package_dictize calls it: no extras, tags, groups, users or
        package counts, with the member count."""
        result_dict = _dictized(row, context)
        result_dict["display_name"] = row.title or row.name
        result_dict["member_count"] = self.member_counts.get(row.id, 0)
        image_url = result_dict.get("image_url")
        result_dict["image_display_url"] = image_url
        if image_url and not image_url.startswith("http"):
            result_dict["image_display_url"] = h.url_for_static(
                "uploads/group/%s" % result_dict.get("image_url"), qualified=True)
        return result_dict


def load(package_ids: Sequence[str]) -> Batch:
    """Read everything package_show needs of these entries, one query per table."""
    ids = list(package_ids)
    session = model.Session
    packages = {pkg.id: pkg for pkg in session.query(model.Package)
                .filter(model.Package.id.in_(ids))
                .options(orm.selectinload(model.Package._extras))}

    res = model.resource_table
    resources = _grouped(session.execute(
        sa.select(res).where(res.c.package_id.in_(ids)).order_by(res.c.position)), "package_id")

    tag, pkg_tag = model.tag_table, model.package_tag_table
    tags = _grouped(session.execute(
        sa.select(tag, pkg_tag.c.state, pkg_tag.c.package_id.label(_KEY))
        .join(pkg_tag, tag.c.id == pkg_tag.c.tag_id)
        .where(pkg_tag.c.package_id.in_(ids))), _KEY)

    extra = model.package_extra_table
    extras = _grouped(session.execute(sa.select(extra).where(extra.c.package_id.in_(ids))),
                      "package_id")

    member, group = model.member_table, model.group_table
    groups = _grouped(session.execute(
        sa.select(group, member.c.capacity, member.c.table_id.label(_KEY))
        .join(member, group.c.id == member.c.group_id)
        .where(member.c.table_id.in_(ids), member.c.state == "active",
               group.c.is_organization == False)), _KEY)  # noqa: E712 (SQL, as CKAN writes it)
    group_ids = list({row.id for rows in groups.values() for row in rows})
    member_counts = dict(session.execute(
        sa.select(member.c.group_id, sa.func.count())
        .select_from(member.join(model.user_table, model.user_table.c.id == member.c.table_id))
        .where(member.c.group_id.in_(group_ids), member.c.state == "active",
               member.c.table_name == "user")
        .group_by(member.c.group_id)).all()) if group_ids else {}

    org_ids = list({pkg.owner_org for pkg in packages.values() if pkg.owner_org})
    organizations = {row.id: row for row in session.execute(
        sa.select(group).where(group.c.id.in_(org_ids)))} if org_ids else {}

    rel = model.package_relationship_table
    as_subject = _grouped(session.execute(
        sa.select(rel).where(rel.c.subject_package_id.in_(ids))), "subject_package_id")
    as_object = _grouped(session.execute(
        sa.select(rel).where(rel.c.object_package_id.in_(ids))), "object_package_id")
    return Batch(packages, resources, tags, extras, groups, member_counts, organizations,
                 as_subject, as_object)
