"""Auth function of the city-wide harvest overview (logic/harvest_overview.py)."""
from __future__ import annotations

from typing import Any

from ckan.types import AuthResult, Context

from ckanext.datong import access

OVERVIEW_MESSAGE = "只有数据主管部门的成员和系统管理员可以查看全市采集情况"


def datong_harvest_overview(context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Members of a 数据主管部门 organization and sysadmins."""
    viewer = access.viewer_from_context(context)
    if viewer.sysadmin or viewer.authority:
        return {"success": True}
    return {"success": False, "msg": OVERVIEW_MESSAGE}
