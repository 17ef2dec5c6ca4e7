"""datong_json: a JSON document or a paged JSON API, read through a field mapping.

Source config (besides the keys of base.validate_common):

- "records": dotted path of the array of records in each document ("" or absent: the
  document is the array).
- "fields": the field mapping (see mapping.py), "resources" included.
- "guid": path (or list of paths, joined with "|") of the record's remote id; "provider":
  path of the provider's name, "provider_code": path of its 统一社会信用代码 (both used by
  "routing", see routing.py); when a record has no id, its identity is its resource code,
  else the sha1 of provider and title.
- "origin_url": path of the record's page at the source.
- Paging, either "next": dotted path of the next page's URL in each document, or
  "paging": {"param": "page", "start": 1, "size_param": "pageSize", "size": 100}: pages are
  requested until one has no records (or fewer than "size"). "max_pages" (default 1000)
  bounds both; a "next" link seen before is a loop and fails the job.

Documents are parsed as a stream (ijson): one record at a time is in memory.
"""
from __future__ import annotations

import contextlib
import json
import os
import urllib.parse
from typing import Any, Callable, Iterator

import ijson

from ckanext.datong.harvesters import http, mapping
from ckanext.datong.harvesters.base import (
    DatongHarvester, RemoteEntry, SourceError, check_keys, field_labels, parse_config, stable_guid,
    validate_common,
)

OWN_KEYS = ("records", "fields", "guid", "provider", "provider_code", "origin_url", "next", "paging", "max_pages")
PAGING_KEYS = {"param", "start", "size_param", "size"}
MAX_PAGES = 1000


class DatongJsonHarvester(DatongHarvester):
    """Catalog entries from JSON records mapped by the source config."""

    def info(self) -> dict[str, str]:
        return {
            "name": "datong_json",
            "title": "JSON 目录（字段映射）",
            "description": "从 JSON 文件或分页 JSON 接口采集目录，按来源配置中的字段映射转换为市级目录字段。",
        }

    def validate_config(self, config: str) -> str:
        parsed = parse_config(config)
        validate_common(parsed)
        check_keys(parsed, OWN_KEYS)
        mapping.check(parsed.get("fields"))
        for key in ("records", "provider", "provider_code", "origin_url", "next"):
            if key in parsed and not isinstance(parsed[key], str):
                raise ValueError(f"{key} 应为路径（字符串）")
        guid = parsed.get("guid")
        if guid is not None and not (isinstance(guid, str) or (
                isinstance(guid, list) and guid and all(isinstance(part, str) for part in guid))):
            raise ValueError("guid 应为路径或路径列表")
        paging = parsed.get("paging")
        if paging is not None:
            if "next" in parsed:
                raise ValueError("next 与 paging 只能选用一种分页方式")
            if not isinstance(paging, dict) or not isinstance(paging.get("param"), str) or set(paging) - PAGING_KEYS:
                raise ValueError("paging 应为 {\"param\": 页码参数, \"start\": 起始页, \"size_param\": 每页条数参数, \"size\": 每页条数}")
            for key in ("start", "size"):
                if key in paging and (not isinstance(paging[key], int) or isinstance(paging[key], bool) or paging[key] < 0):
                    raise ValueError(f"paging.{key} 应为非负整数")
        max_pages = parsed.get("max_pages", MAX_PAGES)
        if not isinstance(max_pages, int) or isinstance(max_pages, bool) or max_pages < 1:
            raise ValueError("max_pages 应为正整数")
        return json.dumps(parsed, ensure_ascii=False)

    def entries(self, source_url: str, config: dict[str, Any], log: Callable[[str], None]) -> Iterator[RemoteEntry]:
        try:
            mapping.check(config.get("fields"))
        except ValueError as error:
            raise SourceError(f"来源配置有误：{error}") from error
        paging, next_path = config.get("paging"), config.get("next")
        max_pages = config.get("max_pages", MAX_PAGES)
        start = paging.get("start", 1) if paging else 0
        url = _page_url(source_url, paging, start) if paging else source_url
        visited = {url}
        for number in range(max_pages):
            path = http.fetch(url, **http.options(config))
            try:
                count = 0
                for record in _records(path, config.get("records") or "", url):
                    count += 1
                    yield _entry(record, config)
                following = _next_link(path, next_path, url) if next_path else None
            finally:
                os.unlink(path)
            log(f"第{number + 1}页：{count}条记录")
            if paging:
                if count == 0 or count < (paging.get("size") or 1):
                    return
                url = _page_url(source_url, paging, start + number + 1)
            elif following:
                if following in visited:
                    raise SourceError(f"分页链接出现循环：“{following}”已读取过")
                url = following
                visited.add(url)
            else:
                return
        raise SourceError(f"来源分页超过 {max_pages} 页的上限（max_pages）")


def _page_url(source_url: str, paging: dict[str, Any], number: int) -> str:
    parts = urllib.parse.urlsplit(source_url)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    query[paging["param"]] = str(number)
    if paging.get("size_param") and paging.get("size"):
        query[paging["size_param"]] = str(paging["size"])
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def _parsed(path: str, prefix: str, url: str) -> Iterator[Any]:
    """The values at ijson `prefix` in the file, read as a stream; SourceError when the
    file is not well-formed UTF-8 JSON."""
    try:
        with open(path, "rb") as stream:
            yield from ijson.items(stream, prefix, use_float=True)
    except UnicodeDecodeError as error:
        raise SourceError(f"来源“{url}”的 JSON 不是 UTF-8 编码，无法解码") from error
    except ijson.JSONError as error:
        raise SourceError(f"来源“{url}”的 JSON 格式错误或文件不完整：{error}") from error


def _records(path: str, records: str, url: str) -> Iterator[dict[str, Any]]:
    prefix = f"{records}.item" if records else "item"
    for number, record in enumerate(_parsed(path, prefix, url), start=1):
        if not isinstance(record, dict):
            raise SourceError(f"来源“{url}”的第{number}条记录不是 JSON 对象")
        yield record


def _next_link(path: str, next_path: str, url: str) -> str | None:
    with contextlib.closing(_parsed(path, next_path, url)) as values:
        link = next(values, None)
    return urllib.parse.urljoin(url, link) if isinstance(link, str) and link.strip() else None


def _entry(record: dict[str, Any], config: dict[str, Any]) -> RemoteEntry:
    notes = mapping.Notes(labels=field_labels())
    data = mapping.apply(record, config["fields"], notes=notes)
    guid_paths = config.get("guid") or []
    parts = [mapping.lookup(record, path) for path in ([guid_paths] if isinstance(guid_paths, str) else guid_paths)]
    remote_id = "|".join(str(part).strip() for part in parts) if parts and all(
        part not in (None, "") for part in parts) else None
    provider = mapping.lookup(record, config["provider"]) if config.get("provider") else ""
    code = mapping.lookup(record, config["provider_code"]) if config.get("provider_code") else ""
    origin = mapping.lookup(record, config["origin_url"]) if config.get("origin_url") else None
    guid = stable_guid(remote_id, data.get("resource_code"), str(provider or ""), str(data.get("title") or ""))
    return RemoteEntry(guid=guid, data=data, origin_url=str(origin) if origin else None,
                       provider=str(provider or "").strip(), provider_code=str(code or "").strip(), notes=notes)
