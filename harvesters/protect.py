"""Protection of harvested datasets from hand edits the next harvest would undo.

Chained package_update/package_patch auth: a dataset whose current harvest object belongs
to a source is refused to editors unless that source's config says
"allow_manual_edits": true. The harvest itself runs with ignore_auth and is not asked.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import AuthFunction, AuthResult, Context
from ckanext.harvest.model import HarvestObject

from ckanext.datong.harvesters.base import parse_config


def harvested_refusal(context: Context, data_dict: dict[str, Any]) -> AuthResult | None:
    """A refusal in Chinese when the dataset is harvested and its source allows no hand edits."""
    package = context.get("package")
    if package is None:
        reference = data_dict.get("id") or data_dict.get("name")
        package = model.Package.get(reference) if reference else None
    if package is None:
        return None
    current = (
        model.Session.query(HarvestObject)
        .filter(HarvestObject.package_id == package.id, HarvestObject.current.is_(True))
        .first()
    )
    if current is None or current.source is None:
        return None
    try:
        allowed = parse_config(current.source.config).get("allow_manual_edits") is True
    except ValueError:
        allowed = False
    if allowed:
        return None
    return {"success": False,
            "msg": f"该信息资源由采集来源“{current.source.title}”自动采集，手工修改会在下次采集时被覆盖："
                   "请在来源系统中修改（或由来源管理者在来源配置中设置 allow_manual_edits 为 true）"}


@tk.chained_auth_function
def package_update(next_auth: AuthFunction, context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """Refuse hand edits of harvested datasets, then ask the next auth function."""
    return harvested_refusal(context, data_dict) or next_auth(context, data_dict)


@tk.chained_auth_function
def package_patch(next_auth: AuthFunction, context: Context, data_dict: dict[str, Any]) -> AuthResult:
    """As package_update."""
    return harvested_refusal(context, data_dict) or next_auth(context, data_dict)
