"""datong_dcat: a DCAT-AP catalog in Turtle, RDF/XML or JSON-LD, paged (hydra) or not.

Each page is downloaded (bounded by http.fetch's max_bytes), parsed with ckanext-dcat's
RDFParser and its datasets are mapped to the municipal schema; then hydra:next (or the
deprecated hydra:nextPage) leads to the next page. A page address met twice (a loop) or more
pages than "max_pages" fail the job, so a broken pager never withdraws what it did not reach.

Config (JSON object):
- "defaults" (required): the catalog fields DCAT does not carry — 信息资源分类
  (resource_class), 行业领域, 格式 (catalog_format), 共享类型, 开放属性, 空间范围, 数据分级,
  and any other field (e.g. 更新周期 for datasets without dct:accrualPeriodicity);
  they are stated here and written into every entry of the source;
- "format": "turtle", "xml" or "json-ld" (default: recognised from each page's first bytes);
- "max_pages": most pages read (default 100, at most 10000);
- "follow_pages": false reads the given document alone, ignoring its hydra links (an export
  saved from the first page of a paged catalog);
plus the keys every Datong harvester accepts (base.py), "truncate" and "routing" (by the
dataset's dct:publisher name) among them.
"""
from __future__ import annotations

import datetime
import json
import re
import urllib.parse
from typing import Any, Callable, Iterator

from ckanext.dcat.processors import RDFParser

from ckanext.datong.harvesters import remote
from ckanext.datong.harvesters.base import (
    DatongHarvester, RemoteEntry, SourceError, check_keys, parse_config, stable_guid,
    validate_common,
)

OWN_KEYS = ("defaults", "format", "max_pages", "follow_pages")
REQUIRED_DEFAULTS = ("resource_class", "industry_domain", "catalog_format", "share_type", "open_type",
                     "spatial_scope", "data_grade")
FORMATS = ("turtle", "xml", "json-ld")
PROFILES = ["euro_dcat_ap_3"]

# EU frequency vocabulary (http://publications.europa.eu/resource/authority/frequency/…) → 更新周期
FREQUENCIES = {
    "CONT": "实时", "UPDATE_CONT": "实时", "1MIN": "实时", "5MIN": "实时", "10MIN": "实时", "15MIN": "实时",
    "30MIN": "实时", "HOURLY": "实时", "BIHOURLY": "实时", "TRIHOURLY": "实时", "12HRS": "实时",
    "DAILY": "每日", "DAILY_2": "每日", "DAILY_3": "每日", "WEEKLY": "每周", "WEEKLY_2": "每周",
    "WEEKLY_3": "每周", "BIWEEKLY": "每月", "MONTHLY": "每月", "MONTHLY_2": "每月", "MONTHLY_3": "每月",
    "BIMONTHLY": "每季度", "QUARTERLY": "每季度", "ANNUAL_2": "每半年", "ANNUAL": "每年",
    "ANNUAL_3": "每年", "BIENNIAL": "其他", "TRIENNIAL": "其他", "IRREG": "其他", "NEVER": "其他",
    "OTHER": "其他", "UNKNOWN": "其他", "AS_NEEDED": "其他", "NOT_PLANNED": "其他",
}
TAG = re.compile(r"[\w \-.]{2,100}")  # what CKAN's tag validators accept


class DatongDcatHarvester(DatongHarvester):
    """Harvests a DCAT-AP catalog page by page."""

    def info(self) -> dict[str, str]:
        return {
            "name": "datong_dcat",
            "title": "DCAT 目录（DCAT-AP：Turtle、RDF/XML、JSON-LD）",
            "description": "读取 DCAT-AP 目录（支持 hydra 分页），按本市目录模式对应字段；"
                           "DCAT 中没有的分类、分级、共享和开放属性等取来源配置中的缺省值。",
        }

    def validate_config(self, config: str) -> str:
        parsed = parse_config(config)
        validate_common(parsed)
        check_keys(parsed, OWN_KEYS)
        remote.catalog_defaults(parsed, REQUIRED_DEFAULTS)
        if parsed.get("format", "turtle") not in FORMATS:
            raise ValueError(f"format 应为 {'、'.join(FORMATS)} 之一")
        remote.positive_int(parsed, "max_pages", 100, 10000)
        if not isinstance(parsed.get("follow_pages", False), bool):
            raise ValueError("follow_pages 应为 true 或 false")
        return config

    def entries(self, source_url: str, config: dict[str, Any], log: Callable[[str], None]) -> Iterator[RemoteEntry]:
        try:
            defaults = remote.catalog_defaults(config, REQUIRED_DEFAULTS)
            max_pages = remote.positive_int(config, "max_pages", 100, 10000)
        except ValueError as error:
            raise SourceError(str(error)) from error
        log("DCAT 中没有的目录字段取缺省值：" + json.dumps(defaults, ensure_ascii=False))
        follow = config.get("follow_pages", True) is not False
        for page_url, parser in pages(source_url, config, max_pages, follow):
            count = 0
            for dataset in parser.datasets():
                count += 1
                yield entry(dataset, defaults)
            log(f"页面 {page_url}：{count} 个数据集")


