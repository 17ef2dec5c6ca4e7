"""Synthetic Datong catalog for the search benchmark: vocabulary, dataset generation, and a
bulk path that writes datasets straight into CKAN's tables (package, resource, tag,
package_tag) with psycopg2, one transaction per batch."""
from __future__ import annotations

import dataclasses
import datetime
import random
import uuid
from contextlib import closing
from itertools import accumulate
from typing import Any, Callable, Iterator, Sequence

import psycopg2
import psycopg2.extras

# Places of Datong with how often a dataset is about each (the city as a whole dominates).
PLACES: list[tuple[str, int]] = [
    ("大同市", 40), ("平城区", 9), ("云冈区", 8), ("新荣区", 5), ("云州区", 5), ("阳高县", 5),
    ("天镇县", 4), ("广灵县", 4), ("灵丘县", 4), ("浑源县", 4), ("左云县", 4),
    ("大同经济技术开发区", 4),
]

# Domains: (domain tag, publishing department, organization slug, subjects).
DOMAINS: list[tuple[str, str, str, list[str]]] = [
    ("交通出行", "大同市交通运输局", "dt-jtysj", ["公交线路", "公交站点", "公交车辆实时位置", "出租车企业",
     "道路运输经营许可", "客运站班次", "停车场", "公共停车泊位", "充电桩分布", "驾驶员培训机构",
     "公路里程", "交通流量监测", "共享单车停放点"]),
    ("医疗保障", "大同市医疗保障局", "dt-ybj", ["医保定点医疗机构", "医保定点药店", "医保药品目录",
     "医保基金收支", "门诊慢特病定点医院", "异地就医备案", "医疗服务价格"]),
    ("生态环境", "大同市生态环境局", "dt-sthjj", ["空气质量监测", "空气质量日报", "水质监测",
     "地表水水质", "重点排污单位", "噪声监测", "环境影响评价审批", "危险废物经营许可", "辐射安全许可"]),
    ("教育", "大同市教育局", "dt-jyj", ["学校名录", "中小学校名录", "幼儿园名录", "民办学校",
     "招生计划", "教育经费统计", "校外培训机构", "教师资格认定"]),
    ("文化旅游", "大同市文化和旅游局", "dt-whlyj", ["旅游景区", "A级旅游景区", "云冈石窟游客量",
     "星级饭店", "旅行社名录", "文物保护单位", "公共图书馆", "博物馆", "非物质文化遗产",
     "旅游接待统计"]),
    ("卫生健康", "大同市卫生健康委员会", "dt-wjw", ["医疗机构名录", "医院床位", "基层医疗卫生机构",
     "疫苗接种门诊", "出生登记统计", "献血点", "执业医师"]),
    ("公共安全", "大同市公安局", "dt-gaj", ["户籍人口统计", "机动车保有量", "交通事故统计",
     "出入境业务网点", "派出所", "身份证办理点"]),
    ("民政", "大同市民政局", "dt-mzj", ["养老机构", "社区养老服务中心", "婚姻登记机关", "社会组织",
     "最低生活保障", "殡葬服务机构", "地名信息"]),
    ("就业社保", "大同市人力资源和社会保障局", "dt-rsj", ["招聘信息", "职业技能培训机构",
     "社保经办网点", "就业见习基地", "劳务派遣单位", "最低工资标准"]),
    ("自然资源", "大同市自然资源和规划局", "dt-zrzyj", ["土地供应", "国有建设用地出让",
     "不动产登记网点", "地质灾害隐患点", "矿产资源", "测绘资质单位"]),
    ("住房建设", "大同市住房和城乡建设局", "dt-zjj", ["商品房预售许可", "建筑企业资质", "保障性住房",
     "老旧小区改造", "物业服务企业", "房地产开发企业", "施工许可"]),
    ("城市管理", "大同市城市管理局", "dt-cgj", ["公共厕所", "垃圾分类收集点", "城市道路", "路灯设施",
     "户外广告设置", "供热管网", "公园绿地"]),
    ("水利", "大同市水务局", "dt-swj", ["地下水水位", "水库", "河流水系", "供水企业", "取水许可",
     "水土保持"]),
    ("农业农村", "大同市农业农村局", "dt-nyncj", ["农产品价格", "农民专业合作社", "家庭农场",
     "黄花种植面积", "高标准农田", "畜禽养殖场", "农机购置补贴"]),
    ("商贸流通", "大同市商务局", "dt-swuj", ["外贸进出口", "重点商贸企业", "成品油零售",
     "农贸市场", "便民商业网点", "二手车交易市场"]),
    ("市场监管", "大同市市场监督管理局", "dt-scjgj", ["企业登记", "个体工商户登记", "药品零售企业",
     "食品经营许可", "特种设备", "计量器具检定", "行政处罚", "商标注册"]),
    ("统计", "大同市统计局", "dt-tjj", ["统计年鉴", "国民经济和社会发展统计公报", "人口普查",
     "居民消费价格指数", "规模以上工业增加值", "固定资产投资", "居民收入"]),
    ("财政", "大同市财政局", "dt-czj", ["预算公开", "决算公开", "政府采购", "政府债务", "三公经费",
     "财政收支"]),
    ("税务", "国家税务总局大同市税务局", "dt-swuju", ["纳税信用A级纳税人", "办税服务厅",
     "重大税收违法案件", "发票领用"]),
    ("应急管理", "大同市应急管理局", "dt-yjglj", ["应急避难场所", "危险化学品企业", "安全生产许可",
     "煤矿安全", "应急物资储备", "消防救援站"]),
    ("体育", "大同市体育局", "dt-tyj", ["体育场馆", "全民健身路径", "社会体育指导员", "体育赛事"]),
    ("政务服务", "大同市行政审批服务管理局", "dt-xzsp", ["政务服务事项", "政务服务网点", "行政许可",
     "投资项目审批", "证照办理"]),
    ("数据资源", "大同市数据局", "dt-sjj", ["公共数据目录", "数据开放清单", "政务信息系统", "电子证照"]),
    ("气象", "大同市气象局", "dt-qxj", ["气象观测站", "降水量", "气温", "天气预报", "气象灾害预警"]),
    ("林业草原", "大同市林业和草原局", "dt-lcj", ["森林资源", "古树名木", "自然保护区", "造林绿化",
     "森林防火"]),
    ("能源", "大同市能源局", "dt-nyj", ["煤矿名录", "煤炭产量", "新能源发电", "光伏电站", "风电场",
     "加油站", "天然气供应"]),
    ("工业信息化", "大同市工业和信息化局", "dt-gxj", ["规模以上工业企业", "专精特新企业", "工业园区",
     "5G基站", "中小企业"]),
    ("发展改革", "大同市发展和改革委员会", "dt-fgw", ["重点建设项目", "政府定价目录", "粮食储备",
     "价格监测", "信用信息"]),
    ("司法", "大同市司法局", "dt-sfj", ["律师事务所", "公证机构", "法律援助中心", "人民调解委员会",
     "司法鉴定机构"]),
    ("退役军人", "大同市退役军人事务局", "dt-tyjrj", ["退役军人服务站", "优抚对象", "烈士纪念设施"]),
]
# District and county governments publish too (about one dataset in four).
COUNTY_ORGS: list[tuple[str, str, str]] = [
    ("平城区", "大同市平城区人民政府", "dt-pcq"), ("云冈区", "大同市云冈区人民政府", "dt-ygq"),
    ("新荣区", "大同市新荣区人民政府", "dt-xrq"), ("云州区", "大同市云州区人民政府", "dt-yzq"),
    ("阳高县", "阳高县人民政府", "dt-ygx"), ("天镇县", "天镇县人民政府", "dt-tzx"),
    ("广灵县", "广灵县人民政府", "dt-glx"), ("灵丘县", "灵丘县人民政府", "dt-lqx"),
    ("浑源县", "浑源县人民政府", "dt-hyx"), ("左云县", "左云县人民政府", "dt-zyx"),
    ("大同经济技术开发区", "大同经济技术开发区管理委员会", "dt-jkq"),
]
TITLE_SUFFIXES = ["", "", "信息", "数据", "名录", "统计", "清单", "明细", "月度数据", "年度数据",
                  "分布", "目录", "基本信息", "公示"]
