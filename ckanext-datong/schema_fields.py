"""The fields of the configured scheming schemas (schemas/dataset.yaml, schemas/organization.yaml)
and what each declares: its Chinese label, its kind of value (judged by its validators) and
its length limit. Required fields carry `required: true`, choice fields `vocabulary:`.
"""
from __future__ import annotations

from typing import Any, Literal

from ckanext.scheming.helpers import scheming_get_dataset_schema, scheming_get_organization_schema

ITEMS = "items"
"""The 信息项 of an entry (repeating subfields)."""
GRADE = "data_grade"
ITEM_GRADE = "item_grade"
ITEM_FLAGS = ("sensitive", "personal_info")
"""信息项 flags that make the item visible to government users only."""

Kind = Literal["text", "choice", "multiple", "codes", "flag", "integer", "date", "derived",
               "provider", "tags", "license", "repeating"]
_KIND_BY_VALIDATOR: tuple[tuple[str, Kind], ...] = (
    ("datong_multiple_choice", "multiple"),
    ("datong_related_codes", "codes"),
    ("datong_flag", "flag"),
    ("datong_choice", "choice"),
    ("datong_positive_integer", "integer"),
    ("datong_publish_date", "date"),
)
_KIND_BY_NAME: dict[str, Kind] = {
    "owner_org": "provider", "tag_string": "tags", "license_id": "license",
}


def dataset_fields() -> list[dict[str, Any]]:
    """The fields of the dataset schema, presets expanded."""
    return scheming_get_dataset_schema("dataset")["dataset_fields"]


def organization_fields() -> list[dict[str, Any]]:
    """The fields of the organization schema, presets expanded."""
    return scheming_get_organization_schema("organization")["fields"]


def label(field: dict[str, Any]) -> str:
    """The field's Chinese label (its field name when it has none)."""
    text = field.get("label") or field["field_name"]
    return text.get("zh_Hans_CN", field["field_name"]) if isinstance(text, dict) else str(text)


def kind(field: dict[str, Any]) -> Kind:
    """The kind of value the field holds: `multiple` and `codes` fields hold lists, `derived`
    ones are computed by the validators, `repeating` ones hold subfield records."""
    if "repeating_subfields" in field:
        return "repeating"
    if "form_snippet" in field and field["form_snippet"] is None:
        return "derived"  # no form input: the validators compute it
    if field["field_name"] in _KIND_BY_NAME:
        return _KIND_BY_NAME[field["field_name"]]
    names = str(field.get("validators") or "").split()
    return next((found for validator, found in _KIND_BY_VALIDATOR if validator in names), "text")


def max_length(field: dict[str, Any]) -> int | None:
    """The longest accepted value in characters (`max_length:`), or None."""
    return int(field["max_length"]) if field.get("max_length") else None
