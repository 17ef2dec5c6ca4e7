"""Field mappings of a source config: how a remote record (a JSON object or a table row)
becomes package_create fields of the municipal schema.

A mapping is a JSON object {field: spec}. A spec is either a path (a string) or an object:

- "path": where the value is. In JSON records a dotted path ("info.title",
  "distributions.0.url"; a digit indexes a list); in table rows a column heading.
- "value": a constant instead of a path.
- "map": {source value: value}: replaces a source value; null drops the field.
- "else": what a value the "map" does not know becomes: a value; null (no value, so
  "default" applies); or {"keep": true} (the source value as it is). Without "else" an
  unknown value is an entry error naming the value and the map (nothing guessed).
- "default": the value when the source has none (missing, null or blank).
- "split": a separator: the text becomes a list of its non-blank parts (before "map",
  which then maps each part); "list": true wraps a single value in a list.

"resources" is a list of resource mappings ({field: spec} read from the record itself), or
{"each": path, "fields": {field: spec}} for a list of objects inside the record. A resource
without a url is left out.

Every change of a source value (leading and trailing spaces trimmed, a value mapped or
replaced by "else") is noted in a `Notes` of the entry, counted in the job report
(harvesters/report.py); values no rule covers are its `problems`.
"""
from __future__ import annotations

import dataclasses
import datetime
import decimal
import json
from typing import Any, Iterable

SPEC_KEYS = {"path", "value", "map", "else", "default", "split", "list"}
KEEP = {"keep": True}
_DROP = object()
MAP_SHOWN = 8  # source values of a map named in the error of an unknown value


@dataclasses.dataclass
class Notes:
    """What reading one entry did to its source values: changes as (kind, field) pairs, kind
    one of trim, map, else, truncate; problems: Chinese messages that keep it out."""

    changes: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)
    labels: dict[str, str] = dataclasses.field(default_factory=dict)  # field → Chinese label, for messages

    def change(self, kind: str, field: str) -> None:
        self.changes.append((kind, field))

    def name(self, field: str) -> str:
        """How messages name a field: its Chinese label and its key."""
        return f"「{self.labels[field]}」（{field}）" if field in self.labels else field


def check(mapping: Any, where: str = "fields") -> None:
    """ValueError in Chinese when `mapping` is not a valid field mapping."""
    if not isinstance(mapping, dict) or not mapping:
        raise ValueError(f"{where} 应为非空的 JSON 对象（字段名 → 路径或映射规则）")
    for field, spec in mapping.items():
        if field == "resources":
            _check_resources(spec)
            continue
        if field == "owner_org":
            raise ValueError(f"{where}.owner_org 不能映射：条目归属来源的部门，或按 routing 由提供部门决定")
        if isinstance(spec, str):
            continue
        if not isinstance(spec, dict):
            raise ValueError(f"{where}.{field} 应为路径（字符串）或映射规则（JSON 对象）")
        unknown = set(spec) - SPEC_KEYS
        if unknown:
            raise ValueError(f"{where}.{field} 中有无法识别的键：{'、'.join(sorted(unknown))}")
        if "path" not in spec and "value" not in spec and "default" not in spec:
            raise ValueError(f"{where}.{field} 应有 path、value 或 default 之一")
        if "path" in spec and not isinstance(spec["path"], str):
            raise ValueError(f"{where}.{field}.path 应为字符串")
        if "map" in spec and not isinstance(spec["map"], dict):
            raise ValueError(f"{where}.{field}.map 应为 JSON 对象（源值 → 目录值）")
        if "else" in spec and ("map" not in spec or isinstance(spec["else"], dict) and spec["else"] != KEEP):
            raise ValueError(f"{where}.{field}.else 只能与 map 同用，应为一个值、null 或 {json.dumps(KEEP)}")


def _check_resources(spec: Any) -> None:
    if isinstance(spec, list):
        for number, item in enumerate(spec):
            check(item, f"resources[{number}]")
    elif isinstance(spec, dict) and isinstance(spec.get("each"), str):
        check(spec.get("fields"), "resources.fields")
    else:
        raise ValueError("resources 应为资源映射的列表，或 {\"each\": 路径, \"fields\": 映射}")


