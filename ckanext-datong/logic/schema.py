"""Validation schemas of ckanext-datong's own actions, with the validators only they use.
(Catalog and organization fields are validated by the scheming schemas in schemas/.)"""
from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Optional

import ckan.model as model
from ckan.lib.navl.dictization_functions import Invalid, missing
from ckan.logic.schema import validator_args
from ckan.types import Schema

from ckanext.datong import config as datong_config
from ckanext.datong import lists, uscc, vocabulary
from ckanext.datong.model import Scenario
from ckanext.datong.sharing.opening import APPLICANT_KINDS, PHONE


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


# --------------------------------------------------------------------------- sharing requests

def _required_text(label: str, limit: int) -> Any:
    """Stripped text, required, at most `limit` characters."""
    def validator(value: Any) -> str:
        text = "" if value is missing or value is None else str(value).strip()
        if not text:
            raise Invalid(f"请填写{label}")
        if len(text) > limit:
            raise Invalid(f"{label}不能超过{limit}个字符（现为{len(text)}个）")
        return text
    return validator


def _optional_text(label: str, limit: int) -> Any:
    def validator(value: Any) -> str:
        text = "" if value is missing or value is None else str(value).strip()
        if len(text) > limit:
            raise Invalid(f"{label}不能超过{limit}个字符（现为{len(text)}个）")
        return text
    return validator


def _date(label: str) -> Any:
    """A date written YYYY-MM-DD."""
    def validator(value: Any) -> datetime.date:
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            raise Invalid(f"{label}应为日期，格式为YYYY-MM-DD，例如 2027-01-31")
    return validator


def _one_of(label: str, values: Any) -> Any:
    """One of `values` (a tuple, or a callable giving them when the check runs)."""
    def validator(value: Any) -> str:
        allowed = values() if callable(values) else values
        text = "" if value is missing or value is None else str(value).strip()
        if not text:
            raise Invalid(f"请选择{label}")
        if text not in allowed:
            raise Invalid(f"{label}“{text}”无效，可选：{'、'.join(allowed)}")
        return text
    return validator


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes", "on", "是")


def _names(value: Any) -> Optional[list[str]]:
    """信息项 names: a list or comma-separated text; empty means every item (None)."""
    if value is missing or value is None or value == "" or value == []:
        return None
    names = value if isinstance(value, list) else lists.split(str(value))
    cleaned = [str(name).strip() for name in names if str(name).strip()]
    if not cleaned:
        return None
    return list(dict.fromkeys(cleaned))


FREQUENCIES = ("一次性", "实时", "每日", "每周", "每月", "每季度", "每年", "按需")


@validator_args
def datong_request_entry_schema(ignore_missing: Any, unicode_safe: Any) -> Schema:
    return {
        "package_id": [_required_text("数据目录", 100)],
        "resource_id": [ignore_missing, unicode_safe],
        "items": [ignore_missing, _names],
    }


@validator_args
def datong_request_create_schema(ignore_missing: Any, unicode_safe: Any) -> Schema:
    return {
        "requester_org_id": [ignore_missing, unicode_safe, _organization_id],
        "scenario_id": [ignore_missing, unicode_safe],
        "purpose": [_required_text("使用用途", 500)],
        "basis": [_required_text("申请依据", 500)],
        "start_date": [_date("使用期限起始日期")],
        "end_date": [_date("使用期限截止日期")],
        "frequency": [_one_of("使用频度", FREQUENCIES)],
        "delivery": [_one_of("共享方式", lambda: vocabulary.values("share_methods"))],
        "territory": [ignore_missing, _one_of("属地范围", Scenario.TERRITORIES)],
        "contact_name": [_required_text("联系人", 50)],
        "contact_phone": [_required_text("联系电话", 30)],
        "commitment": [ignore_missing, _flag],
        "entries": datong_request_entry_schema(),
    }


def _uscc(value: Any) -> str:
    """A 统一社会信用代码 (empty allowed: the applicant's kind decides whether one is needed)."""
    code = "" if value is missing or value is None else str(value).strip().upper()
    if code and uscc.problem(code):
        raise Invalid(f"统一社会信用代码{uscc.problem(code)}")
    return code


def _phone(value: Any) -> str:
    """A mainland mobile number or a landline with its area code."""
    text = "" if value is missing or value is None else str(value).strip()
    if not text:
        raise Invalid("请填写联系电话")
    if not PHONE.match(text):
        raise Invalid("联系电话应为11位手机号码或带区号的固定电话，例如 13912345678 或 0352-1234567")
    return text


