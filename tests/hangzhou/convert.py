"""Convert the real Hangzhou open-data catalog (tests/data/) into Datong catalog entries and
import them through CKAN's actions, so every schema validator judges them.

The source has 6,590 records, one per (所属区县, 发布部门, 资源名称, 数据格式): most
resources are listed twice, once as an `api` and once as a `data` record. One entry is made
per (所属区县, 发布部门, 资源名称), carrying one resource per record. What the source lacks
takes a stated default (NOTES); its values are mapped by the tables below, and a value none
of them knows stops the conversion instead of being guessed.

Used by tests/hangzhou/test_import.py (a fixed subset) and bench/hangzhou.py (all of it).
"""
from __future__ import annotations

import collections
import dataclasses
import datetime
import importlib.resources
import json
import re
import unicodedata
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import ckan.plugins.toolkit as tk
import yaml

from ckanext.datong.uscc import make_code

SOURCE = Path(__file__).resolve().parent.parent / "data" / "cn_hangzhou_data.hangzhou.gov.cn_catalog.json"
VOCABULARY_OPTION = "ckanext.datong.catalog.vocabularies"

Record = Mapping[str, Any]
Key = tuple[str, str, str]  # (所属区县, 发布部门, 资源名称)

# 所属区县 → GB/T 2260 code (the 2021 division of Hangzhou: 上城, 拱墅, 西湖, 滨江, 萧山, 余杭,
# 临平, 钱塘, 富阳, 临安, 桐庐, 淳安, 建德). 西湖风景名胜区 has no code of its own: its
# administrative committee is an agency of the city government, so it is filed under 330100.
DISTRICTS: dict[str, str] = {
    "杭州市": "330100",
    "上城区": "330102",
    "拱墅区": "330105",
    "西湖区": "330106",
    "滨江区": "330108",
    "萧山区": "330109",
    "余杭区": "330110",
    "富阳区": "330111",
    "临安区": "330112",
    "临平区": "330113",
    "钱塘区": "330114",
    "桐庐县": "330122",
    "淳安县": "330127",
    "建德市": "330182",
    "西湖风景名胜区": "330100",
}
CITY = "杭州市"

# 开放等级 → 开放属性: never more open than the source. Loosest first: of an api/data pair
# with different levels the stricter one wins.
OPEN_LEVELS: dict[str, str] = {"完全开放": "无条件开放", "登录开放": "有条件开放", "申请开放": "有条件开放"}
OPEN_STRICTNESS = ("完全开放", "登录开放", "申请开放")
OPEN_CONDITIONS: dict[str, str] = {
    "登录开放": "源目录开放等级为“登录开放”：登录杭州市公共数据开放平台后获取。",
    "申请开放": "源目录开放等级为“申请开放”：在杭州市公共数据开放平台提交申请，经数据提供单位审核同意后获取。",
}

# 更新周期 → 更新周期 of the 1272 guide; a missing value (None) becomes 其他 as 不更新 does.
FREQUENCIES: dict[str | None, str] = {
    "每日": "每日", "每周": "每周", "每月": "每月", "每季度": "每季度", "每半年": "每半年", "每年": "每年",
    "小时级": "实时", "分钟级": "实时", "不更新": "其他", None: "其他",
}

# 数据格式 → the resource's format, 共享方式 and 数据模态.
FORMATS: dict[str, dict[str, str]] = {
    "api": {"format": "API", "share_method": "接口", "modality": "接口", "name": "数据接口"},
    "data": {"format": "DATA", "share_method": "文件", "modality": "表格", "name": "数据文件"},
}

# Defaults for what the source does not say.
SHARE_TYPE = "无条件共享"
INDUSTRY_DOMAIN = "政务"
RESOURCE_CLASS = "301001"  # 部门 class, 项 01, 目 001
GRADES = {"无条件开放": "一般-1", "有条件开放": "一般-2"}
CATALOG_FORMATS = {True: "电子表格", False: "服务接口"}  # has a `data` record or not
USCC_BODY_PREFIX = "HD"  # demo organization code bodies: HD000001 …

