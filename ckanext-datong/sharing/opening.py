"""有条件开放: a citizen's or a company's application for the files of a conditionally open
entry. It is a request of the sharing workflow (kind ``opening``) with its own route: no
scenario and no conformity check; the providing department decides within its deadline,
and an approval gives the applicant a download grant for the files asked for.

The rules here read plain entry dicts (package_show as the applicant sees it) and return
Chinese reasons; the workflow applies them at submission, the actions at creation.
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from ckanext.datong import licences, vocabulary

APPLICANT_KINDS = {"person": "个人", "company": "企业"}
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")

RULE = "有条件开放数据的开放申请，转提供部门审核"
NEEDS_AGREEMENT = "提交前请阅读并接受《{}》"
COMPANY_CODE = "企业申请须填写统一社会信用代码"
PERIOD_TOO_LONG = "使用期限最长为{}天（至{}）"
PERIOD_PAST = "使用期限截止日期不能早于今天"
ALREADY_ALLOWED = "您已可以下载「{}」的文件，无需申请"
PENDING = "您已提交「{}」的开放申请（编号{}），请等待办理结果"


def agreement() -> licences.Licence:
    """The data-use agreement (数据利用协议) an applicant accepts: a licence of the portal's
    list, with the page of its text."""
    found = licences.datong_licence(licences.USE_AGREEMENT)
    if found is None:
        raise RuntimeError(f"licence {licences.USE_AGREEMENT} missing from licenses_group_url")
    return found


def _open_types() -> list[str]:
    """无条件开放, 有条件开放, 不予开放: the ordered opening vocabulary."""
    return vocabulary.values("open_types")


def refusal(entry: Mapping[str, Any]) -> Optional[str]:
    """Why nobody may apply for `entry`'s files (Chinese); None when it is conditionally open."""
    title = entry.get("title") or entry.get("name") or ""
    open_types = _open_types()
    open_type = entry.get("open_type") or ""
    if open_type == open_types[0]:
        return f"「{title}」为无条件开放数据，无需申请，可直接下载"
    if open_type != open_types[1]:
        return f"「{title}」不予开放，不能申请开放"
    return None


def applicant_problem(kind: str, uscc: str) -> Optional[str]:
    """What an applicant's statement lacks: a company names its 统一社会信用代码."""
    return COMPANY_CODE if kind == "company" and not uscc else None


def applicant_text(applicant: Mapping[str, Any]) -> str:
    """The applicant as people read it: 张三（个人）, 某某科技有限公司（企业，9114…）."""
    kind = APPLICANT_KINDS.get(str(applicant.get("kind") or ""), "")
    code = f"，{applicant['uscc']}" if applicant.get("uscc") else ""
    return f"{applicant.get('name') or ''}（{kind}{code}）" if kind else str(applicant.get("name") or "")
