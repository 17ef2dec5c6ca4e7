"""依场景授权: whether a sharing request fits its application scenario, as pure functions over
plain facts, each check a machine-checkable rule with a Chinese reason when it fails.

A request that fits a scenario whose route is automatic is approved at once and the decision
names the rule (`rule_text`); a request that exceeds its scenario is routed to people with
the reasons (`misfits`), never approved automatically.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Optional, Sequence

from ckanext.datong import vocabulary

ROUTE_LABELS = {
    "automatic": "自动审批",
    "provider": "提供部门审核",
    "provider_authority": "数据主管部门符合性审核后提供部门审核",
}
TERRITORY_LABELS = {"any": "不限属地", "own": "仅限申请单位本县区"}


def is_county(region_code: str) -> bool:
    """Whether a GB/T 2260 code names a county or district (prefecture codes end in 00)."""
    return len(region_code) == 6 and region_code.isdigit() and not region_code.endswith("00")


@dataclasses.dataclass(frozen=True)
class Wanted:
    """One catalog entry a request asks for, with the facts the rules read."""

    package_id: str
    title: str
    grade: str
    share_type: str
    share_condition: str
    item_grades: Mapping[str, str]
    item_share_types: Mapping[str, str]
    items: Optional[tuple[str, ...]]
    """The 信息项 asked for; None: every one."""
    region_item: str

    @classmethod
    def of_entry(cls, entry: Mapping[str, Any], items: Optional[Sequence[str]]) -> "Wanted":
        """From a package_show dict (validated, with `items` the 信息项 list)."""
        listed = [item for item in entry.get("items") or [] if isinstance(item, Mapping)]
        return cls(
            package_id=entry["id"], title=entry.get("title") or entry.get("name") or "",
            grade=entry.get("data_grade") or "", share_type=entry.get("share_type") or "",
            share_condition=entry.get("share_condition") or "",
            item_grades={str(item.get("item_name")): str(item.get("item_grade") or "")
                         for item in listed},
            item_share_types={str(item.get("item_name")): str(item.get("item_share_type") or "")
                              for item in listed},
            items=tuple(items) if items is not None else None,
            region_item=entry.get("region_item") or "")

    def grades(self) -> list[str]:
        """The grades the request touches: the entry's, or only those of the items asked for."""
        if self.items is None:
            return [self.grade]
        return [self.item_grades.get(name) or self.grade for name in self.items]


@dataclasses.dataclass(frozen=True)
class Asking:
    """A request's facts: who asks, for what, how long, how delivered, which territory."""

    org_id: str
    org_kind: str
    region_code: str
    days: int
    delivery: str
    territory: str
    wanted: tuple[Wanted, ...]


def _grade_above(grade: str, ceiling: str) -> bool:
    known = vocabulary.values("grades")
    if grade not in known or ceiling not in known:
        return True
    return known.index(grade) > known.index(ceiling)


def refusal(asking: Asking) -> Optional[str]:
    """The reason a request is refused at once (不予共享 data, with its legal basis); None when
    nothing asked for is 不予共享."""
    strictest = vocabulary.values("share_types")[-1]
    for wanted in asking.wanted:
        if wanted.share_type == strictest:
            return f"「{wanted.title}」为{strictest}数据，依据：{wanted.share_condition or '未注明'}"
        for name in wanted.items or ():
            if wanted.item_share_types.get(name) == strictest:
                return f"「{wanted.title}」的信息项“{name}”为{strictest}，不能申请"
    return None


def misfits(scenario: Any, asking: Asking) -> list[str]:
    """Every way the request exceeds `scenario` (a model.Scenario), in Chinese; [] when it fits."""
    reasons = []
    if scenario.state != "active":
        reasons.append(f"应用场景「{scenario.name}」已停用")
    kinds, orgs = list(scenario.requester_kinds or []), list(scenario.requester_org_ids or [])
    if (kinds or orgs) and asking.org_kind not in kinds and asking.org_id not in orgs:
        allowed = "、".join(kinds) or "指定单位"
        reasons.append(f"申请单位不在场景适用范围内（适用于：{allowed}）")
    covered = {entry["package_id"]: entry.get("items") for entry in scenario.coverage or []}
    for wanted in asking.wanted:
        if wanted.package_id not in covered:
            reasons.append(f"「{wanted.title}」不在场景覆盖的数据范围内")
            continue
        allowed_items = covered[wanted.package_id]
        if allowed_items is not None:
            extra = sorted(set(wanted.items if wanted.items is not None else wanted.item_grades)
                           - set(allowed_items))
            if extra:
                reasons.append(f"「{wanted.title}」的信息项{'、'.join(extra)}超出场景范围")
        over = [grade for grade in wanted.grades() if _grade_above(grade, scenario.max_grade)]
        if over:
            reasons.append(f"「{wanted.title}」的分级{max(over, key=vocabulary.values('grades').index)}"
                           f"高于场景允许的{scenario.max_grade}")
    if asking.days > scenario.max_days:
        reasons.append(f"使用期限{asking.days}天超过场景允许的{scenario.max_days}天")
    methods = list(scenario.delivery_methods or [])
    if methods and asking.delivery not in methods:
        reasons.append(f"共享方式“{asking.delivery}”不在场景允许的{'、'.join(methods)}之内")
    if scenario.territory == "own":
        if asking.territory != "own":
            reasons.append("场景限按属地提供，申请须选择仅限本县区数据")
        for wanted in asking.wanted:
            if not wanted.region_item:
                reasons.append(f"「{wanted.title}」未设属地字段，无法按属地提供")
    return reasons


def rule_text(scenario: Any) -> str:
    """The scenario's rule as a decision names it."""
    parts = [f"应用场景「{scenario.name}」"]
    kinds = list(scenario.requester_kinds or [])
    if kinds:
        parts.append(f"申请单位类型：{'、'.join(kinds)}")
    parts.append(f"最高分级：{scenario.max_grade}")
    parts.append(f"最长期限：{scenario.max_days}天")
    if scenario.delivery_methods:
        parts.append(f"共享方式：{'、'.join(scenario.delivery_methods)}")
    parts.append(TERRITORY_LABELS.get(scenario.territory, scenario.territory))
    parts.append(f"依据：{scenario.legal_basis}")
    return "；".join(parts)