NOTES: tuple[str, ...] = (
    "每个（所属区县，发布部门，资源名称）导入为一条目录；同名的 api 和 data 两条源记录合为一条目录下的两个资源。",
    "开放属性：完全开放→无条件开放；登录开放、申请开放→有条件开放，开放条件写明源开放等级；两条源记录开放等级不同时取更严格者。",
    "更新周期：小时级、分钟级→实时；不更新和缺失→其他；每日、每周、每月、每季度、每半年、每年不变。",
    f"共享类型：源目录无此项，缺省为“{SHARE_TYPE}”。",
    f"数据分级：源目录无此项，无条件开放的缺省为“{GRADES['无条件开放']}”，有条件开放的缺省为“{GRADES['有条件开放']}”"
    "（DB33/T 2350—2021：L1 可直接开放，L2 经审批有条件开放）。",
    f"行业领域：源目录无此项，缺省为“{INDUSTRY_DOMAIN}”。",
    f"信息资源分类：源目录无此项，缺省为部门类“{RESOURCE_CLASS}”；信息资源代码和网址名称自动生成。",
    f"格式：有 data 记录的为“{CATALOG_FORMATS[True]}”，只有 api 记录的为“{CATALOG_FORMATS[False]}”；"
    "共享方式和数据模态按记录的数据格式（api→接口，data→文件、表格）。",
    "发布日期取两条记录中较早的发布时间；数据量取 data 记录的值（没有则取 api 记录的值），原样保留为文字。",
    "每条源记录的更新时间记为其资源的最后修改时间；不是真实日期的（源目录中有 0000-00-00）不填，资源描述写“更新时间不详”。",
    "空间范围和组织的行政区划代码按所属区县的 GB/T 2260 代码；西湖风景名胜区无区划代码，其管委会为市政府派出机构，记为杭州市 330100。",
    "每个（所属区县，发布部门）建一个组织；统一社会信用代码为演示代码（uscc_is_demo），部门编号在同一行政区划内按名称顺序编号。",
)


@dataclasses.dataclass(frozen=True)
class Department:
    """A publishing department of one district, as a Datong organization."""

    district: str
    source_name: str  # 发布部门 as the source writes it
    title: str
    region_code: str
    dept_code: str
    uscc: str
    org_kind: str
    contact_phone: str

    def organization(self) -> dict[str, Any]:
        """The organization_create data (the URL name is generated from the title's pinyin)."""
        data = {
            "title": self.title,
            "org_kind": self.org_kind,
            "region_code": self.region_code,
            "dept_code": self.dept_code,
            "uscc": self.uscc,
            "uscc_is_demo": "true",
            "description": f"杭州市公共数据开放平台发布部门“{self.source_name}”（所属区县：{self.district}）。"
                           "统一社会信用代码为演示代码。",
        }
        if self.contact_phone:
            data["contact_phone"] = self.contact_phone
        return data


@dataclasses.dataclass(frozen=True)
class Entry:
    """One catalog entry made of the source records sharing a key."""

    key: Key
    records: tuple[Record, ...]
    package: dict[str, Any]  # package_create data without owner_org

    @property
    def department(self) -> tuple[str, str]:
        return self.key[0], self.key[1]


@dataclasses.dataclass
class ImportReport:
    """What import_catalog did."""

    organizations: int = 0
    entries: int = 0
    resources: int = 0
    failures: list[tuple[Key, dict[str, Any]]] = dataclasses.field(default_factory=list)
    notes: tuple[str, ...] = NOTES


# --------------------------------------------------------------------------- reading


def read(path: Path = SOURCE) -> list[dict[str, Any]]:
    """The source records, in file order."""
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


def distinct_values(records: Iterable[Record], field: str) -> collections.Counter:
    """How often each value of `field` occurs (None for a missing or empty value)."""
    return collections.Counter(record.get(field) or None for record in records)


def check_values(records: list[Record]) -> None:
    """Raise ValueError naming every value the maps above do not cover."""
    unknown = []
    for field, known in (("所属区县", DISTRICTS), ("开放等级", OPEN_LEVELS),
                         ("更新周期", FREQUENCIES), ("数据格式", FORMATS)):
        for value in distinct_values(records, field):
            if value not in known:
                unknown.append(f"{field}“{value}”")
    if unknown:
        raise ValueError("源目录中有未映射的取值：" + "、".join(unknown))


def group(records: Iterable[Record]) -> dict[Key, list[Record]]:
    """Records by (所属区县, 发布部门, 资源名称), in order of first appearance."""
    groups: dict[Key, list[Record]] = {}
    for record in records:
        groups.setdefault(group_key(record), []).append(record)
    return groups