FIELDS = ["名称", "地址", "联系电话", "经度", "纬度", "统计日期", "所属区县", "负责人", "许可证编号",
          "有效期", "统一社会信用代码", "类别", "数量", "面积", "金额", "开放时间", "服务内容",
          "邮政编码", "监测时间", "监测值", "等级", "状态", "备注"]
FREQUENCIES = ["实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期"]
USES = ["便民查询和出行规划", "学术研究和统计分析", "企业选址和市场分析", "政府决策参考",
        "社会监督和信息公开", "移动应用开发", "城市运行监测", "公众服务地图展示"]
SYSTEMS = ["部门业务系统", "政务数据共享交换平台", "网上办事大厅", "行业监管平台", "统计直报系统",
           "物联网感知设备"]
GENERIC_TAGS = ["民生", "开放数据", "实时数据", "年度数据", "月度数据", "地理信息", "许可", "名录",
                "统计", "监测", "价格", "公共服务", "便民服务", "企业服务", "社会保障", "经济运行",
                "城市建设", "营商环境", "政务公开", "信用", "公共设施", "乡村振兴", "生态文明",
                "安全生产", "疫情防控", "文化遗产", "旅游", "智慧城市", "数字政府", "历史数据",
                "空间数据", "行政许可", "行政处罚", "财政资金", "人口", "就业", "养老", "医疗",
                "教育资源", "交通", "环境质量", "能源", "煤炭", "农业", "工业", "商贸", "住房",
                "水资源", "气象数据", "应急", "体育健身", "法律服务", "社会组织", "古城保护",
                "云冈石窟", "黄花", "长城", "平城", "桑干河", "御河"]
