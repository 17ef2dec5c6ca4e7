"""datong_ckan: the catalog of another CKAN, read through its action API.

Source URL: the remote site's root (e.g. https://data.example.gov.cn). Config (JSON object):
- "organizations", "groups": lists of remote organization / group names; only their
  datasets are harvested (both given: datasets in one of the organizations and one of the
  groups);
- "rows": datasets per package_search page (default 100, at most 1000);
- "defaults": catalog field → value for fields a remote dataset has no value for;
- "api_token": a remote API token, sent to read what the remote shows only to its users.
plus the keys every Datong harvester accepts (see base.py).

A remote running the municipal schema (its datasets carry 信息资源分类) maps field for field;
any other CKAN gives title, description, tags, publication date and resources, and the
catalog fields it lacks come from "defaults". A remote Datong portal hides the grades from
anonymous readers, so "defaults" should say the 数据分级 of its open entries.
"""
from __future__ import annotations

import json
import urllib.parse
from typing import Any, Callable, Iterator

from ckanext.datong.harvesters import remote
from ckanext.datong.harvesters.base import (
    DatongHarvester, RemoteEntry, SourceError, check_keys, parse_config, stable_guid,
    validate_common,
)

OWN_KEYS = ("organizations", "groups", "rows", "defaults", "api_token")
SKIPPED_FIELDS = ("name", "owner_org")  # the local site names the entry; the source's department owns it


class DatongCkanHarvester(DatongHarvester):
    """Harvests a remote CKAN's datasets, page by page, through package_search."""

    def info(self) -> dict[str, str]:
        return {
            "name": "datong_ckan",
            "title": "CKAN 目录（远程 CKAN 的 API）",
            "description": "通过另一个 CKAN 站点的 API 分页读取其数据集，可按组织、分组筛选；"
                           "对方使用本市目录模式时逐字段对应，否则缺少的目录字段取来源配置中的缺省值。",
        }

    def validate_config(self, config: str) -> str:
        parsed = parse_config(config)
        validate_common(parsed)
        check_keys(parsed, OWN_KEYS)
        for key in ("organizations", "groups"):
            names = parsed.get(key, [])
            if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
                raise ValueError(f"{key} 应为远程站点名称（URL 名称）的列表")
        remote.positive_int(parsed, "rows", 100, 1000)
        remote.catalog_defaults(parsed)
        if not isinstance(parsed.get("api_token", ""), str):
            raise ValueError("api_token 应为文字")
        return config

    def entries(self, source_url: str, config: dict[str, Any], log: Callable[[str], None]) -> Iterator[RemoteEntry]:
        site = site_root(source_url)
        rows = remote.positive_int(config, "rows", 100, 1000)
        defaults = remote.catalog_defaults(config)
        fields, resource_fields = remote.dataset_fields(), remote.resource_fields()
        query = {"q": "*:*", "rows": rows, "sort": "metadata_created asc"}
        if fq := filter_query(config):
            query["fq"] = fq
        start = 0
        while True:
            result = call_action(site, "package_search", dict(query, start=start), config)
            datasets = result.get("results") or []
            for dataset in datasets:
                yield entry(site, dataset, fields, resource_fields, defaults)
            start += len(datasets)
            log(f"已读取 {start}/{result.get('count', 0)} 个数据集")
            if not datasets or start >= int(result.get("count") or 0):
                return


def site_root(source_url: str) -> str:
    """The site root of a source URL given as the root or as its /api/3 (action) address."""
    root = source_url.strip().rstrip("/")
    for suffix in ("/api/3/action", "/api/action", "/api/3", "/api"):
        if root.endswith(suffix):
            return root[: -len(suffix)]
    return root


def filter_query(config: dict[str, Any]) -> str:
    """The package_search fq restricting to the configured organizations and groups."""
    clauses = []
    for key, field in (("organizations", "organization"), ("groups", "groups")):
        names = config.get(key) or []
        if names:
            clauses.append(f"{field}:(" + " OR ".join(json.dumps(n.strip()) for n in names) + ")")
    return " AND ".join(clauses)


def call_action(site: str, action: str, params: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """The result of a GET action call; SourceError (Chinese) when the remote refuses or
    answers with something other than a CKAN API response."""
    url = f"{site}/api/3/action/{action}?{urllib.parse.urlencode(params)}"
    headers = {"Authorization": config["api_token"]} if config.get("api_token") else None
    with remote.downloaded(url, config, headers) as path:
        try:
            with open(path, encoding="utf-8") as stream:
                answer = json.load(stream)
        except (ValueError, UnicodeDecodeError) as error:
            raise SourceError(f"远程 CKAN 的 {action} 应答不是有效的 JSON（{url}）：{error}") from error
    if not isinstance(answer, dict) or "success" not in answer:
        raise SourceError(f"远程地址不是 CKAN API：{action} 的应答中没有 success（{url}）")
    if not answer["success"]:
        raise SourceError(f"远程 CKAN 拒绝了 {action} 调用：{json.dumps(answer.get('error'), ensure_ascii=False)}")
    return answer["result"]


def entry(site: str, dataset: dict[str, Any], fields: list[str], resource_fields: list[str],
          defaults: dict[str, Any]) -> RemoteEntry:
    """The RemoteEntry of one remote package_show dict."""
    if "resource_class" in dataset:  # the remote runs the municipal schema
        data = {key: dataset[key] for key in fields
                if key in dataset and key not in SKIPPED_FIELDS and key != "tag_string"}
    else:
        data = {"title": dataset.get("title") or dataset.get("name"), "notes": dataset.get("notes") or ""}
        if created := str(dataset.get("metadata_created") or "")[:10]:
            data["publish_date"] = created
    tags = [tag["name"] for tag in dataset.get("tags") or [] if tag.get("name")]
    if tags:
        data["tag_string"] = ",".join(tags)
    data["resources"] = [
        {key: resource[key] for key in resource_fields if resource.get(key) not in (None, "")}
        for resource in dataset.get("resources") or []
    ]
    remote.apply_defaults(data, defaults)
    organization = dataset.get("organization") or {}
    return RemoteEntry(
        guid=stable_guid(dataset.get("id"), dataset.get("resource_code"), organization.get("title", ""),
                         data.get("title") or ""),
        data=data,
        origin_url=f"{site}/dataset/{dataset.get('name') or dataset.get('id')}",
        provider=str(organization.get("title") or organization.get("name") or ""),
        provider_code=str(organization.get("uscc") or ""),
    )
