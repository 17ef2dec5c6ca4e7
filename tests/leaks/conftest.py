"""A municipal world for the leak sweep, built in two steps: first everything that stays
visible (departments, a county, the authority, a public entry with flagged 信息项, a
conditionally opened entry, a group, a harvest source), then the secrets — an entry hidden
from the start and an entry published and then re-classified as 不予共享 — each with a tag,
a file format, a DataStore table, activities, a follower, a group membership and a harvest
object of its own. The sweep answers every channel before and after the secrets exist."""
from __future__ import annotations

import dataclasses
import io
import datetime
import json
import uuid
from typing import Any, Callable, Iterator

import pytest
from ckan import model, plugins
from ckan.tests import helpers
from ckan.tests.pytest_ckan.fixtures import FakeFileStorage
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestSource

from tests import worlds
from tests.access.conftest import add_datastore_table, make_entry, upload_csv
from tests.leaks import sweep

ROLES = ("anonymous", "citizen", "county", "other_dept")
"""Who must never learn of the secrets: no account, a citizen, a county official and an
official of another department (the secrets are 不予共享, seen by their department and the
authority only)."""
NON_GOVERNMENT = ("anonymous", "citizen")
"""Who must never see a grade or a flagged 信息项, nor a conditionally opened file."""

PUBLIC_ITEMS = [
    {"item_name": "线路编号", "data_type": "C", "length": "20", "item_grade": "一般-1"},
    {"item_name": "金丝雀证件号码", "data_type": "C", "personal_info": "true", "item_grade": "一般-1"},
    {"item_name": "金丝雀车辆轨迹", "data_type": "C", "sensitive": "true", "item_grade": "一般-1"},
]
"""The public entry's 信息项: the flagged names are canaries no outsider may read."""
CANARY_ITEMS = ("金丝雀证件号码", "金丝雀车辆轨迹")
CONDITIONAL_FILE = "条件开放金丝雀名册.csv"
"""The file of the conditionally opened entry: its URL is for those who may download it."""

HIDDEN_FIELDS = dict(open_type="不予开放", share_type="不予共享", data_grade="重要",
                     share_condition="《中华人民共和国个人信息保护法》第十三条")


@dataclasses.dataclass
class World(worlds.City):
    group: dict[str, Any]
    public: dict[str, Any]
    conditional: dict[str, Any]
    source_id: str
    secrets: list[sweep.Secret] = dataclasses.field(default_factory=list)

    def context_values(self) -> dict[str, list[str]]:
        """Parameters naming what stays visible, for calls whose answer must not change
        when the secrets are added."""
        owner = self.users["owner"]
        return {
            "id": [self.orgs["owner"]["id"], owner["name"], self.public["id"], self.group["name"],
                   "公交", self.source_id],
            "user": [owner["name"]], "user_id": [owner["id"]],
            "owner_org": [self.orgs["owner"]["id"]], "org_id": [self.orgs["owner"]["id"]],
            "source_id": [self.source_id], "package_id": [self.public["id"]],
        }

    def markers(self, role: str) -> list[str]:
        """Strings no answer to `role` may contain."""
        found = [secret.hidden for secret in self.secrets]
        if role in NON_GOVERNMENT:
            found += [*CANARY_ITEMS, CONDITIONAL_FILE]
        return found


def _secret_entry(owner: dict[str, Any], world: World, key: str, title: str, tag: str,
                  file_format: str, item: str, **fields: Any) -> dict[str, Any]:
    """An entry with a tag, a format, a flagged 信息项 and a file all its own, a DataStore
    table, a second activity, a follower, a group membership and a harvest object."""
    entry = make_entry(owner, world.orgs["owner"], title, name=f"leak-{key}",
                       tag_string=tag, items=[{"item_name": item, "data_type": "C",
                                               "personal_info": "true", "item_grade": "一般-1"}],
                       **fields)
    filename = f"{key}名册.csv"
    resource = upload_csv(owner, entry["id"], filename, "编号,名称\n1,甲\n")
    helpers.call_action("resource_patch", context={"user": owner["name"]}, id=resource["id"],
                        format=file_format)
    add_datastore_table(owner, resource["id"])
    helpers.call_action("package_patch", context={"user": owner["name"]}, id=entry["id"],
                        notes=f"{title}的摘要（已修订）。")
    helpers.call_action("follow_dataset", context={"user": owner["name"]}, id=entry["id"])
    helpers.call_action("member_create", context={"ignore_auth": True}, id=world.group["id"],
                        object=entry["id"], object_type="package", capacity="public")
    activity = helpers.call_action("package_activity_list", context={"user": owner["name"]},
                                   id=entry["id"])[0]
    harvest_object = _harvest_object(world.source_id, entry)
    ghost = key.upper()
    world.secrets += [
        sweep.Secret(sweep.KIND_ENTRY_ID, entry["id"], str(uuid.uuid4())),
        sweep.Secret(sweep.KIND_ENTRY_NAME, entry["name"], f"ghost-{key}"),
        sweep.Secret(sweep.KIND_TITLE, title, f"幽灵条目{ghost}"),
        sweep.Secret(sweep.KIND_RESOURCE_ID, resource["id"], str(uuid.uuid4())),
        sweep.Secret(sweep.KIND_TAG, tag, f"幽灵标签{ghost}"),
        sweep.Secret(sweep.KIND_FORMAT, file_format, f"GHOST{ghost}"),
        sweep.Secret(sweep.KIND_ITEM, item, f"幽灵信息项{ghost}"),
        sweep.Secret(sweep.KIND_FILE, filename, f"ghost-{key}.csv"),
        sweep.Secret(sweep.KIND_ACTIVITY_ID, activity["id"], str(uuid.uuid4())),
        sweep.Secret(sweep.KIND_HARVEST_OBJECT_ID, harvest_object, str(uuid.uuid4())),
    ]
    return entry


