"""Field mappings of a source config: how a remote record (a JSON object or a table row)
becomes package_create fields of the municipal schema.

A mapping is a JSON object {field: spec}. A spec is either a path (a string) or an object:

- "path": where the value is. In JSON records a dotted path ("info.title",
  "distributions.0.url"; a digit indexes a list); in table rows a column heading.
- "value": a constant instead of a path.
- "map": {source value: value}: replaces a source value; null drops the field. A value the
  map does not know is kept as it is, so the schema's validators judge it (nothing guessed).
- "default": the value when the source has none (missing, null or blank).
- "split": a separator: the text becomes a list of its non-blank parts (before "map",
  which then maps each part); "list": true wraps a single value in a list.

"resources" is a list of resource mappings ({field: spec} read from the record itself), or
{"each": path, "fields": {field: spec}} for a list of objects inside the record. A resource
without a url is left out.
"""
from __future__ import annotations

import datetime
import decimal
from typing import Any, Iterable

SPEC_KEYS = {"path", "value", "map", "default", "split", "list"}
_DROP = object()


def check(mapping: Any, where: str = "fields") -> None:
    """ValueError in Chinese when `mapping` is not a valid field mapping."""
    if not isinstance(mapping, dict) or not mapping:
        raise ValueError(f"{where} 应为非空的 JSON 对象（字段名 → 路径或映射规则）")
    for field, spec in mapping.items():
        if field == "resources":
            _check_resources(spec)
            continue
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
    if isinstance(value, str):
        return value.strip()
    return value


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def _map_one(value: Any, table: dict[str, Any] | None) -> Any:
    if table is None:
        return value
    key = value if isinstance(value, str) else str(value)
    if key in table:
        return _DROP if table[key] is None else table[key]
    return value


def value(record: Any, spec: str | dict[str, Any], dotted: bool = True) -> Any:
    """The field value `spec` gives for `record`, or None for none."""
    if isinstance(spec, str):
        spec = {"path": spec}
    found = spec["value"] if "value" in spec else (
        _plain(lookup(record, spec["path"], dotted)) if "path" in spec else None)
    if isinstance(found, list):
        found = [_plain(item) for item in found if not _blank(_plain(item))]
    if spec.get("split") and isinstance(found, str):
        found = [part.strip() for part in found.split(spec["split"]) if part.strip()]
    table = spec.get("map")
    if isinstance(found, list):
        mapped = []
        for item in found:
            result = _map_one(item, table)
            if result is _DROP:
                continue
            mapped.extend(result if isinstance(result, list) else [result])
        found = mapped
    elif not _blank(found):
        found = _map_one(found, table)
        if found is _DROP:
            return None
    if _blank(found):
        found = spec.get("default")
    if spec.get("list") and not _blank(found) and not isinstance(found, list):
        found = [found]
    return None if _blank(found) else found


def apply(record: Any, mapping: dict[str, Any], dotted: bool = True) -> dict[str, Any]:
    """package_create fields for `record`: every mapped field that has a value."""
    data: dict[str, Any] = {}
    for field, spec in mapping.items():
        if field == "resources":
            resources = list(_resources(record, spec, dotted))
            if resources:
                data["resources"] = resources
            continue
        found = value(record, spec, dotted)
        if found is not None:
            data[field] = found
    return data


def _resources(record: Any, spec: Any, dotted: bool) -> Iterable[dict[str, Any]]:
    if isinstance(spec, dict):
        items = lookup(record, spec["each"], dotted)
        sources = [(item, spec["fields"]) for item in items or [] if isinstance(item, dict)]
    else:
        sources = [(record, fields) for fields in spec]
    for source, fields in sources:
        resource = apply(source, fields, dotted)
        if resource.get("url"):
            yield {key: str(item) if key == "url" else item for key, item in resource.items()}
