"""The facts every catalog figure is counted from, in one query: active entries grouped by
department, 行业领域, required fields filled, 信息项 complete, files and APIs attached, open
formats, 更新周期, lateness and 开放属性 (a few thousand groups at 50,000 entries), and the
organizations with their kind and region."""
from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
from typing import Any, Iterable, Iterator, Optional

import ckan.model as model
import sqlalchemy as sa

from ckanext.datong import schema_fields
from ckanext.datong.dashboards import quality, timeliness

ORG_FIELDS = ("org_kind", "region_code", "short_name")


@dataclasses.dataclass(frozen=True)
class Group:
    """`count` entries of one department sharing every other fact."""

    owner_org: str
    domain: str
    filled: int
    """Required fields (schemas/dataset.yaml `required: true`) filled."""
    items_complete: bool
    """At least one 信息项, each with every required subfield filled."""
    attached: bool
    """A file or link, or a DataStore table, attached (挂接)."""
    api: bool
    """A DataStore table or an API-type resource (format API)."""
    open_format: bool
    """A resource in a machine-readable open format (quality.OPEN_FORMATS) or a DataStore table."""
    cycle: str
    late: Optional[bool]
    """None for 不定期 (其他) and unknown cycles."""
    open_type: str
    count: int


@dataclasses.dataclass(frozen=True)
class Organization:
    id: str
    name: str
    title: str
    kind: str
    region_code: str
    short_name: str


def required_fields() -> tuple[str, ...]:
    """The entry fields the scheming schema marks `required: true` (信息项 apart)."""
    return tuple(f["field_name"] for f in schema_fields.dataset_fields()
                 if f.get("required") and not f.get("repeating_subfields"))


def required_item_fields() -> tuple[str, ...]:
    """The 信息项 subfields the scheming schema marks `required: true`."""
    items = next(f for f in schema_fields.dataset_fields()
                 if f["field_name"] == schema_fields.ITEMS)
    return tuple(f["field_name"] for f in items["repeating_subfields"] if f.get("required"))


def _filled(field: str, params: dict[str, Any]) -> str:
    """SQL: whether `field` of entry `e` holds a value (a package column or an extra)."""
    if field in model.package_table.c:
        return f"(COALESCE(btrim(e.{field}::text), '') <> '')"
    key = f"f{len(params)}"
    params[key] = field
    return f"(COALESCE(btrim(x.ex->>:{key}), '') NOT IN ('', '[]'))"


def _item_missing(fields: Iterable[str], params: dict[str, Any]) -> str:
    checks = []
    for field in fields:
        key = f"f{len(params)}"
        params[key] = field
        checks.append(f"COALESCE(btrim(it->>:{key}), '') = ''")
    return " OR ".join(checks) or "false"


_SETTINGS = {"jit": "off", "work_mem": "64MB"}
"""For the facts query: PostgreSQL's JIT compiled its many expressions for 3.3 s of 8 s at
50,000 entries, and with the default 4 MB of work_mem its sorts and hashes spilled to disk."""


@contextlib.contextmanager
def _query_settings() -> Iterator[None]:
    """_SETTINGS for the statements of the block, as they were afterwards."""
    before = {}
    for name, value in _SETTINGS.items():
        before[name] = model.Session.execute(
            sa.text("SELECT current_setting(:name), set_config(:name, :value, true)"),
            {"name": name, "value": value}).scalar()
    try:
        yield
    finally:
        for name, value in before.items():
            model.Session.execute(sa.text("SELECT set_config(:name, :value, true)"),
                                  {"name": name, "value": value})


