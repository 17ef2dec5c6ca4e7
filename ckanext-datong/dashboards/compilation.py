"""Catalog compilation (目录编制): entries per department and per county (organizations of
the kinds 县区 and 经开区), completeness of the required fields and of the 信息项, and the
share of entries with a file or API attached (挂接率)."""
from __future__ import annotations

import collections
import dataclasses
from typing import Iterable

from ckanext.datong import vocabulary
from ckanext.datong.dashboards.facts import Group, Organization
from ckanext.datong.dashboards.tables import Table, percent

COUNTY_KINDS = frozenset({"县区", "经开区"})
COLUMNS = ("单位", "类型", "目录数", "必填项完整数", "必填项完整率（%）", "信息项完整数",
           "信息项完整率（%）", "挂接数", "挂接率（%）", "接口数")


@dataclasses.dataclass
class Counts:
    entries: int = 0
    complete: int = 0
    items_complete: int = 0
    attached: int = 0
    api: int = 0

    def add(self, group: Group, required: int) -> None:
        self.entries += group.count
        self.complete += group.count if group.filled == required else 0
        self.items_complete += group.count if group.items_complete else 0
        self.attached += group.count if group.attached else 0
        self.api += group.count if group.api else 0

    def row(self) -> tuple:
        return (self.entries, self.complete, percent(self.complete, self.entries),
                self.items_complete, percent(self.items_complete, self.entries),
                self.attached, percent(self.attached, self.entries), self.api)


def by_organization(groups: Iterable[Group], required: int) -> dict[str, Counts]:
    counts: dict[str, Counts] = collections.defaultdict(Counts)
    for group in groups:
        counts[group.owner_org].add(group, required)
    return counts


def total(groups: Iterable[Group], required: int) -> Counts:
    counts = Counts()
    for group in groups:
        counts.add(group, required)
    return counts


def tables(groups: list[Group], organizations: list[Organization], required: int) -> list[Table]:
    """The departments' table and the counties' table (every organization, none left out for
    having no entries)."""
    counts = by_organization(groups, required)

    def rows(county: bool) -> tuple:
        return tuple(
            (org.title, vocabulary.label("org_kinds", org.kind)) + counts[org.id].row()
            for org in organizations if (org.kind in COUNTY_KINDS) == county)

    return [
        Table("compilation_departments", "市直部门目录编制", COLUMNS, rows(False), chart=(0, 2)),
        Table("compilation_counties", "区县目录编制", COLUMNS, rows(True), chart=(0, 2)),
    ]


def summary(groups: list[Group], required: int) -> list[tuple[str, object]]:
    counts = total(groups, required)
    return [("目录数", counts.entries),
            ("必填项完整率（%）", percent(counts.complete, counts.entries)),
            ("信息项完整率（%）", percent(counts.items_complete, counts.entries)),
            ("挂接率（%）", percent(counts.attached, counts.entries)),
            ("接口数", counts.api)]
