"""Validation schemas of ckanext-datong's own actions, with the validators only they use.
(Catalog and organization fields are validated by the scheming schemas in schemas/.)"""
from __future__ import annotations

import dataclasses
from typing import Any

import ckan.model as model
from ckan.lib.navl.dictization_functions import Invalid, missing
from ckan.logic.schema import validator_args
from ckan.types import Schema

from ckanext.datong import config as datong_config


@dataclasses.dataclass(frozen=True)
class Upload:
    """An uploaded workbook file."""

    filename: str
    content: bytes


def _organization_id(value: Any) -> str:
    """An organization's id from its id or URL name."""
    group = model.Group.get(str(value))
    if group is None or not group.is_organization or group.state != "active":
        raise Invalid(f"找不到组织“{value}”")
    return group.id


def _upload(value: Any) -> Upload:
    """The uploaded file (a multipart file field, or bytes when called from Python),
    refused when missing or larger than the configured limit."""
    limit = datong_config.workbook_max_upload_bytes()
    if value is missing or value is None or value == "":
        raise Invalid("请选择要上传的工作簿文件（.xlsx）")
    if isinstance(value, bytes):
        filename, content = "workbook.xlsx", value
    elif hasattr(value, "read"):
        filename = getattr(value, "filename", None) or "workbook.xlsx"
        content = value.read(limit + 1)
    else:
        raise Invalid("请以文件形式上传工作簿（multipart/form-data 的 upload 字段）")
    if len(content) > limit:
        raise Invalid(f"文件超过{limit // (1024 * 1024)}MB的上限，请拆分后分批导入")
    return Upload(filename, content)


@validator_args
def datong_catalog_export_schema(ignore_missing: Any, unicode_safe: Any) -> Schema:
    return {"owner_org": [ignore_missing, unicode_safe, _organization_id]}


@validator_args
def datong_catalog_import_schema() -> Schema:
    return {"upload": [_upload]}


@validator_args
def datong_catalog_import_status_schema(not_empty: Any, unicode_safe: Any) -> Schema:
    return {"id": [not_empty, unicode_safe]}