FORMATS: list[tuple[str, int]] = [("CSV", 35), ("XLSX", 25), ("JSON", 15), ("API", 12),
                                  ("PDF", 8), ("SHP", 5)]
LICENSE_WEIGHTS = {"cc-by": 30, "notspecified": 15, "other-open": 10, "cc-by-sa": 10,
                   "cc-zero": 8, "odc-by": 6, "odc-pddl": 4, "odc-odbl": 4, "other-pd": 3,
                   "other-at": 3}  # any other licence id: weight 1
PRIVATE_SHARE = 0.05
# The required catalog fields of the datasets made through package_create: fixed, so the
# seeded stream (and with it the bulk-loaded catalog) stays the same from run to run.
CREATE_FIELDS = {"resource_class": "201003", "industry_domain": "政务", "catalog_format": "电子表格",
                 "share_type": "无条件共享", "open_type": "无条件开放", "update_frequency": "每月",
                 "spatial_scope": "140200", "data_grade": "一般-1"}


@dataclasses.dataclass
class Organization:
    name: str
    title: str


@dataclasses.dataclass
class Dataset:
    """One synthetic dataset in the shape package_create accepts."""
    name: str
    title: str
    notes: str
    owner_org: str      # organization name (slug)
    license_id: str
    private: bool
    tags: list[str]
    resources: list[dict[str, str]]
    created: datetime.datetime

    def as_create_dict(self) -> dict[str, Any]:
        """With CREATE_FIELDS, the catalog fields the schema requires."""
        return {"name": self.name, "title": self.title, "notes": self.notes,
                "owner_org": self.owner_org, "license_id": self.license_id,
                "private": self.private, "tags": [{"name": t} for t in self.tags],
                "resources": [dict(r) for r in self.resources], **CREATE_FIELDS}


def organizations() -> list[Organization]:
    """The ~40 publishers: municipal departments, then districts and counties."""
    return ([Organization(slug, title) for _, title, slug, _ in DOMAINS]
            + [Organization(slug, title) for _, title, slug in COUNTY_ORGS])


def tag_vocabulary() -> list[str]:
    """~300 Chinese tags: domains, subjects, places and generic keywords, without repeats."""
    words = ([d[0] for d in DOMAINS] + [s for d in DOMAINS for s in d[3]]
             + [p for p, _ in PLACES] + GENERIC_TAGS)
    return list(dict.fromkeys(w for w in words if len(w) >= 2))