def _harvest_object(source_id: str, entry: dict[str, Any]) -> str:
    """The harvest object an entry came from, its content the source's record (grade included)."""
    source = HarvestSource.get(source_id)
    job = HarvestJob(source=source, status="Finished")
    model.Session.add(job)
    model.Session.flush()
    record = {"title": entry["title"], "data_grade": entry["data_grade"], "items": entry["items"]}
    harvest_object = HarvestObject(job=job, source=source, guid=f"guid-{entry['name']}",
                                   package_id=entry["id"], current=True, state="COMPLETE",
                                   report_status="added", import_finished=datetime.datetime.utcnow(),
                                   content=json.dumps(record, ensure_ascii=False))
    model.Session.add(harvest_object)
    model.Session.commit()
    return harvest_object.id


def _visible_world() -> World:
    city = worlds.city("leak", worlds.Offices(owner="大同市公安局", other_dept="大同市民政局",
                                              county="灵丘县人民政府办公室", county_region="140224"),
                       token_name="leak-sweep")
    orgs, sysadmin, owner = city.orgs, city.users["sysadmin"], city.users["owner"]
    group = helpers.call_action("group_create", context={"user": sysadmin["name"]},
                                name="leak-topic", title="民生专题")
    public = make_entry(owner, orgs["owner"], "公交线路站点信息", name="leak-public",
                        tag_string="公交", items=PUBLIC_ITEMS)
    upload_csv(owner, public["id"], "公交线路.csv", "线路,站点数\n1路,24\n")
    helpers.call_action("member_create", context={"ignore_auth": True}, id=group["id"],
                        object=public["id"], object_type="package", capacity="public")
    conditional = make_entry(owner, orgs["owner"], "出租车运营信息", name="leak-conditional",
                             tag_string="公交", open_type="有条件开放", open_condition="签署数据利用协议",
                             data_grade="一般-2")
    helpers.call_action(
        "resource_create", context={"user": owner["name"]}, package_id=conditional["id"],
        name="出租车运营记录", format="CSV", url=CONDITIONAL_FILE,
        upload=FakeFileStorage(io.BytesIO("车牌,里程\n晋B1,10\n".encode()), CONDITIONAL_FILE))
    source = helpers.call_action(
        "harvest_source_create", context={"user": sysadmin["name"]}, name="leak-source",
        title="公安局目录采集", url="http://127.0.0.1:9/", source_type="datong_ckan",
        owner_org=orgs["owner"]["id"], frequency="MANUAL", config="{}")
    return World(**vars(city), group=group, public=public, conditional=conditional,
                 source_id=source["id"])


def add_secrets(world: World) -> None:
    """The hidden entry and the re-classified one, with everything that refers to them."""
    owner = world.users["owner"]
    _secret_entry(owner, world, "nautilus", "隐匿条目鹦鹉螺档案", "鹦鹉螺标签", "NAUTILUS",
                  "鹦鹉螺身份证号", **HIDDEN_FIELDS)
    coral = _secret_entry(owner, world, "coral", "回收条目珊瑚礁台账", "珊瑚礁标签", "CORALFMT",
                          "珊瑚礁手机号")
    helpers.call_action("package_patch", context={"user": owner["name"]}, id=coral["id"],
                        **HIDDEN_FIELDS)


@pytest.fixture(scope="module")
def leak_world(reset_db) -> Iterator[Callable[[], World]]:
    """The visible world; the sweep adds the secrets itself (add_secrets) between its two
    passes."""
    plugins.load_all()
    reset_db()
    world = _visible_world()
    yield lambda: world
    plugins.unload_all()
