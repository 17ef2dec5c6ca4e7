"""Template helpers of ckanext-datong."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.datong import vocabulary
from ckanext.datong.pages import (
    datong_display_value,
    datong_download_notice,
    datong_download_state,
    datong_field_sections,
    datong_provider_code,
    datong_shown_subfields,
)

__all__ = [
    "datong_vocabulary_choices",
    "datong_organization_regions",
    "datong_field_sections",
    "datong_display_value",
    "datong_shown_subfields",
    "datong_provider_code",
    "datong_download_state",
    "datong_download_notice",
    "datong_can_use_workbook",
]


def datong_vocabulary_choices(field: dict[str, Any]) -> list[dict[str, Any]]:
    """Scheming choices of the vocabulary a schema field names."""
    return vocabulary.choices(field["vocabulary"])


def datong_organization_regions(field: dict[str, Any]) -> list[dict[str, Any]]:
    """Regions an organization can belong to (spatial-scope-only values left out)."""
    scope_only = {t.value for t in vocabulary.terms("regions") if t.get("scope_only")}
    return [c for c in vocabulary.choices("regions") if c["value"] not in scope_only]


def datong_can_use_workbook() -> bool:
    """Whether the signed-in user may export or import catalog workbooks (the menu link)."""
    if not tk.current_user.is_authenticated:
        return False
    context = {"user": tk.current_user.name}
    for action in ("datong_catalog_import", "datong_catalog_export"):
        try:
            tk.check_access(action, dict(context), {})
            return True
        except tk.NotAuthorized:
            continue
    return False
