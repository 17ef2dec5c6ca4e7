"""The source configuration reference shown in Chinese at /harvest/help (docs/harvesting.md
has the same in English): every key of every harvester with its type, default and meaning,
and a complete example config per harvester. tests/harvest/test_reference.py checks that
it names exactly the keys the harvesters accept."""
from __future__ import annotations

import dataclasses
from typing import Any

from ckanext.scheming.helpers import scheming_get_dataset_schema

from ckanext.datong import vocabulary
from ckanext.datong.harvesters.base import field_labels


@dataclasses.dataclass(frozen=True)
class Key:
    name: str
    type: str
    default: str
    meaning: str


COMMON = (
    Key("on_removed", "文字", "`withdraw`", "来源中消失的条目：`withdraw` 下架（转为私有，回来时恢复）、`delete` 删除、`keep` 保留"),
    Key("allow_manual_edits", "`true/false`", "`false`", "是否允许在平台上手工修改采集的条目（下次采集会覆盖）"),
    Key("timeout", "数字（秒）", "30", "下载等待响应的秒数，0.1 到 60"),
    Key("retries", "整数", "2", "连接失败、超时或服务器错误时的重试次数，0 到 5"),
    Key("backoff", "数字（秒）", "1", "第 n 次重试前等待 `backoff·2ⁿ⁻¹` 秒，0 到 10"),
    Key("max_bytes", "整数（字节）", "1073741824", "单个文件的大小上限"),
    Key("truncate", "`true/false` 或字段名列表", "`false`",
        "超长的文字截断到字段上限（末字为…），而不是让条目校验失败；条目页注明“来源原文较长，已截断”"),
    Key("routing", "JSON 对象", "不按提供部门分派",
        "按提供部门把条目放入对应组织：`{\"organizations\": {提供部门: 组织网址名称}, \"unmatched\": \"hold\" 或 \"source\"}`；"
        "按 `organizations` 表、组织名称、简称、网址名称、统一社会信用代码依次匹配；匹配不到的默认 `hold`（暂不导入并报告）；"
        "只有数据主管部门的来源可以写入其他部门"),
)

MAPPED = (
    Key("fields", "JSON 对象", "（必填）",
        "字段映射：目录字段 → 路径，或 `{path, value, map, else, default, split, list}`；`map` 之外的值默认报错，"
        "`else` 指定替代值、`null`（无值，取 `default`）或 `{\"keep\": true}`（保留原值）"),
    Key("guid", "路径或路径列表", "无", "记录的稳定标识；没有时用信息资源代码，再没有用提供部门和名称的散列"),
    Key("provider", "路径", "无", "提供部门名称（用于 `routing` 和标识）"),
    Key("provider_code", "路径", "无", "提供部门的统一社会信用代码（用于 `routing`）"),
    Key("origin_url", "路径", "无", "条目在来源的页面"),
)