class Generator:
    """Deterministic source of datasets (a seeded random stream)."""

    def __init__(self, license_ids: Sequence[str], seed: int = 20261129) -> None:
        self.rng = random.Random(seed)
        self.license_ids = list(license_ids)
        self.license_cum = list(accumulate(LICENSE_WEIGHTS.get(i, 1) for i in self.license_ids))
        self.place_names = [p for p, _ in PLACES]
        self.place_cum = list(accumulate(w for _, w in PLACES))
        self.format_names = [f for f, _ in FORMATS]
        self.format_cum = list(accumulate(w for _, w in FORMATS))
        # Tags follow a Zipf-like law (weight 1/rank) over a shuffled vocabulary.
        self.tags = tag_vocabulary()
        ranked = self.tags[:]
        random.Random(seed + 1).shuffle(ranked)
        self.tag_ranked = ranked
        self.tag_cum = list(accumulate(1.0 / (rank + 1) for rank in range(len(ranked))))
        self.domain_cum = list(accumulate(1.0 / (rank + 1) ** 0.5 for rank in range(len(DOMAINS))))
        self.start = datetime.datetime(2019, 1, 1)
        self.span = (datetime.datetime(2026, 11, 1) - self.start).total_seconds()

    def dataset(self, name: str) -> Dataset:
        rng = self.rng
        tag, department, org, subjects = rng.choices(DOMAINS, cum_weights=self.domain_cum)[0]
        subject = rng.choice(subjects)
        if rng.random() < 0.25:  # published by a district or county government
            place, department, org = rng.choice(COUNTY_ORGS)
        else:
            place = rng.choices(self.place_names, cum_weights=self.place_cum)[0]
        year = rng.choice(["", "", f"{rng.randint(2018, 2025)}年"])
        title = f"{place}{year}{subject}{rng.choice(TITLE_SUFFIXES)}"
        tags = [tag] + ([subject] if rng.random() < 0.6 else [])
        wanted = rng.randint(2, 5)
        while len(tags) < wanted:
            candidate = rng.choices(self.tag_ranked, cum_weights=self.tag_cum)[0]
            if candidate not in tags:
                tags.append(candidate)
        created = self.start + datetime.timedelta(seconds=rng.random() * self.span)
        return Dataset(
            name=name, title=title, notes=self.notes(place, subject, department), owner_org=org,
            license_id=rng.choices(self.license_ids, cum_weights=self.license_cum)[0],
            private=rng.random() < PRIVATE_SHARE, tags=tags[:wanted],
            resources=[self.resource(name, subject, i) for i in range(rng.randint(1, 3))],
            created=created)

    def notes(self, place: str, subject: str, department: str) -> str:
        """A description of 60–200 characters built from a few template sentences."""
        rng = self.rng
        fields = "、".join(rng.sample(FIELDS, rng.randint(3, 6)))
        first_year = rng.randint(2010, 2022)
        sentences = [
            f"本数据集由{department}提供，包含{place}{subject}的{fields}等信息。",
            f"数据{rng.choice(FREQUENCIES)}更新，时间范围为{first_year}年至{rng.randint(first_year + 1, 2025)}年。",
            f"可用于{rng.choice(USES)}。",
            f"数据来源于{rng.choice(SYSTEMS)}，经脱敏处理后向社会开放。",
            f"如对数据内容有疑问，请联系{department}办公室。",
            f"{subject}数据按照《大同市公共数据开放管理办法》的要求进行整理和发布。",
        ]
        target = rng.randint(60, 200)
        text = sentences[0]
        for sentence in rng.sample(sentences[1:], len(sentences) - 1):
            if len(text) >= target or len(text) + len(sentence) > 200:
                break
            text += sentence
        return text[:200]

    def resource(self, dataset_name: str, subject: str, position: int) -> dict[str, str]:
        fmt = self.rng.choices(self.format_names, cum_weights=self.format_cum)[0]
        year = self.rng.randint(2018, 2025)
        base = "https://data.datong.gov.cn"
        url = (f"{base}/api/v1/{dataset_name}/{position}" if fmt == "API"
               else f"{base}/files/{dataset_name}/{year}-{position}.{fmt.lower()}")
        kind = "接口" if fmt == "API" else "数据文件"
        return {"name": f"{subject}{year}年{kind}", "url": url, "format": fmt,
                "description": f"{subject}（{year}年）{fmt}格式{kind}"}