def groups(owner_org: Optional[str], today: datetime.date) -> list[Group]:
    """The grouped facts of every active entry (of one department when `owner_org`), with
    lateness judged on Beijing date `today`. Each table is read once, and only the rows of the
    entries counted: the extras and resources are joined to the chosen entries' ids."""
    params: dict[str, Any] = {
        "keys": sorted({*required_fields(), schema_fields.ITEMS, "industry_domain",
                        "update_frequency", "open_type"}),
        "open_formats": sorted(quality.OPEN_FORMATS),
        "limits": json.dumps(timeliness.ALLOWED_DAYS),
        "today": today,
        "org": owner_org,
    }
    fields = required_fields()
    columns = "".join(f", p.{field}" for field in fields if field in model.package_table.c)
    filled = " + ".join(f"{_filled(field, params)}::int" for field in fields) or "0"
    item_missing = _item_missing(required_item_fields(), params)
    params["items_key"] = schema_fields.ITEMS
    statement = sa.text(f"""
        WITH e AS MATERIALIZED (
            SELECT p.id, p.owner_org, p.metadata_modified{columns}
            FROM package p
            WHERE p.type = 'dataset' AND p.state = 'active'
              AND (CAST(:org AS text) IS NULL OR p.owner_org = :org)
        ), x AS (
            SELECT pe.package_id, jsonb_object_agg(pe.key, pe.value) AS ex
            FROM package_extra pe JOIN e ON e.id = pe.package_id
            WHERE pe.state = 'active' AND pe.key = ANY(:keys) GROUP BY pe.package_id
        ), res AS (
            SELECT r.package_id,
                   bool_or(ds) AS datastore,
                   bool_or(upper(btrim(r.format)) = 'API') AS api_format,
                   bool_or(upper(btrim(r.format)) = ANY(:open_formats)) AS open_format
            FROM (SELECT r.package_id, r.format,
                         (CAST(NULLIF(r.extras, '') AS jsonb)->>'datastore_active') = 'true' AS ds,
                         COALESCE(btrim(r.url), '') <> '' AS linked
                  FROM resource r JOIN e ON e.id = r.package_id WHERE r.state = 'active') r
            WHERE r.linked OR r.ds
            GROUP BY r.package_id
        )
        SELECT e.owner_org, COALESCE(x.ex->>'industry_domain', '') AS domain,
               {filled} AS filled,
               (jsonb_array_length(items.list) > 0 AND NOT EXISTS (
                   SELECT 1 FROM jsonb_array_elements(items.list) it
                   WHERE jsonb_typeof(it) <> 'object' OR {item_missing})) AS items_complete,
               res.package_id IS NOT NULL AS attached,
               COALESCE(res.datastore OR res.api_format, false) AS api,
               COALESCE(res.datastore OR res.open_format OR res.api_format, false) AS open_format,
               COALESCE(x.ex->>'update_frequency', '') AS cycle,
               (CAST(:today AS date) - CAST(e.metadata_modified + interval '8 hours' AS date))
                 > CAST(CAST(:limits AS jsonb)->>(x.ex->>'update_frequency') AS integer) AS late,
               COALESCE(x.ex->>'open_type', '') AS open_type,
               count(*) AS count
        FROM e LEFT JOIN x ON x.package_id = e.id LEFT JOIN res ON res.package_id = e.id
        CROSS JOIN LATERAL (
            SELECT CASE WHEN left(btrim(x.ex->>:items_key), 1) = '['
                        THEN CAST(x.ex->>:items_key AS jsonb) ELSE '[]'::jsonb END AS list
        ) items
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
    """)
    with _query_settings():
        rows = model.Session.execute(statement, params).fetchall()
    return [Group(owner_org=row.owner_org or "", domain=row.domain, filled=int(row.filled),
                  items_complete=bool(row.items_complete), attached=bool(row.attached),
                  api=bool(row.api), open_format=bool(row.open_format), cycle=row.cycle,
                  late=row.late, open_type=row.open_type, count=int(row.count))
            for row in rows]


def organizations(only: Optional[str] = None) -> list[Organization]:
    """The active organizations (or the one `only`) with kind, region and short name, by title."""
    group, extra = model.group_table, model.group_extra_table
    fields = {name: sa.select(extra.c.value).where(
        extra.c.group_id == group.c.id, extra.c.key == name, extra.c.state == "active"
    ).limit(1).scalar_subquery().label(name) for name in ORG_FIELDS}
    query = sa.select(group.c.id, group.c.name, group.c.title, *fields.values()).where(
        group.c.is_organization.is_(True), group.c.state == "active")
    if only:
        query = query.where(group.c.id == only)
    return [Organization(id=row.id, name=row.name, title=row.title or row.name,
                         kind=row.org_kind or "", region_code=row.region_code or "",
                         short_name=row.short_name or "")
            for row in model.Session.execute(query.order_by(group.c.title))]
