"""The examples of the API page (/api-guide): CKAN's action API and the DataStore API called
on an entry of the portal itself, chosen when the page is rendered among the entries an
anonymous visitor sees (the first by URL name with a DataStore table), so every example
works as shown. Each example is a curl command and a Python script doing the same call."""
from __future__ import annotations

import dataclasses
import json
import shlex
import urllib.parse
from typing import Any, Optional

import ckan.plugins.toolkit as tk
from markupsafe import Markup

TOKEN_PLACEHOLDER = "您的API令牌"
"""What a signed-in user's examples show in place of their token."""


@dataclasses.dataclass(frozen=True)
class Example:
    """One call: what it does, the URL path, its query parameters and whether it needs a token."""

    key: str
    title: str
    explanation: Markup
    path: str
    params: tuple[tuple[str, str], ...] = ()
    token: bool = False
    saves_as: str = ""

    def url(self) -> str:
        return tk.config["ckan.site_url"].rstrip("/") + self.path

    def curl(self) -> str:
        """The call as a curl command (parameters URL-encoded by curl itself)."""
        parts = ["curl", "-s"]
        if self.params:
            parts.append("-G")
        if self.token:
            parts += ["-H", f"Authorization: {TOKEN_PLACEHOLDER}"]
        for name, value in self.params:
            parts += ["--data-urlencode", f"{name}={value}"]
        if self.saves_as:
            parts += ["-o", self.saves_as]
        parts.append(self.url())
        return " ".join(shlex.quote(part) for part in parts)

    def python(self) -> str:
        """The call as a Python script using requests."""
        lines = ["import requests", ""]
        arguments = [repr(self.url())]
        if self.params:
            arguments.append(f"params={dict(self.params)!r}")
        if self.token:
            arguments.append(f"headers={{'Authorization': {TOKEN_PLACEHOLDER!r}}}")
        lines.append(f"response = requests.get({', '.join(arguments)}, timeout=30)")
        lines.append("response.raise_for_status()")
        if self.saves_as:
            lines += [f"with open({self.saves_as!r}, 'wb') as file:",
                      "    file.write(response.content)"]
        else:
            lines.append("print(response.json()['result'])")
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class Sample:
    """The entry the examples use: its URL name, title, a keyword, and its table if any."""

    name: str
    title: str
    keyword: str
    resource_id: str = ""
    resource_name: str = ""
    column: str = ""
    value: str = ""


def _anonymous() -> dict[str, Any]:
    return {"user": "", "ignore_auth": False}


def sample() -> Optional[Sample]:
    """The first entry by URL name an anonymous visitor sees, preferring one whose file is
    in the DataStore; None on an empty portal."""
    found = tk.get_action("package_search")(_anonymous(), {"q": "", "rows": 100, "sort": "name asc"})
    entries = found["results"]
    if not entries:
        return None
    for entry in entries:
        for resource in entry.get("resources") or []:
            if resource.get("datastore_active"):
                return _with_table(entry, resource) or _plain(entry)
    return _plain(entries[0])


def _plain(entry: dict[str, Any]) -> Sample:
    tags = [tag["name"] for tag in entry.get("tags") or []]
    return Sample(entry["name"], entry["title"], tags[0] if tags else entry["title"])


def _with_table(entry: dict[str, Any], resource: dict[str, Any]) -> Optional[Sample]:
    """The entry with its table's first text column and that column's first value."""
    try:
        rows = tk.get_action("datastore_search")(_anonymous(), {"resource_id": resource["id"], "limit": 1})
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
        return None
    columns = [f["id"] for f in rows["fields"] if f["id"] != "_id" and f["type"] == "text"]
    if not columns or not rows["records"]:
        return None
    plain = _plain(entry)
    return dataclasses.replace(plain, resource_id=resource["id"], resource_name=resource.get("name") or "",
                               column=columns[0], value=str(rows["records"][0][columns[0]]))


def examples(found: Optional[Sample]) -> list[Example]:
    """The page's examples on `found` (placeholders on an empty portal)."""
    name = found.name if found else "数据集网址名称"
    keyword = found.keyword if found else "公交"
    action = "/api/3/action/"
    calls = [
        Example("package_search", "检索数据集", Markup("按关键词“{}”检索，返回前5个数据集（用 <code>rows</code> 和 <code>start</code> 分页）。").format(keyword),
                action + "package_search", (("q", keyword), ("rows", "5"))),
        Example("package_show", "查看一个数据集", Markup("按网址名称或 ID 取得数据集“{}”的全部元数据和文件列表。").format(found.title if found else name),
                action + "package_show", (("id", name),)),
        Example("organization_list", "列出提供部门", Markup("列出平台上的全部部门（<code>all_fields=true</code> 时含名称、简介和数据集数量）。"),
                action + "organization_list", (("all_fields", "true"),)),
    ]
    if found and found.resource_id:
        calls += [
            Example("datastore_search", "查询数据表", Markup("读取文件“{}”在数据库中的前5行（<code>limit</code> 默认100）。").format(found.resource_name),
                    action + "datastore_search", (("resource_id", found.resource_id), ("limit", "5"))),
            Example("datastore_search_filters", "按字段筛选", Markup("只返回“{}”等于“{}”的行：<code>filters</code> 是 JSON 对象，键为字段名。").format(found.column, found.value),
                    action + "datastore_search", (("resource_id", found.resource_id),
                                                  ("filters", json.dumps({found.column: found.value}, ensure_ascii=False)))),
            Example("datastore_search_q", "全文检索数据表", Markup("在数据表的所有文本字段中检索“{}”。").format(found.value),
                    action + "datastore_search", (("resource_id", found.resource_id), ("q", found.value), ("limit", "5"))),
            Example("datastore_dump", "下载整张表（CSV）", Markup("以 CSV 文件下载整张数据表；<code>bom=true</code> 时文件带字节顺序标记，便于 Excel 直接打开中文。"),
                    f"/datastore/dump/{urllib.parse.quote(found.resource_id)}", (("bom", "true"),), saves_as="data.csv"),
        ]
    calls.append(Example("package_search_token", "以登录身份调用", Markup("带上 API 令牌后，接口按您的身份返回：政府部门用户可检索共享数据，获批的共享或开放申请所授权的文件可以下载。"),
                         action + "package_search", (("q", keyword), ("rows", "5")), token=True))
    return calls
