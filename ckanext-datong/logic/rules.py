"""The grading, sharing and opening rules of a catalog entry (docs/domain.md), as pure
functions over a plain entry dict — the shape package_show returns: ``data_grade``,
``share_type``, ``share_condition``, ``open_type``, ``open_condition`` and ``items``, a list
of 信息项 dicts (``item_name``, ``item_grade``, ``item_share_type``, ``item_open_type``).

The schema's whole-entry validators (validators.py) apply them to every write; the workbook
and a harvest preview can call them directly. A problem is reported as (path, message): the
path names the field (``("share_condition",)`` or ``("items", 2, "item_grade")``), the
message is Chinese and names the field by its label.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping, Optional

from ckanext.datong import codes, vocabulary
from ckanext.datong.schema_fields import ITEMS

Path = tuple[Any, ...]
Problem = tuple[Path, str]


def text(value: Any) -> str:
    """A field's value as stripped text; empty for a missing value."""
    return "" if value is None or value == "" or value == [] else str(value).strip()


def _items(entry: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [item for item in entry.get(ITEMS) or [] if isinstance(item, Mapping)]


def _grade_rank(value: str) -> Optional[int]:
    return vocabulary.rank("grades", value) if value in vocabulary.values("grades") else None


def class_path_problem(value: str) -> Optional[str]:
    """Why `value` is not a 信息资源分类 path (类+项+目, optional 细目), in Chinese; None when
    it is one."""
    if not codes.CLASS_PATH.fullmatch(value):
        return f"应为1位类（1至3）+2位项+3位目，可加2至3位细目，例如 201003（现为“{value}”）"
    if vocabulary.class_item_label(value[0], value[1:3]) is None:
        attribute = vocabulary.class_attribute(value[0])
        return f"中的项“{value[1:3]}”不属于{attribute}类"
    return None


def default_grade(entry: Mapping[str, Any]) -> Optional[str]:
    """The grade an entry without 数据分级 takes: its highest 信息项 grade (就高从严); None
    when no 信息项 carries a known grade."""
    ranked = [(rank, grade) for item in _items(entry)
              if (rank := _grade_rank(grade := text(item.get("item_grade")))) is not None]
    return max(ranked)[1] if ranked else None


def _condition_problems(entry: Mapping[str, Any], vocabulary_name: str, type_field: str,
                        type_label: str, condition_field: str,
                        condition_label: str) -> Iterator[Problem]:
    """A type whose vocabulary term has a `condition` needs its condition field filled; the
    term's condition text says what it must hold."""
    value = text(entry.get(type_field))
    term = vocabulary.term(vocabulary_name, value) if value else None
    condition = term.get("condition") if term is not None else None
    if condition is not None and not text(entry.get(condition_field)):
        yield (condition_field,), f"{type_label}为{value}时，「{condition_label}」必须填写{condition}"


def problems(entry: Mapping[str, Any]) -> Iterator[Problem]:
    """Every rule the entry breaks: conditions its sharing and opening types require, the
    ceilings of its grade and sharing type, items no looser than the entry, and 数据分级 no
    lower than the highest 信息项 grade (就高从严)."""
    grade, share, opening = (text(entry.get(key)) for key in ("data_grade", "share_type", "open_type"))
    yield from _condition_problems(entry, "share_types", "share_type", "共享类型", "share_condition", "共享条件")
    yield from _condition_problems(entry, "open_types", "open_type", "开放属性", "open_condition", "开放条件")
    yield from _ceiling_problems("信息资源", grade, share, opening, "数据分级", ("data_grade",),
                                 ("share_type",), ("open_type",))

    share_values, open_values = vocabulary.values("share_types"), vocabulary.values("open_types")
    highest: Optional[tuple[int, str, str]] = None
    for index, item in enumerate(_items(entry)):
        item_name = text(item.get("item_name")) or f"第{index + 1}个"
        item_grade = text(item.get("item_grade"))
        item_share = text(item.get("item_share_type"))
        item_open = text(item.get("item_open_type"))
        where = f"信息项“{item_name}”"
        if item_share in share_values and share in share_values and share_values.index(item_share) < share_values.index(share):
            yield (ITEMS, index, "item_share_type"), f"{where}的共享属性（{item_share}）不能宽于信息资源的共享类型（{share}）"
        if item_open in open_values and opening in open_values and open_values.index(item_open) < open_values.index(opening):
            yield (ITEMS, index, "item_open_type"), f"{where}的开放属性（{item_open}）不能宽于信息资源的开放属性（{opening}）"
        yield from _ceiling_problems(
            where, item_grade, item_share or share, item_open or opening, f"{where}的分级",
            (ITEMS, index, "item_grade"), (ITEMS, index, "item_share_type"),
            (ITEMS, index, "item_open_type"),
        )
        rank = _grade_rank(item_grade)
        if rank is not None and (highest is None or rank > highest[0]):
            highest = (rank, item_grade, item_name)
    region_item = text(entry.get("region_item"))
    if region_item and region_item not in {text(item.get("item_name")) for item in _items(entry)}:
        yield ("region_item",), f"「属地字段」（{region_item}）必须是本信息资源的信息项名称之一"
    grade_rank = _grade_rank(grade)
    if highest is not None and grade_rank is not None and grade_rank < highest[0]:
        yield ("data_grade",), (
            f"「数据分级」（{grade}）低于信息项“{highest[2]}”的分级（{highest[1]}）："
            "按就高从严，数据分级只能等于或高于信息项的最高分级"
        )


def _ceiling_problems(
    subject: str, grade: str, share: str, opening: str, grade_label: str,
    grade_key: Path, share_key: Path, open_key: Path,
) -> Iterator[Problem]:
    """Problems of one graded thing (the entry or an item) against its grade's ceilings
    and its sharing type's opening ceiling."""
    grade_term = vocabulary.term("grades", grade) if grade else None
    if grade_term is not None and grade_term.get("catalogued") is False:
        yield grade_key, f"{grade_label}为{grade}：核心数据不得编入共享开放目录"
        return
    share_values, open_values = vocabulary.values("share_types"), vocabulary.values("open_types")
    whose = "信息资源的" if subject == "信息资源" else "其"
    ceilings = []
    if grade_term is not None:
        ceilings.append((f"{grade_label}为{grade}", grade_term))
    share_term = vocabulary.term("share_types", share) if share else None
    if share_term is not None and share_term.get("open_at_most"):
        ceilings.append((f"{subject}的共享类型为{share}", share_term))
    for reason, ceiling in ceilings:
        limit = ceiling.get("share_at_most")
        if limit and share in share_values and share_values.index(share) < share_values.index(limit):
            yield share_key, f"{reason}，{whose}共享类型不能宽于{limit}（现为{share}）"
        limit = ceiling.get("open_at_most")
        if limit and opening in open_values and open_values.index(opening) < open_values.index(limit):
            yield open_key, f"{reason}，{whose}开放属性不能宽于{limit}（现为{opening}）"