def subset(records: list[Record], per_district: int = 15) -> list[Record]:
    """A fixed, deterministic part of the catalog: the first `per_district` keys of every
    district; the first key of any 开放等级, 更新周期, 数据格式 combination or unreal 更新时间
    they miss; and the first key whose 资源名称 another chosen key has (names stay unique)."""
    groups = group(records)
    chosen: list[Key] = []
    taken: collections.Counter[str] = collections.Counter()
    for key in groups:
        if taken[key[0]] < per_district:
            taken[key[0]] += 1
            chosen.append(key)

    def features(key: Key) -> set[tuple[str, Any]]:
        found = {("formats", tuple(sorted(r["数据格式"] for r in groups[key])))}
        for record in groups[key]:
            found |= {("开放等级", record["开放等级"]), ("更新周期", record.get("更新周期") or None),
                      ("更新时间", bool(real_date(record.get("更新时间"))))}
        return found

    covered = set().union(*(features(key) for key in chosen))
    for key in groups:
        if key not in chosen and features(key) - covered:
            chosen.append(key)
            covered |= features(key)
    titles = {key[2] for key in chosen}
    chosen.append(next(key for key in groups if key not in chosen and key[2] in titles))
    keep = set(chosen)
    return [record for record in records if group_key(record) in keep]


def group_key(record: Record) -> Key:
    return record["所属区县"], record["发布部门"], record["资源名称"]


# --------------------------------------------------------------------------- converting


def organization_title(district: str, name: str) -> str:
    """The department's full name: 区民政局 of 滨江区 → 滨江区民政局, 市教育局 of 杭州市 →
    杭州市教育局, 市生态环境局余杭分局 → 杭州市生态环境局余杭分局; full names stay as they are."""
    if name.startswith((district, "杭州")) or district == "西湖风景名胜区":
        return name
    level_prefix = name[0] in "区县市" and not name.startswith("市场")
    if level_prefix and name[0] == "市" and district not in (CITY, "建德市"):
        return "杭州" + name  # a city bureau's branch in a district
    if level_prefix:
        return district + name[1:]
    if district[:-1] in name or district == CITY:
        return name
    return district + name


def _organization_kind(district: str, name: str) -> str:
    if district == CITY and name == "市数据资源管理局":
        return "数据主管部门"
    return "市直部门" if DISTRICTS[district] == DISTRICTS[CITY] else "县区"


def _uscc_kind(title: str) -> tuple[str, str]:
    """GB 32100 registration authority and kind: 企业 for companies, 事业单位 for centres."""
    if "公司" in title or "集团" in title:
        return "9", "1"
    if title.endswith(("中心", "馆")):
        return "1", "2"
    return "1", "1"


def normalize_phone(text: str | None) -> str:
    """The first telephone number of a source value, or "" when it is not one."""
    text = "".join(c for c in unicodedata.normalize("NFKC", text or "") if unicodedata.category(c) != "Cf")
    first = re.split(r"[/、,，;；]", text.replace("—", "-"))[0].strip()
    return first if re.fullmatch(r"[+\d][\d\- ()]{6,19}", first) else ""


def departments(records: list[Record]) -> dict[tuple[str, str], Department]:
    """One Department per (所属区县, 发布部门), numbered per region in title order."""
    phones: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for record in records:
        phones[record["所属区县"], record["发布部门"]][normalize_phone(record.get("联系电话"))] += 1
    pairs = sorted(phones, key=lambda pair: (DISTRICTS[pair[0]], organization_title(*pair)))
    numbers: collections.Counter[str] = collections.Counter()
    result = {}
    for sequence, (district, name) in enumerate(pairs, start=1):
        region, title = DISTRICTS[district], organization_title(district, name)
        numbers[region] += 1
        valid_phones = [(count, phone) for phone, count in phones[district, name].items() if phone]
        result[district, name] = Department(
            district=district, source_name=name, title=title, region_code=region,
            dept_code=f"{numbers[region]:03d}",
            uscc=make_code(*_uscc_kind(title), region, f"{USCC_BODY_PREFIX}{sequence:06d}"),
            org_kind=_organization_kind(district, name),
            contact_phone=max(valid_phones)[1] if valid_phones else "",
        )
    return result


