"""The plan's targets: for each of the 11 industry domains (行业领域) at least TARGET_DATASETS
high-quality datasets (quality.high_quality) and at least TARGET_USE_CASES use cases
(典型案例); and each department's high-quality datasets."""
from __future__ import annotations

import collections
from typing import Iterable, Mapping

import ckan.model as model
import sqlalchemy as sa

from ckanext.datong.dashboards import quality
from ckanext.datong.dashboards.facts import Group, Organization
from ckanext.datong.dashboards.tables import Table, percent
from ckanext.datong.model import UseCase

TARGET_DATASETS = 2
TARGET_USE_CASES = 2


def group_score(group: Group, required: int) -> tuple[float, bool]:
    """The quality score of the entries of `group` and whether they are high quality."""
    value = quality.score(quality.completeness(group.filled, required, group.items_complete),
                          quality.timeliness(group.late), quality.openness(group.open_type),
                          quality.format_value(group.attached, group.open_format))
    complete = group.filled == required and group.items_complete
    return value, quality.high_quality(value, complete)


def _gap(have: int, target: int) -> int:
    return max(0, target - have)


def domain_table(groups: Iterable[Group], required: int, domains: tuple[str, ...],
                 use_cases: Mapping[str, int]) -> Table:
    """One row per domain: entries, high-quality datasets, use cases, each against its target."""
    entries: dict[str, int] = collections.Counter()
    good: dict[str, int] = collections.Counter()
    for group in groups:
        entries[group.domain] += group.count
        good[group.domain] += group.count if group_score(group, required)[1] else 0
    rows = tuple(
        (domain, entries[domain], good[domain], TARGET_DATASETS, _gap(good[domain], TARGET_DATASETS),
         use_cases.get(domain, 0), TARGET_USE_CASES, _gap(use_cases.get(domain, 0), TARGET_USE_CASES),
         "是" if good[domain] >= TARGET_DATASETS and use_cases.get(domain, 0) >= TARGET_USE_CASES
         else "否")
        for domain in domains)
    return Table("targets_domains", "行业领域目标进展",
                 ("行业领域", "目录数", "高质量数据集", "目标", "差距", "典型案例", "目标",
                  "差距", "是否达标"), rows, chart=(0, 2))


def organization_table(groups: Iterable[Group], required: int,
                       organizations: list[Organization]) -> Table:
    """One row per organization: entries, high-quality datasets, their share, mean score."""
    entries: dict[str, int] = collections.Counter()
    good: dict[str, int] = collections.Counter()
    points: dict[str, float] = collections.Counter()
    for group in groups:
        value, high = group_score(group, required)
        entries[group.owner_org] += group.count
        good[group.owner_org] += group.count if high else 0
        points[group.owner_org] += value * group.count
    rows = tuple(
        (org.title, entries[org.id], good[org.id], percent(good[org.id], entries[org.id]),
         round(points[org.id] / entries[org.id], 1) if entries[org.id] else None)
        for org in organizations)
    return Table("targets_organizations", "各单位高质量数据集",
                 ("单位", "目录数", "高质量数据集", "高质量占比（%）", "平均质量分"), rows, chart=(0, 2))


def summary(domain: Table) -> list[tuple[str, object]]:
    met_data = sum(1 for row in domain.rows if row[2] >= TARGET_DATASETS)
    met_cases = sum(1 for row in domain.rows if row[5] >= TARGET_USE_CASES)
    return [("高质量数据集达标领域", f"{met_data}/{len(domain.rows)}"),
            ("典型案例达标领域", f"{met_cases}/{len(domain.rows)}"),
            ("高质量数据集", sum(row[2] for row in domain.rows)),
            ("典型案例", sum(row[5] for row in domain.rows))]


def use_case_counts(organization_id: str | None) -> dict[str, int]:
    """Active use cases per 行业领域 (of one organization when given)."""
    query = model.Session.query(UseCase.domain, sa.func.count(UseCase.id)).filter(
        UseCase.state == UseCase.STATE_ACTIVE)
    if organization_id:
        query = query.filter(UseCase.organization_id == organization_id)
    return dict(query.group_by(UseCase.domain).all())
