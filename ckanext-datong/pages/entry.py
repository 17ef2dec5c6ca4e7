"""Template helpers of the catalog pages: the sections of the entry form and page, the display
value of a schema field, and the download state of a resource."""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.datong import access, vocabulary

# The entry's fields by section, in the order an editor fills them: the 信息项 and their
# grades come before the grade of the entry, which bounds its sharing and opening.
SECTIONS: tuple[tuple[dict[str, str], tuple[str, ...]], ...] = (
    ({"zh_Hans_CN": "基本信息", "en": "Basic information"},
     ("title", "name", "owner_org", "notes", "tag_string", "license_id")),
    ({"zh_Hans_CN": "分类", "en": "Classification"},
     ("resource_class", "resource_attribute", "resource_code", "industry_domain", "theme",
      "catalog_format", "spatial_scope", "modality")),
    ({"zh_Hans_CN": "信息项", "en": "Data items"}, ("items", "region_item")),
    ({"zh_Hans_CN": "数据分级", "en": "Grade"}, ("data_grade",)),
    ({"zh_Hans_CN": "共享与开放", "en": "Sharing and opening"},
     ("share_type", "share_condition", "share_method", "open_type", "open_condition")),
    ({"zh_Hans_CN": "更新与发布", "en": "Updates and publication"},
     ("update_frequency", "publish_date", "data_volume", "related_codes")),
)
OTHER_SECTION = {"zh_Hans_CN": "其他", "en": "Other"}
# What a resource page shows instead of the download button, by file status (access).
NOTICES = {
    access.GRANT_REQUIRED: ("需申请授权后下载",
                            "该数据为有条件共享或有条件开放，经提供部门授权后方可下载文件。"),
    access.DENIED: ("不提供下载", "按该数据的共享和开放属性，文件不向您提供下载。"),
}


def datong_field_sections(fields: list[dict[str, Any]],
                          exclude: list[str] | tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The schema `fields` grouped into titled sections (empty sections left out); fields no
    section names go to a last section, so a field added to the schema is never lost."""
    by_name = {f["field_name"]: f for f in fields if f["field_name"] not in exclude}
    sections = []
    for title, names in SECTIONS:
        members = [by_name.pop(name) for name in names if name in by_name]
        if members:
            sections.append({"title": tk.h.scheming_language_text(title), "fields": members})
    if by_name:
        sections.append({"title": tk.h.scheming_language_text(OTHER_SECTION),
                         "fields": list(by_name.values())})
    return sections


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _term_text(vocab: str, value: str) -> str:
    """A vocabulary value as shown: its label, after the value when they differ (C 字符型,
    140213 平城区)."""
    label = vocabulary.label(vocab, value)
    return value if label == value else f"{value} {label}"


def class_path(code: str) -> str:
    """A 信息资源分类 code with its path: 201003 主题 › 公共服务 › 003 (类, 项 by name where
    the class names its items, 目 and 细目 by number)."""
    attribute = vocabulary.class_attribute(code[:1])
    if attribute is None:
        return code
    item = vocabulary.class_item_label(code[:1], code[1:3]) or code[1:3]
    parts = [attribute, item, code[3:6], code[6:]]
    return f"{code} " + " › ".join(part for part in parts if part)


def datong_display_value(field: dict[str, Any], data: dict[str, Any]) -> str | None:
    """The value of schema `field` in `data` as text for a reader; None when absent or empty
    (the field is then left out, e.g. a grade hidden from the viewer). Dates are written the
    Chinese way (h.render_datetime)."""
    value = data.get(field["field_name"])
    if _empty(value) or "repeating_subfields" in field:
        return None
    if field["field_name"] == "owner_org":
        organization = data.get("organization") or {}
        return organization.get("title") or organization.get("name") or str(value)
    if field["field_name"] == "resource_class":
        return class_path(str(value))
    if field.get("preset") == "date":
        return tk.h.render_datetime(value) or str(value)
    values = value if isinstance(value, list) else [value]
    if "vocabulary" in field:
        shown = [_term_text(field["vocabulary"], str(v)) for v in values]
    elif field.get("choices"):
        shown = [tk.h.scheming_choices_label(field["choices"], str(v)) for v in values]
    else:
        shown = [str(v) for v in values]
    return "、".join(shown)


def datong_shown_subfields(field: dict[str, Any],
                           rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The subfields of repeating `field` that any of `rows` carries: columns removed from
    every row (hidden from the viewer) are not shown at all."""
    return [sub for sub in field["repeating_subfields"]
            if any(sub["field_name"] in row for row in rows)]


def datong_provider_code(pkg: dict[str, Any]) -> str | None:
    """提供方代码: the 统一社会信用代码 of the entry's organization."""
    owner = pkg.get("owner_org")
    group = model.Group.get(owner) if owner else None
    return group.extras.get("uscc") if group is not None else None


def datong_download_state(resource: dict[str, Any] | None, pkg: dict[str, Any] | None) -> str:
    """The file status (access.STATUSES) the output redaction set on the resource, else on the
    entry; allowed when neither carries one (nothing restricts the download)."""
    state = (resource or {}).get("datong_download")
    if state not in access.STATUSES:
        state = ((pkg or {}).get("datong_access") or {}).get("download")
    return state if state in access.STATUSES else access.ALLOWED


def datong_download_notice(state: str) -> dict[str, str] | None:
    """Title and explanation shown instead of the download button; None when allowed."""
    if state not in NOTICES:
        return None
    title, explanation = NOTICES[state]
    return {"title": tk._(title), "explanation": tk._(explanation)}