def entries(records: list[Record]) -> list[Entry]:
    """The catalog entries of `records`, in order of first appearance."""
    check_values(records)
    return [Entry(key, tuple(group_records), package(key, group_records))
            for key, group_records in group(records).items()]


def package(key: Key, records: list[Record]) -> dict[str, Any]:
    """package_create data for the records of one key (owner_org is added on import)."""
    district, _, title = key
    records = sorted(records, key=lambda record: record["数据格式"])  # api before data
    level = max((record["开放等级"] for record in records), key=OPEN_STRICTNESS.index)
    open_type = OPEN_LEVELS[level]
    formats = [FORMATS[record["数据格式"]] for record in records]
    data_record = next((r for r in records if r["数据格式"] == "data"), None)
    volume = ((data_record or {}).get("数据量") or next((r["数据量"] for r in records if r.get("数据量")), ""))
    result: dict[str, Any] = {
        "title": title,
        "notes": records[0]["摘要"].strip(),
        "resource_class": RESOURCE_CLASS,
        "industry_domain": INDUSTRY_DOMAIN,
        "catalog_format": CATALOG_FORMATS[data_record is not None],
        "share_type": SHARE_TYPE,
        "share_method": [f["share_method"] for f in formats],
        "open_type": open_type,
        "update_frequency": FREQUENCIES[records[0].get("更新周期") or None],  # twins agree
        "publish_date": min(record["发布时间"] for record in records),
        "spatial_scope": DISTRICTS[district],
        "modality": [f["modality"] for f in formats],
        "data_grade": GRADES[open_type],
        "resources": [_resource(record) for record in records],
    }
    if open_type == "有条件开放":
        result["open_condition"] = OPEN_CONDITIONS[level]
    if volume:
        result["data_volume"] = str(volume)
    return result


def real_date(text: str | None) -> str:
    """`text` when it is a real YYYY-MM-DD date, else "" (the source has 0000-00-00)."""
    try:
        return datetime.date.fromisoformat(text or "").isoformat()
    except ValueError:
        return ""


def _resource(record: Record) -> dict[str, Any]:
    kind = FORMATS[record["数据格式"]]
    volume = f"数据量 {record['数据量']}；" if record.get("数据量") else ""
    updated = real_date(record.get("更新时间"))
    resource = {
        "name": kind["name"],
        "url": record["详情页网址"],
        "format": kind["format"],
        "description": f"杭州市公共数据开放平台详情页（源数据格式 {record['数据格式']}；{volume}"
                       f"更新时间 {updated or '不详'}）。",
    }
    if updated:
        resource["last_modified"] = updated
    return resource


def vocabularies_with_districts(target: Path) -> Path:
    """Write the catalog vocabularies extended with Hangzhou's regions to `target`."""
    text = (importlib.resources.files("ckanext.datong.schemas") / "vocabularies.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["version"] = f"{data['version']}+hangzhou"
    known = {str(term["value"]) for term in data["regions"]}
    for district, code in DISTRICTS.items():
        if code not in known:
            data["regions"].append({"value": code, "label": district})
            known.add(code)
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


# --------------------------------------------------------------------------- importing


def import_catalog(
    catalog: list[Entry],
    all_departments: Mapping[tuple[str, str], Department],
    context: Callable[[], dict[str, Any]],
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportReport:
    """Create the organizations the entries need, then every entry with its resources,
    through organization_create and package_create. An entry CKAN refuses is recorded
    in the report with its errors; the others are still imported. `progress` is called
    after each call with "organization" or "entry", the number done and the total."""
    report = ImportReport()
    owner_ids: dict[tuple[str, str], str] = {}
    needed = list(dict.fromkeys(entry.department for entry in catalog))
    for number, pair in enumerate(needed, start=1):
        created = tk.get_action("organization_create")(context(), all_departments[pair].organization())
        owner_ids[pair] = created["id"]
        report.organizations += 1
        if progress:
            progress("organization", number, len(needed))
    for number, entry in enumerate(catalog, start=1):
        try:
            created = tk.get_action("package_create")(
                context(), dict(entry.package, owner_org=owner_ids[entry.department]))
        except tk.ValidationError as error:
            report.failures.append((entry.key, error.error_dict))
        else:
            report.entries += 1
            report.resources += len(created["resources"])
        if progress:
            progress("entry", number, len(catalog))
    return report
