"""The catalog vocabularies of schemas/vocabularies.yaml: one source for forms, validators,
facets, access rules and the catalog workbook."""
from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import os
from typing import Any

import yaml

from ckanext.datong import config as datong_config

ORDERED = ("grades", "share_types", "open_types")  # lists whose order carries meaning
NAMES = ("classes", "themes", "industry_domains", "catalog_formats", "grades", "share_types",
         "share_methods", "open_types", "update_frequencies", "modalities", "data_types",
         "regions", "org_kinds")
"""The vocabularies the schemas, rules and workbook read: every file must have them."""


@dataclasses.dataclass(frozen=True)
class Term:
    """One value of a vocabulary."""

    value: str
    label: str
    en: str
    extra: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.extra.get(key, default)


def _raw() -> dict[str, Any]:
    return _load(datong_config.vocabulary_source())


@functools.lru_cache(maxsize=4)
def _load(source: str) -> dict[str, Any]:
    """The vocabulary file `source`, parsed (once)."""
    return yaml.safe_load(_text(source))


def _text(source: str) -> str:
    """The vocabulary file `source`: a path, or `package:file` inside an installed package."""
    package, _, name = source.partition(":")
    if name and not os.path.isabs(source):
        return (importlib.resources.files(package) / name).read_text(encoding="utf-8")
    with open(source, encoding="utf-8") as stream:
        return stream.read()


def problems(source: str) -> list[str]:
    """What makes the vocabulary file `source` unusable, in Chinese; [] when it is fine."""
    try:
        data = yaml.safe_load(_text(source))
    except (OSError, UnicodeDecodeError, ImportError) as error:
        return [f"无法读取：{error}"]
    except yaml.YAMLError as error:
        return [f"不是有效的 YAML：{' '.join(str(error).split())}"]
    if not isinstance(data, dict):
        return ["应以词表名为键，每个词表一个列表（见 schemas/vocabularies.yaml）"]
    found = []
    for name in NAMES:
        entries = data.get(name)
        if name not in data:
            found.append(f"缺少词表 {name}")
        elif not isinstance(entries, list) or not entries:
            found.append(f"词表 {name} 应为非空列表")
        else:
            found += _entry_problems(name, entries)
    return found


def _entry_problems(name: str, entries: list[Any]) -> list[str]:
    keys = ("code", "value") if name == "classes" else ("value",)
    found, seen = [], set()
    for number, entry in enumerate(entries, 1):
        missing = [key for key in keys if not isinstance(entry, dict) or entry.get(key) in (None, "")]
        if missing:
            found.append(f"词表 {name} 的第{number}项缺少 {'、'.join(missing)}")
            continue
        value = str(entry["value"])
        if value in seen:
            found.append(f"词表 {name} 的值“{value}”重复")
        seen.add(value)
    return found


def terms(name: str) -> tuple[Term, ...]:
    """The terms of vocabulary `name`, in file order; KeyError for an unknown name."""
    return _terms(datong_config.vocabulary_source(), name)


@functools.lru_cache(maxsize=64)
def _terms(source: str, name: str) -> tuple[Term, ...]:
    entries = _load(source)[name]
    result = []
    for entry in entries:
        entry = dict(entry)
        value = str(entry.pop("value"))
        label = str(entry.pop("label", value))
        en = str(entry.pop("en", label))
        result.append(Term(value, label, en, entry))
    return tuple(result)


def values(name: str) -> tuple[str, ...]:
    """The stored values of vocabulary `name`, in file order."""
    return tuple(term.value for term in terms(name))


def term(name: str, value: str) -> Term | None:
    """The term of `name` whose value is `value`, or None."""
    return next((t for t in terms(name) if t.value == value), None)


def label(name: str, value: str) -> str:
    """The Chinese label of a value (the value itself when unknown)."""
    found = term(name, value)
    return found.label if found else value


def rank(name: str, value: str) -> int:
    """Position of `value` in an ordered vocabulary (grades low→high, share/open loose→strict)."""
    if name not in ORDERED:
        raise ValueError(f"vocabulary {name} has no order")
    return values(name).index(value)


def class_item_label(class_code: str, item_code: str) -> str | None:
    """The name of 项 `item_code` under 类 `class_code`; '' for classes with free items;
    None when the class or item is unknown."""
    for entry in _raw()["classes"]:
        if entry["code"] == class_code:
            items = entry.get("items") or {}
            if not items:
                return ""
            return items.get(item_code)
    return None


def class_attribute(class_code: str) -> str | None:
    """资源属性 (基础/主题/部门) of 类 `class_code`, or None."""
    return next((c["value"] for c in _raw()["classes"] if c["code"] == class_code), None)


def choices(name: str) -> list[dict[str, Any]]:
    """Scheming choices: value and a label per language."""
    return [
        {"value": t.value, "label": {"zh_Hans_CN": t.label, "en": t.en}}
        for t in terms(name)
    ]