@validator_args
def datong_opening_create_schema(ignore_missing: Any, unicode_safe: Any) -> Schema:
    return {
        "package_id": [_required_text("数据目录", 100)],
        "resource_id": [ignore_missing, unicode_safe],
        "applicant_kind": [_one_of("申请人类型", tuple(APPLICANT_KINDS))],
        "applicant_name": [_required_text("申请人名称", 100)],
        "applicant_uscc": [ignore_missing, _uscc],
        "purpose": [_required_text("使用用途", 1000)],
        "end_date": [_date("使用期限截止日期")],
        "contact_phone": [_phone],
        "agreement": [ignore_missing, _flag],
    }


@validator_args
def datong_opening_update_schema(not_empty: Any, unicode_safe: Any) -> Schema:
    return {**datong_opening_create_schema(), "id": [not_empty, unicode_safe]}


@validator_args
def datong_request_update_schema(not_empty: Any, unicode_safe: Any) -> Schema:
    return {**datong_request_create_schema(), "id": [not_empty, unicode_safe]}


@validator_args
def datong_request_id_schema(not_empty: Any, unicode_safe: Any) -> Schema:
    return {"id": [not_empty, unicode_safe], "reason": [_optional_text("理由", 1000)]}


def datong_request_decide_schema(outcomes: tuple[str, ...]) -> Schema:
    schema = datong_request_id_schema()
    schema["outcome"] = [_one_of("处理结果", outcomes)]
    return schema


@validator_args
def datong_request_list_schema(ignore_missing: Any, unicode_safe: Any, natural_number_validator: Any,
                               int_validator: Any) -> Schema:
    return {
        "role": [ignore_missing, _one_of("范围", ("mine", "provider", "authority"))],
        "state": [ignore_missing, unicode_safe],
        "overdue": [ignore_missing, _flag],
        "limit": [ignore_missing, natural_number_validator],
        "offset": [ignore_missing, natural_number_validator],
    }


@validator_args
def datong_scenario_schema(ignore_missing: Any, unicode_safe: Any) -> Schema:
    return {
        "name": [_required_text("场景名称", 100)],
        "description": [_optional_text("场景说明", 2000)],
        "legal_basis": [_required_text("法律或政策依据", 1000)],
        "requester_kinds": [ignore_missing, _choices("申请单位类型", lambda: vocabulary.values("org_kinds"))],
        "requester_org_ids": [ignore_missing, _organization_ids],
        "coverage": datong_scenario_coverage_schema(),
        "max_grade": [_one_of("最高分级", lambda: vocabulary.values("grades"))],
        "max_days": [_positive("最长使用期限（天）")],
        "delivery_methods": [ignore_missing, _choices("共享方式", lambda: vocabulary.values("share_methods"))],
        "territory": [ignore_missing, _one_of("属地规则", Scenario.TERRITORIES)],
        "route": [_one_of("审批路径", Scenario.ROUTES)],
        "state": [ignore_missing, _one_of("状态", (Scenario.STATE_ACTIVE, Scenario.STATE_RETIRED))],
    }


@validator_args
def datong_scenario_update_schema(not_empty: Any, unicode_safe: Any) -> Schema:
    return {**datong_scenario_schema(), "id": [not_empty, unicode_safe]}


@validator_args
def datong_grant_revoke_schema(not_empty: Any, unicode_safe: Any) -> Schema:
    return {"id": [not_empty, unicode_safe], "reason": [_required_text("撤销理由", 1000)]}


def _choices(label: str, values: Any) -> Any:
    """A list of values (or comma-separated text), each one of `values`."""
    def validator(value: Any) -> list[str]:
        chosen = _names(value) or []
        allowed = values()
        wrong = [item for item in chosen if item not in allowed]
        if wrong:
            raise Invalid(f"{label}“{'、'.join(wrong)}”无效，可选：{'、'.join(allowed)}")
        return chosen
    return validator


def _organization_ids(value: Any) -> list[str]:
    return [_organization_id(item) for item in _names(value) or []]


def _positive(label: str) -> Any:
    def validator(value: Any) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise Invalid(f"{label}应为正整数")
        if number <= 0:
            raise Invalid(f"{label}应为正整数")
        return number
    return validator


def _package_id(value: Any) -> str:
    """A catalog entry's id from its id or URL name."""
    package = model.Package.get(str(value).strip())
    if package is None or package.state != "active":
        raise Invalid(f"找不到数据目录“{value}”")
    return package.id


@validator_args
def datong_scenario_coverage_schema(ignore_missing: Any) -> Schema:
    return {"package_id": [_required_text("数据目录", 100), _package_id],
            "items": [ignore_missing, _names]}


# ------------------------------------------------------------------------------ registration

def _registration_objects() -> tuple[str, ...]:
    from ckanext.datong.registration.workflow import OBJECTS
    return OBJECTS


