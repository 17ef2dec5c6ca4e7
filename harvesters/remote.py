"""What the catalog harvesters of remote systems (datong_ckan, datong_dcat) share: the source
config's catalog defaults, its known keys, and downloading one document through http.fetch."""
from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator

from ckanext.scheming.helpers import scheming_get_dataset_schema

from ckanext.datong.harvesters import http

NOT_DEFAULTABLE = ("name", "owner_org", "resource_code")
"""Fields a default may not fill: they identify an entry, so one value cannot serve them all."""


def dataset_fields() -> list[str]:
    """The field names of the municipal catalog schema (scheming's dataset schema)."""
    return [field["field_name"] for field in scheming_get_dataset_schema("dataset")["dataset_fields"]]


def resource_fields() -> list[str]:
    """The field names of a catalog entry's resources."""
    return [field["field_name"] for field in scheming_get_dataset_schema("dataset")["resource_fields"]]


def catalog_defaults(config: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The config's "defaults": values for catalog fields an entry of the source does not
    carry. ValueError (Chinese) when it is not an object of schema fields with text or
    list-of-text values, or lacks one of `required`."""
    defaults = config.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ValueError("defaults 应为 JSON 对象：目录字段 → 缺省值")
    fields = dataset_fields()
    for key, value in defaults.items():
        if key not in fields or key in NOT_DEFAULTABLE:
            raise ValueError(f"defaults 中的“{key}”不是可设缺省值的目录字段")
        if not (isinstance(value, str) or isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ValueError(f"defaults 中“{key}”的值应为文字或文字列表")
    missing = [key for key in required if not defaults.get(key)]
    if missing:
        raise ValueError(f"来源不提供以下目录字段，请在 defaults 中给出缺省值：{'、'.join(missing)}")
    return defaults


def apply_defaults(data: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """`data` with every default filled in where the entry has no value of its own."""
    for key, value in defaults.items():
        if data.get(key) in (None, "", []):
            data[key] = list(value) if isinstance(value, list) else value
    return data


def positive_int(config: dict[str, Any], key: str, default: int, most: int) -> int:
    """config[key] as an integer in 1..most; ValueError (Chinese) otherwise."""
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise ValueError(f"{key} 应为 1 到 {most} 之间的整数")
    return value


@contextlib.contextmanager
def downloaded(url: str, config: dict[str, Any], headers: dict[str, str] | None = None) -> Iterator[str]:
    """The path of `url` downloaded by http.fetch with the config's limits; removed afterwards.
    http.FetchError (a SourceError) carries the Chinese reason of a failed download."""
    path = http.fetch(url, headers=headers, **http.options(config))
    try:
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
