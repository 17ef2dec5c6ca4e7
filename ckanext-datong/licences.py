"""The portal's licences: the list CKAN reads from `licenses_group_url`
(schemas/licenses.json) — 大同市公共数据开放协议 for 无条件开放 data, 大同市公共数据利用协议 (the
data-use agreement an applicant for 有条件开放 data accepts) and CC BY 4.0 — with the text of
each on a page of the portal (templates/licence/)."""
from __future__ import annotations

from importlib import resources
from typing import Any, MutableMapping, Optional, TypedDict

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.datong import vocabulary

OPEN_AGREEMENT = "datong-open"
USE_AGREEMENT = "datong-use"
AGREEMENTS = (OPEN_AGREEMENT, USE_AGREEMENT)
PAGES = ("datong-open", "datong-use", "cc-by")
"""Licences whose text is a page of the portal (templates/licence/<id>.html)."""


def use_portal_list(config: MutableMapping[str, Any]) -> None:
    """Point CKAN at the list shipped with the extension unless the ini names another, so
    that no ini file has to spell the path of the installed package."""
    if not config.get("licenses_group_url"):
        shipped = resources.files("ckanext.datong.schemas") / "licenses.json"
        config["licenses_group_url"] = f"file://{shipped}"


class Licence(TypedDict):
    id: str
    title: str
    url: str
    open: bool


def datong_licence(license_id: Optional[str]) -> Optional[Licence]:
    """A licence of the portal's list: its title, the absolute address of its page (or the
    address the list gives) and whether it is an open licence; None for an id not listed."""
    found = model.Package.get_license_register().get(license_id or "")
    if found is None:
        return None
    url = tk.url_for("datong_licences.read", id=found.id, _external=True) \
        if found.id in PAGES else found.url
    return {"id": found.id, "title": found.title, "url": url, "open": found.isopen()}


def default_for(open_type: str) -> str:
    """The licence an entry takes when none is chosen: the open agreement for 无条件开放 data,
    the data-use agreement for everything else."""
    return OPEN_AGREEMENT if open_type == vocabulary.values("open_types")[0] else USE_AGREEMENT


def problem(license_id: str, open_type: str) -> Optional[str]:
    """Why `license_id` does not fit an entry of `open_type` (Chinese); None when it does. Only
    无条件开放 data may carry an open licence; licences not in the list are not judged."""
    licence = datong_licence(license_id)
    if licence is None or not licence["open"] or default_for(open_type) == OPEN_AGREEMENT:
        return None
    use_title = datong_licence(USE_AGREEMENT)
    return (f"{open_type}的数据不能使用开放许可「{licence['title']}」，"
            f"应适用「{use_title['title'] if use_title else USE_AGREEMENT}」")
