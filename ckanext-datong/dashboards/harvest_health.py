"""Harvest health: the failing and stale harvest sources, as the datong_harvest plugin's
overview judges them (harvesters/logic/action.py: failing — the last finished job could not
read the source or had entry errors; stale — no successful job within twice the source's
frequency). The core loads without ckanext-harvest: then the section says harvesting is not
enabled."""
from __future__ import annotations

from typing import Any, Optional

import ckan.plugins as plugins
import ckan.plugins.toolkit as tk

from ckanext.datong import clock
from ckanext.datong.dashboards.tables import Table

OVERVIEW = "datong_harvest_overview"
COLUMNS = ("采集来源", "所属单位", "采集频率", "最近一次采集", "最近一次成功", "状态")


def enabled() -> bool:
    return plugins.plugin_loaded("harvest") and plugins.plugin_loaded("datong_harvest")


def sources(organization_name: Optional[str]) -> Optional[list[dict[str, Any]]]:
    """The active harvest sources with their health (of one organization when given); None
    when harvesting is not enabled."""
    if not enabled():
        return None
    found = tk.get_action(OVERVIEW)({"ignore_auth": True}, {})["sources"]
    if organization_name is not None:
        found = [s for s in found if (s.get("organization") or {}).get("name") == organization_name]
    return found


def _when(value: Optional[str]) -> str:
    return clock.beijing_text(value) if value else "从未"


def status(source: dict[str, Any]) -> str:
    if source["failing"] and source["stale"]:
        return "失败且过期"
    if source["failing"]:
        return "失败"
    return "过期" if source["stale"] else "正常"


def table(found: list[dict[str, Any]]) -> Table:
    """The failing and stale sources, failing first."""
    unhealthy = sorted((s for s in found if s["failing"] or s["stale"]),
                       key=lambda s: (not s["failing"], s["title"]))
    rows = tuple(
        (s["title"], (s.get("organization") or {}).get("title") or "", s["frequency_label"],
         _when((s.get("last_job") or {}).get("finished") or (s.get("last_job") or {}).get("created")),
         _when(s.get("last_success")), status(s))
        for s in unhealthy)
    return Table("harvest_sources", "失败与过期的采集来源", COLUMNS, rows)


def summary(found: list[dict[str, Any]]) -> list[tuple[str, object]]:
    return [("采集来源", len(found)), ("失败", sum(1 for s in found if s["failing"])),
            ("过期", sum(1 for s in found if s["stale"]))]