def lookup(record: Any, path: str, dotted: bool = True) -> Any:
    """The value at `path` in `record`; None when any step is missing."""
    if not dotted:
        return record.get(path) if isinstance(record, dict) else None
    value = record
    for step in path.split("."):
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit():
            index = int(step)
            value = value[index] if index < len(value) else None
        else:
            return None
        if value is None:
            return None
    return value


def _plain(value: Any) -> Any:
    """JSON-ready values: whole numbers without a decimal point, dates as ISO text."""
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time(0) else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _trimmed(value: Any, notes: Notes, field: str) -> Any:
    """`value` (or each item of a list) plain, text without leading and trailing spaces;
    a trim that changed a non-blank text is noted."""
    if isinstance(value, list):
        return [_trimmed(item, notes, field) for item in value]
    value = _plain(value)
    if isinstance(value, str) and value.strip() != value:
        if value.strip():
            notes.change("trim", field)
        return value.strip()
    return value


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def _map_one(value: Any, spec: dict[str, Any], notes: Notes, field: str) -> Any:
    table = spec.get("map")
    if table is None:
        return value
    key = value if isinstance(value, str) else str(value)
    if key in table:
        if table[key] != value:
            notes.change("map", field)
        return _DROP if table[key] is None else table[key]
    if "else" not in spec:
        known = "、".join(list(table)[:MAP_SHOWN]) + ("等" if len(table) > MAP_SHOWN else "")
        notes.problems.append(f"字段{notes.name(field)}的源值“{key}”不在映射表（map：{known}）中："
                              "请在 map 中加入该值，或用 else 指定其他值的去向")
        return _DROP
    if spec["else"] == KEEP:
        return value
    notes.change("else", field)
    return _DROP if spec["else"] is None else spec["else"]


def value(record: Any, spec: str | dict[str, Any], dotted: bool = True, notes: Notes | None = None,
          field: str = "") -> Any:
    """The value `spec` gives for field `field` of `record`, or None for none; changes and
    problems go to `notes`."""
    notes = notes if notes is not None else Notes()
    if isinstance(spec, str):
        spec = {"path": spec}
    found = spec["value"] if "value" in spec else (
        lookup(record, spec["path"], dotted) if "path" in spec else None)
    found = _trimmed(found, notes, field)
    if isinstance(found, list):
        found = [item for item in found if not _blank(item)]
    if spec.get("split") and isinstance(found, str):
        found = [part.strip() for part in found.split(spec["split"]) if part.strip()]
    if isinstance(found, list):
        mapped = []
        for item in found:
            result = _map_one(item, spec, notes, field)
            if result is _DROP:
                continue
            mapped.extend(result if isinstance(result, list) else [result])
        found = mapped
    elif not _blank(found):
        found = _map_one(found, spec, notes, field)
        if found is _DROP:
            found = None
    if _blank(found):
        found = spec.get("default")
    if spec.get("list") and not _blank(found) and not isinstance(found, list):
        found = [found]
    return None if _blank(found) else found


def apply(record: Any, mapping: dict[str, Any], dotted: bool = True, notes: Notes | None = None,
          where: str = "") -> dict[str, Any]:
    """package_create fields for `record`: every mapped field that has a value."""
    notes = notes if notes is not None else Notes()
    data: dict[str, Any] = {}
    for field, spec in mapping.items():
        if field == "resources":
            resources = list(_resources(record, spec, dotted, notes))
            if resources:
                data["resources"] = resources
            continue
        found = value(record, spec, dotted, notes, where + field)
        if found is not None:
            data[field] = found
    return data


def _resources(record: Any, spec: Any, dotted: bool, notes: Notes) -> Iterable[dict[str, Any]]:
    if isinstance(spec, dict):
        items = lookup(record, spec["each"], dotted)
        sources = [(item, spec["fields"]) for item in items or [] if isinstance(item, dict)]
    else:
        sources = [(record, fields) for fields in spec]
    for source, fields in sources:
        resource = apply(source, fields, dotted, notes, "resources.")
        if resource.get("url"):
            yield {key: str(item) if key == "url" else item for key, item in resource.items()}