HARVESTERS: dict[str, dict[str, Any]] = {
    "datong_json": {
        "keys": (
            Key("records", "路径", "文档本身", "记录数组在文档中的路径，如 `data.list`"),
            *MAPPED,
            Key("next", "路径", "无", "下一页网址在文档中的路径（与 `paging` 二选一）"),
            Key("paging", "JSON 对象", "无", "页码分页：`{\"param\": \"page\", \"start\": 1, \"size_param\": \"pageSize\", \"size\": 100}`"),
            Key("max_pages", "整数", "1000", "最多读取的页数"),
        ),
        "example": {
            "records": "data.list",
            "paging": {"param": "pageNo", "start": 1, "size_param": "pageSize", "size": 100},
            "guid": "详情页网址", "provider": "发布部门", "origin_url": "详情页网址",
            "fields": {
                "title": "资源名称",
                "notes": {"path": "摘要", "default": "（源目录未提供摘要）"},
                "resource_class": {"value": "301001"},
                "industry_domain": {"value": "政务"},
                "catalog_format": {"path": "数据格式", "map": {"api": "服务接口", "data": "电子表格"}},
                "share_type": {"value": "无条件共享"},
                "open_type": {"path": "开放等级", "map": {"完全开放": "无条件开放", "登录开放": "有条件开放",
                                                          "申请开放": "有条件开放"}},
                "open_condition": {"path": "开放等级", "map": {"完全开放": None}, "else": "登录或申请后获取"},
                "update_frequency": {"path": "更新周期", "map": {"小时级": "实时", "分钟级": "实时", "不更新": "其他"},
                                     "else": {"keep": True}, "default": "其他"},
                "publish_date": "发布时间",
                "spatial_scope": {"value": "140200"},
                "data_grade": {"path": "开放等级", "map": {"完全开放": "一般-1"}, "else": "一般-2"},
                "resources": [{"url": "详情页网址", "name": {"value": "数据接口"}, "format": {"value": "API"}}],
            },
            "truncate": True,
            "routing": {"organizations": {"市公安局": "datongshi-gonganju"}, "unmatched": "hold"},
            "timeout": 30, "retries": 2, "backoff": 1,
        },
    },
    "datong_table": {
        "keys": (
            *MAPPED[:1],
            Key("sheet", "文字", "第一张工作表", "按列映射读取 `.xlsx` 时的工作表名"),
            *MAPPED[1:],
            Key("encoding", "文字", "自动识别", "CSV 的编码（`utf-8`、`gbk`、`gb18030`）"),
            Key("delimiter", "单个字符", ",", "CSV 的分隔符"),
        ),
        "example": {
            "encoding": "gbk", "guid": "目录编号", "provider": "提供单位", "provider_code": "提供单位代码",
            "fields": {
                "title": "目录名称", "notes": "摘要", "resource_class": "分类",
                "industry_domain": {"value": "交通"}, "catalog_format": {"value": "电子表格"},
                "share_type": "共享类型", "open_type": "开放类型",
                "update_frequency": {"path": "更新频率", "map": {"每天": "每日", "每月": "每月", "每年": "每年"},
                                     "else": "其他"},
                "spatial_scope": {"value": "140200"}, "data_grade": "分级",
                "resources": [{"url": "下载地址", "format": {"path": "格式", "map": {"docx": "DOCX", "xlsx": "XLSX"},
                                                            "else": {"keep": True}}}],
            },
            "routing": {"unmatched": "source"},
        },
    },
    "datong_ckan": {
        "keys": (
            Key("organizations", "文字列表", "全部", "只采集远程站点这些组织（网址名称）的数据集"),
            Key("groups", "文字列表", "全部", "只采集远程站点这些分组的数据集"),
            Key("rows", "整数", "100", "每页读取的数据集数，1 到 1000"),
            Key("defaults", "JSON 对象", "{}", "远程数据集没有的目录字段的缺省值"),
            Key("api_token", "文字", "无", "远程站点的 API 令牌"),
        ),
        "example": {
            "organizations": ["datongshi-jiaotongju"], "rows": 100,
            "defaults": {"resource_class": "301001", "industry_domain": "交通", "catalog_format": "电子表格",
                         "share_type": "无条件共享", "open_type": "无条件开放", "spatial_scope": "140200",
                         "data_grade": "一般-1", "update_frequency": "其他"},
            "routing": {"unmatched": "hold"},
        },
    },
    "datong_dcat": {
        "keys": (
            Key("defaults", "JSON 对象", "（必填）",
                "`DCAT` 中没有的目录字段：`resource_class`、`industry_domain`、`catalog_format`、`share_type`、`open_type`、"
                "`spatial_scope`、`data_grade` 必须给出"),
            Key("format", "文字", "自动识别", "`turtle`、`xml` 或 `json-ld`"),
            Key("max_pages", "整数", "100", "最多读取的页数，1 到 10000"),
            Key("follow_pages", "`true/false`", "`true`", "是否沿 `hydra` 分页链接继续读取"),
        ),
        "example": {
            "defaults": {"resource_class": "301001", "industry_domain": "政务", "catalog_format": "电子表格",
                         "share_type": "无条件共享", "open_type": "无条件开放", "spatial_scope": "140200",
                         "data_grade": "一般-1", "update_frequency": "其他"},
            "format": "turtle", "truncate": True,
            "routing": {"organizations": {"Datong Transport Bureau": "datongshi-jiaotongju"}, "unmatched": "hold"},
        },
    },
}


def required_fields() -> list[dict[str, Any]]:
    """The catalog fields an entry must carry (the scheming schema's required ones), with
    their Chinese label, length limit and the vocabulary values they take."""
    found = []
    for field in scheming_get_dataset_schema("dataset")["dataset_fields"]:
        if not field.get("required") or field["field_name"] == "owner_org":
            continue
        values = vocabulary.values(field["vocabulary"]) if field.get("vocabulary") else ()
        found.append({"name": field["field_name"], "label": field_labels()[field["field_name"]], "max_length": field.get("max_length"),
                      "values": list(values)})
    return found


def cross_field_rules() -> list[str]:
    """The whole-entry rules of logic/rules.py, in Chinese, with the values the current
    vocabularies give them."""
    rules = []
    for term in vocabulary.terms("grades"):
        if term.get("catalogued") is False:
            rules.append(f"数据分级为{term.value}的数据不得编入目录")
        limits = [f"共享类型最宽为{term.get('share_at_most')}"] if term.get("share_at_most") else []
        if term.get("open_at_most"):
            limits.append(f"开放属性最宽为{term.get('open_at_most')}")
        if limits:
            rules.append(f"数据分级为{term.value}时，" + "，".join(limits))
    for name, label, condition_label in (("share_types", "共享类型", "共享条件"), ("open_types", "开放属性", "开放条件")):
        for term in vocabulary.terms(name):
            if term.get("condition") is not None:
                what = f"（{term.get('condition')}）" if term.get("condition") else ""
                rules.append(f"{label}为{term.value}时，「{condition_label}」必须填写{what}")
            if term.get("open_at_most"):
                rules.append(f"{label}为{term.value}时，开放属性最宽为{term.get('open_at_most')}")
    rules += [
        "数据分级留空时取信息项的最高分级；填写时不得低于信息项的最高分级（就高从严）",
        "信息项的共享属性、开放属性不得宽于所属信息资源",
        "属地字段必须是本信息资源的信息项名称之一",
        "信息资源代码留空时按分类和提供部门自动生成；填写时须符合代码格式、前段码与分类一致，且不得与其他条目重复",
        "发布日期须为不晚于今天的真实日期",
    ]
    return rules
