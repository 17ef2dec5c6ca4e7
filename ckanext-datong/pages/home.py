"""The portal's home page and organization pages: the 数据领域 tiles, the newest and most used
entries, the municipal departments and the counties with their entry counts, and the site
counters, each counted over the entries the current visitor may see (hidden entries never
count); and the footer's configured facts."""
from __future__ import annotations

from typing import Any, Optional

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ckanext.datong import access, licences, vocabulary
from ckanext.datong import config as datong_config
from ckanext.datong.search import cache

DOMAIN_FIELD = "industry_domain"
# Organization kinds (vocabulary org_kinds) listed as 区县; every other kind (市直部门, the data
# authority) is a municipal department.
COUNTY_KINDS = frozenset({"县区", "经开区"})
# Font Awesome 6 icons of the 行业领域 tiles; a domain added to the vocabulary gets DEFAULT_ICON.
DOMAIN_ICONS = {
    "文旅": "fa-mountain-sun", "能源": "fa-bolt", "教育": "fa-graduation-cap",
    "医疗": "fa-hospital", "医保": "fa-shield-heart", "交通": "fa-bus", "城管": "fa-city",
    "应急": "fa-truck-medical", "农业": "fa-wheat-awn", "气象": "fa-cloud-sun",
    "政务": "fa-building-columns",
}
DEFAULT_ICON = "fa-database"
LIST_LENGTH = 6  # entries in each home page list
HOME_DEPARTMENTS = 12  # departments on the home page (the busiest); all on /organization/
NEWEST_SORT = "metadata_created desc"
POPULAR_SORT = "views_recent desc"


def _search(**params: Any) -> dict[str, Any]:
    """package_search as the current visitor (private entries of their own organizations
    included, as on the search page)."""
    context = {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}
    return tk.get_action("package_search")(context, {"include_private": True, **params})


def _facet_counts(found: dict[str, Any], field: str) -> dict[str, int]:
    items = (found.get("search_facets") or {}).get(field, {}).get("items", [])
    return {item["name"]: item["count"] for item in items}


def _label(term: vocabulary.Term) -> str:
    return tk.h.scheming_language_text({"zh_Hans_CN": term.label, "en": term.en})


def _entry(package: dict[str, Any]) -> dict[str, Any]:
    """What a home page list shows of an entry."""
    organization = package.get("organization") or {}
    summary = package.get("tracking_summary") or {}
    domain = vocabulary.term("industry_domains", str(package.get(DOMAIN_FIELD) or ""))
    return {
        "title": package.get("title") or package["name"],
        "url": tk.h.url_for("dataset.read", id=package["name"]),
        "organization": organization.get("title") or organization.get("name") or "",
        "domain": _label(domain) if domain else "",
        "created": package.get("metadata_created"),
        "views": summary.get("total"),
    }


def domain_tiles(counts: dict[str, int]) -> list[dict[str, Any]]:
    """One tile per 行业领域 term, in vocabulary order, with its entry count."""
    return [{
        "value": term.value,
        "label": _label(term),
        "icon": DOMAIN_ICONS.get(term.value, DEFAULT_ICON),
        "count": counts.get(term.value, 0),
        "url": tk.h.url_for("dataset.search", **{DOMAIN_FIELD: term.value}),
    } for term in vocabulary.terms("industry_domains")]


def organizations() -> list[dict[str, Any]]:
    """Every active organization with its kind, region and department number, in catalog
    order (region code, then department number). Organizations are public in CKAN."""
    group, extra = model.group_table, model.group_extra_table
    rows = model.Session.execute(
        sa.select(group.c.id, group.c.name, group.c.title).where(
            group.c.is_organization.is_(True), group.c.state == model.State.ACTIVE,
            group.c.type == "organization")).all()
    extras: dict[str, dict[str, str]] = {}
    for group_id, key, value in model.Session.execute(
            sa.select(extra.c.group_id, extra.c.key, extra.c.value).where(
                extra.c.key.in_(("org_kind", "region_code", "dept_code", "short_name")),
                extra.c.state == model.State.ACTIVE)).all():
        extras.setdefault(group_id, {})[key] = value or ""
    found = [{"id": row.id, "name": row.name, "title": row.title or row.name,
              **extras.get(row.id, {})} for row in rows]
    return sorted(found, key=lambda o: (o.get("region_code", ""), o.get("dept_code", ""),
                                        o["title"]))