@validator_args
def datong_registration_content_schema(ignore_missing: Any) -> Schema:
    """The fields of a registration the applicant writes (registration.workflow.CONTENT_FIELDS)."""
    return {
        "object": [_one_of("登记对象", _registration_objects)],
        "name": [_required_text("登记名称", 100)],
        "summary": [_required_text("摘要", 500)],
        "source_basis": [_required_text("来源与合法性依据", 1000)],
        "holder_resource": [_required_text("数据资源持有权人", 200)],
        "holder_processing": [_required_text("数据加工使用权人", 200)],
        "holder_operation": [_required_text("数据产品经营权人", 200)],
        "scale": [_required_text("数据规模", 100)],
        "data_format": [_required_text("数据格式", 100)],
        "valid_from": [_date("有效期起始日期")],
        "valid_until": [_date("有效期截止日期")],
    }


@validator_args
def datong_registration_create_schema(ignore_missing: Any) -> Schema:
    return {**datong_registration_content_schema(), "package_id": [_required_text("数据目录", 100)]}


@validator_args
def datong_registration_update_schema(not_empty: Any, unicode_safe: Any) -> Schema:
    return {**datong_registration_content_schema(), "id": [not_empty, unicode_safe]}


@validator_args
def datong_registration_change_schema(not_empty: Any, unicode_safe: Any) -> Schema:
    from ckanext.datong.registration.workflow import CANCELLATION, CHANGE, CORRECTION
    return {"id": [not_empty, unicode_safe],
            "reg_type": [_one_of("登记类型", (CHANGE, CORRECTION, CANCELLATION))],
            "reason": [_required_text("申请理由", 1000)]}


@validator_args
def datong_registration_id_schema(not_empty: Any, unicode_safe: Any, ignore_missing: Any) -> Schema:
    return {"id": [not_empty, unicode_safe], "reason": [_optional_text("理由", 1000)],
            "objection_id": [ignore_missing, unicode_safe]}


def datong_registration_decide_schema(outcomes: tuple[str, ...]) -> Schema:
    schema = datong_registration_id_schema()
    schema["outcome"] = [_one_of("处理结果", outcomes)]
    return schema


@validator_args
def datong_registration_list_schema(ignore_missing: Any, unicode_safe: Any,
                                    natural_number_validator: Any) -> Schema:
    return {
        "role": [ignore_missing, _one_of("范围", ("mine", "authority", "notice", "register"))],
        "state": [ignore_missing, unicode_safe],
        "limit": [ignore_missing, natural_number_validator],
        "offset": [ignore_missing, natural_number_validator],
    }


@validator_args
def datong_registration_verify_schema(ignore_missing: Any) -> Schema:
    return {"expect_head": [ignore_missing, _optional_text("链头哈希", 64)]}


# --------------------------------------------------------------------------- dashboards, use cases

@validator_args
def datong_dashboard_show_schema(ignore_missing: Any, unicode_safe: Any) -> Schema:
    return {"organization": [ignore_missing, unicode_safe, _organization_id]}


def _link(value: Any) -> str:
    """An http(s) address, or empty."""
    text = "" if value is missing or value is None else str(value).strip()
    if text and not text.lower().startswith(("http://", "https://")):
        raise Invalid("案例链接应以 http:// 或 https:// 开头")
    if len(text) > 500:
        raise Invalid(f"案例链接不能超过500个字符（现为{len(text)}个）")
    return text


def _package_ids(value: Any) -> list[str]:
    """Catalog entries by id or URL name (a list or comma-separated text), each once."""
    return list(dict.fromkeys(_package_id(name) for name in _names(value) or []))


def _optional_date(label: str) -> Any:
    def validator(value: Any) -> Optional[datetime.date]:
        if value is missing or value is None or str(value).strip() == "":
            return None
        return _date(label)(value)
    return validator


@validator_args
def datong_use_case_schema(ignore_missing: Any, unicode_safe: Any) -> Schema:
    return {
        "title": [_required_text("案例名称", 100)],
        "summary": [_required_text("案例简介", 2000)],
        "domain": [_one_of("行业领域", lambda: vocabulary.values("industry_domains"))],
        "organization_id": [ignore_missing, _optional_organization_id],
        "package_ids": [ignore_missing, _package_ids],
        "link_url": [ignore_missing, _link],
        "published": [ignore_missing, _optional_date("发布日期")],
    }


def _optional_organization_id(value: Any) -> Optional[str]:
    return _organization_id(value) if str(value or "").strip() else None


@validator_args
def datong_use_case_update_schema(not_empty: Any, unicode_safe: Any) -> Schema:
    return {**datong_use_case_schema(), "id": [not_empty, unicode_safe]}


@validator_args
def datong_use_case_id_schema(not_empty: Any, unicode_safe: Any) -> Schema:
    return {"id": [not_empty, unicode_safe]}


@validator_args
def datong_use_case_list_schema(ignore_missing: Any, unicode_safe: Any) -> Schema:
    return {"domain": [ignore_missing, unicode_safe],
            "organization_id": [ignore_missing, unicode_safe]}