# Catalog fields (scheming extras) of the bulk-loaded entries, so the access rules and the
# portal's facets see them as they see real entries: most open to everyone, some on
# application, a few for government users only.
OPEN_TYPES = [("无条件开放", 80), ("有条件开放", 12), ("不予开放", 8)]
INDUSTRY_DOMAINS = ["文旅", "能源", "教育", "医疗", "医保", "交通", "城管", "应急", "农业", "气象", "政务"]
UPDATE_FREQUENCIES = ["实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "其他"]
SCOPES = ["140200"] * 6 + ["140213", "140214", "140212", "140215", "140221", "140222",
                          "140223", "140224", "140225", "140226"]


def catalog_fields(rng: random.Random) -> dict[str, str]:
    open_type = rng.choices([t for t, _ in OPEN_TYPES], weights=[w for _, w in OPEN_TYPES])[0]
    return {"open_type": open_type, "share_type": "无条件共享",
            "industry_domain": rng.choice(INDUSTRY_DOMAINS),
            "update_frequency": rng.choice(UPDATE_FREQUENCIES), "spatial_scope": rng.choice(SCOPES),
            "catalog_format": "电子表格", "data_grade": "一般-1" if open_type != "不予开放" else "一般-4"}


def _batches(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


def bulk_insert(dsn: str, generator: Generator, count: int, name_prefix: str, creator_id: str,
                org_ids: dict[str, str], batch_size: int = 2000,
                progress: Callable[[int], None] = lambda done: None) -> int:
    """Insert `count` generated datasets into CKAN's tables, one transaction per batch;
    returns the number of resources written. Missing tags are created first."""
    resources_written = 0
    with closing(psycopg2.connect(dsn)) as conn:
        cur = conn.cursor()
        cur.execute("SELECT name, id FROM tag WHERE vocabulary_id IS NULL")
        tag_ids = dict(cur.fetchall())
        missing = [(str(uuid.uuid4()), t) for t in generator.tags if t not in tag_ids]
        psycopg2.extras.execute_values(cur, "INSERT INTO tag (id, name) VALUES %s", missing)
        tag_ids.update((name, id_) for id_, name in missing)
        conn.commit()
        for batch in _batches(count, batch_size):
            packages, resources, package_tags, extras = [], [], [], []
            for i in batch:
                ds = generator.dataset(f"{name_prefix}{i:06d}")
                pid = str(uuid.uuid4())
                modified = ds.created + datetime.timedelta(days=generator.rng.randint(0, 400))
                packages.append((pid, ds.name, ds.title, ds.notes, "active", ds.license_id,
                                 "dataset", org_ids[ds.owner_org], ds.private, ds.created,
                                 modified, creator_id))
                for position, res in enumerate(ds.resources):
                    resources.append((str(uuid.uuid4()), pid, res["url"], res["format"],
                                      res["description"], res["name"], position, "active",
                                      ds.created, modified))
                for tag in ds.tags:
                    package_tags.append((str(uuid.uuid4()), "active", pid, tag_ids[tag]))
                for key, value in catalog_fields(generator.rng).items():
                    extras.append((str(uuid.uuid4()), pid, key, value, "active"))
            psycopg2.extras.execute_values(
                cur, """INSERT INTO package (id, name, title, notes, state, license_id, type,
                        owner_org, private, metadata_created, metadata_modified, creator_user_id)
                        VALUES %s""", packages, page_size=1000)
            psycopg2.extras.execute_values(
                cur, """INSERT INTO resource (id, package_id, url, format, description, name,
                        position, state, created, metadata_modified) VALUES %s""",
                resources, page_size=1000)
            psycopg2.extras.execute_values(
                cur, "INSERT INTO package_tag (id, state, package_id, tag_id) VALUES %s",
                package_tags, page_size=1000)
            psycopg2.extras.execute_values(
                cur, "INSERT INTO package_extra (id, package_id, key, value, state) VALUES %s",
                extras, page_size=1000)
            conn.commit()
            resources_written += len(resources)
            progress(batch.stop)
    return resources_written