def organization_groups(counts: dict[str, int]) -> dict[str, list[dict[str, Any]]]:
    """The organizations as 市直部门 (`departments`) and 区县 (`counties`), each with the
    number of entries the visitor may see (`counts` by organization name)."""
    groups: dict[str, list[dict[str, Any]]] = {"departments": [], "counties": []}
    for organization in organizations():
        kind = organization.get("org_kind", "")
        organization["kind"] = vocabulary.label("org_kinds", kind) if kind else ""
        county = kind in COUNTY_KINDS
        # a county by its short name (平城区), a department by its full name
        organization["label"] = (organization.get("short_name") if county else "") \
            or organization["title"]
        organization["count"] = counts.get(organization["name"], 0)
        organization["url"] = tk.h.url_for("organization.read", id=organization["name"])
        groups["counties" if county else "departments"].append(organization)
    return groups


def file_counts(owner_org: Optional[str] = None) -> dict[str, int]:
    """Files (resources) of the entries the visitor may see, and how many of them are
    DataStore tables answering the API; of one organization's entries when `owner_org`.
    Counted once per index generation for each kind of visitor (a scan of every file: about
    0.15 s at 50,000 entries), as the search's own counts are; a file change reindexes its entry."""
    who = access.current_viewer()
    kind = [who.sysadmin, sorted(access.user_labels(who.user))]
    return cache.cached(["file_counts", owner_org, kind], lambda: _file_counts(who, owner_org))


def _file_counts(who: access.Viewer, owner_org: Optional[str]) -> dict[str, int]:
    package, resource = model.package_table, model.resource_table
    conditions = [package.c.type == "dataset", package.c.state == model.State.ACTIVE,
                  resource.c.state == model.State.ACTIVE]
    seen = access.seen_entries(who)
    if seen is not None:
        conditions.append(seen)
    if owner_org:
        conditions.append(package.c.owner_org == owner_org)
    extras = sa.cast(resource.c.extras, postgresql.JSONB)
    table = extras["datastore_active"].astext == "true"
    files, tables = model.Session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(table))
        .select_from(resource.join(package, package.c.id == resource.c.package_id))
        .where(*conditions)).one()
    return {"files": int(files), "tables": int(tables)}


def datong_home() -> dict[str, Any]:
    """Everything the home page shows, for the current visitor."""
    newest = _search(q="*:*", rows=LIST_LENGTH, sort=NEWEST_SORT, **{
        "facet.field": [DOMAIN_FIELD, "organization"], "facet.limit": -1, "facet.mincount": 1})
    popular = _search(q="*:*", rows=LIST_LENGTH, sort=POPULAR_SORT)
    by_organization = _facet_counts(newest, "organization")
    groups = organization_groups(by_organization)
    busiest = sorted(groups["departments"], key=lambda o: -o["count"])[:HOME_DEPARTMENTS]
    return {
        "domains": domain_tiles(_facet_counts(newest, DOMAIN_FIELD)),
        "lists": [{"key": "newest", "sort": NEWEST_SORT,
                   "entries": [_entry(package) for package in newest["results"]]},
                  {"key": "popular", "sort": POPULAR_SORT,
                   "entries": [_entry(package) for package in popular["results"]]}],
        "departments": busiest,
        "department_total": len(groups["departments"]),
        "counties": groups["counties"],
        "counters": {"datasets": newest["count"],
                     "providers": sum(1 for count in by_organization.values() if count),
                     **file_counts()},
    }


def datong_organization_index() -> dict[str, list[dict[str, Any]]]:
    """The organization index: 市直部门 and 区县 with the entries the visitor may see."""
    found = _search(q="*:*", rows=0, **{"facet.field": ["organization"], "facet.limit": -1,
                                         "facet.mincount": 1})
    return organization_groups(_facet_counts(found, "organization"))


def datong_organization_facts(group_dict: dict[str, Any]) -> dict[str, Any]:
    """What an organization's page header shows: its kind, region, credit code, and the
    files and API tables of the entries the visitor may see."""
    kind = group_dict.get("org_kind") or ""
    region = group_dict.get("region_code") or ""
    return {
        "kind": vocabulary.label("org_kinds", kind) if kind else "",
        "county": kind in COUNTY_KINDS,
        "region": vocabulary.label("regions", region) if region else "",
        "uscc": group_dict.get("uscc") or "",
        "uscc_is_demo": tk.asbool(group_dict.get("uscc_is_demo")),
        **file_counts(group_dict.get("id")),
    }


def datong_footer() -> dict[str, str]:
    """The footer's configured facts (empty ones are not shown) and the licence it links to."""
    return {"open_licence": licences.OPEN_AGREEMENT,
            **{name: datong_config.portal_setting(name) for name in datong_config.PORTAL_SETTINGS}}