def pages(source_url: str, config: dict[str, Any], max_pages: int,
          follow: bool = True) -> Iterator[tuple[str, RDFParser]]:
    """(page URL, parser holding that page) for each page of the catalog, in order. Memory
    holds the current page's graph (and the previous one while the next is parsed).
    SourceError (Chinese) on a loop or too many pages."""
    seen: set[str] = set()
    url: str | None = urllib.parse.urldefrag(source_url.strip())[0]
    while url:
        if url in seen:
            raise SourceError(f"DCAT 目录的分页出现循环：第 {len(seen)} 页之后又指向已读过的页面“{url}”，"
                              "已停止读取，未做任何更改")
        if len(seen) >= max_pages:
            raise SourceError(f"DCAT 目录超过 {max_pages} 页的上限（max_pages），已停止读取，未做任何更改")
        seen.add(url)
        parser = parse_page(url, config)
        yield url, parser
        following = parser.next_page() if follow else None
        url = urllib.parse.urldefrag(urllib.parse.urljoin(url, following))[0] if following else None


def parse_page(url: str, config: dict[str, Any]) -> RDFParser:
    """One page downloaded and parsed; SourceError (Chinese) when it is not readable RDF."""
    with remote.downloaded(url, config) as path:
        with open(path, "rb") as stream:
            data = stream.read()
    rdf_format = config.get("format") or sniff_format(data)
    parser = RDFParser(profiles=PROFILES)
    try:
        parser.parse(data, _format=rdf_format)
    except Exception as error:  # rdflib's parsers raise many kinds (truncated Turtle: IndexError)
        raise SourceError(f"DCAT 页面“{url}”无法按 {rdf_format} 格式解析（文件损坏或不完整）：{error!r}") from error
    return parser


def sniff_format(data: bytes) -> str:
    """turtle, xml or json-ld, recognised from the first characters of a document."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return "xml"
    if head in (b"{", b"["):
        return "json-ld"
    return "turtle"


def entry(dataset: dict[str, Any], defaults: dict[str, Any]) -> RemoteEntry:
    """The RemoteEntry of one dataset dict produced by ckanext-dcat's parser."""
    extras = {extra["key"]: extra["value"] for extra in dataset.get("extras") or []}

    def value(key: str) -> Any:
        return dataset.get(key) or extras.get(key)

    title = str(dataset.get("title") or "")
    data: dict[str, Any] = {"title": title, "notes": str(dataset.get("notes") or "")}
    if issued := value("issued"):
        data["publish_date"] = date_part(str(issued))
    if frequency := value("frequency"):
        data["update_frequency"] = FREQUENCIES.get(str(frequency).rstrip("/").rsplit("/", 1)[-1].upper(), "其他")
    tags = [tag["name"].strip() for tag in dataset.get("tags") or [] if TAG.fullmatch(tag.get("name", "").strip())]
    if tags:
        data["tag_string"] = ",".join(dict.fromkeys(tags))
    data["resources"] = [resource(distribution) for distribution in dataset.get("resources") or []]
    remote.apply_defaults(data, defaults)
    uri = value("uri")
    return RemoteEntry(
        guid=stable_guid(value("identifier") or uri, None, str(value("publisher_name") or ""), title),
        data=data,
        origin_url=dataset.get("url") or uri or None,
        provider=str(value("publisher_name") or ""),
    )


def resource(distribution: dict[str, Any]) -> dict[str, Any]:
    """A catalog resource of a dcat:Distribution."""
    file_format = str(distribution.get("format") or distribution.get("mimetype") or "")
    if "/" in file_format and file_format.startswith("http"):
        file_format = file_format.rstrip("/").rsplit("/", 1)[-1]  # EU file-type URI → its code
    result = {
        "name": distribution.get("name") or file_format or "数据资源",
        "url": distribution.get("download_url") or distribution.get("access_url") or distribution.get("url") or "",
        "format": file_format,
        "description": distribution.get("description") or "",
    }
    return {key: item for key, item in result.items() if item}


def date_part(text: str) -> str:
    """YYYY-MM-DD of an xsd:date or xsd:dateTime; any other text is passed on unchanged, so the
    发布日期 validator refuses it with a Chinese reason."""
    try:
        return datetime.date.fromisoformat(text.strip()[:10]).isoformat()
    except ValueError:
        return text.strip()

