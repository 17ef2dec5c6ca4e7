"""A whole dashboard: the city's (the data authority's) or one organization's, as sections of
summary figures and tables; every entry figure comes from one query (facts.groups)."""
from __future__ import annotations

import datetime
from typing import Any, Optional

from ckanext.datong import clock, vocabulary
from ckanext.datong.dashboards import (
    compilation, facts, harvest_health, sharing_stats, targets, timeliness)
from ckanext.datong.dashboards.charts import bar_chart
from ckanext.datong.dashboards.tables import Table

SECTIONS = (("targets", "规划目标"), ("compilation", "目录编制"), ("timeliness", "更新及时率"),
            ("sharing", "数据共享"), ("harvest", "采集健康"))


def _section(key: str, summary: list[tuple[str, object]], tables: list[Table],
             note: str = "") -> dict[str, Any]:
    return {"key": key, "title": dict(SECTIONS)[key], "note": note,
            "summary": [{"label": label, "value": value} for label, value in summary],
            "tables": [table.as_dict() for table in tables]}


def build(organization: Optional[facts.Organization],
          today: Optional[datetime.date] = None) -> dict[str, Any]:
    """The dashboard of `organization` (its own entries, the requests it answers, its harvest
    sources and use cases), or of the whole city when None."""
    today = today or clock.now().date()
    org_id = organization.id if organization else None
    groups = facts.groups(org_id, today)
    organizations = [organization] if organization else facts.organizations()
    required = len(facts.required_fields())
    domains = vocabulary.values("industry_domains")
    domain_table = targets.domain_table(groups, required, domains, targets.use_case_counts(org_id))
    requests = sharing_stats.rows(org_id, today)
    harvest = harvest_health.sources(organization.name if organization else None)
    sections = [
        _section("targets", targets.summary(domain_table), [
            domain_table, targets.organization_table(groups, required, organizations)]),
        _section("compilation", compilation.summary(groups, required),
                 compilation.tables(groups, organizations, required)),
        _section("timeliness", timeliness.summary(groups),
                 timeliness.tables(groups, organizations, vocabulary.values("update_frequencies"))),
        _section("sharing", sharing_stats.summary(requests),
                 sharing_stats.tables(requests, organizations)),
        _section("harvest", harvest_health.summary(harvest), [harvest_health.table(harvest)])
        if harvest is not None else _section("harvest", [], [], note="本平台未启用数据采集"),
    ]
    return {
        "scope": {"organization": {"id": organization.id, "name": organization.name,
                                   "title": organization.title} if organization else None,
                  "title": organization.title if organization else "全市"},
        "today": today.isoformat(),
        "required_fields": list(facts.required_fields()),
        "required_item_fields": list(facts.required_item_fields()),
        "sections": sections,
    }


def find_table(dashboard: dict[str, Any], key: str) -> Optional[Table]:
    """The table `key` of a built dashboard, or None."""
    for section in dashboard["sections"]:
        for table in section["tables"]:
            if table["key"] == key:
                return Table.of_dict(table)
    return None


def charts(dashboard: dict[str, Any]) -> dict[str, Any]:
    """The SVG chart of every table, by table key."""
    return {table["key"]: bar_chart(Table.of_dict(table))
            for section in dashboard["sections"] for table in section["tables"]}
