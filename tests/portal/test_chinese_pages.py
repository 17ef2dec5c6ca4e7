"""Every page of the portal reads Chinese: each GET rule of the Flask app's URL map is opened
as anonymous, a citizen, a county official, a department editor and the data authority, and
its visible text (with the title, alt, aria-label and placeholder attributes) may hold no
English word outside ALLOWED, and no time written in UTC.

Swept: every GET rule whose arguments the world below fills (entries, files, DataStore
dictionaries, activities, organizations, a group, users, a harvest source with a job and an
object, a sharing request, a scenario, the licences), answered as HTML — error pages
included (403, 404, 400). Not swept: the rules of SKIPPED_PREFIXES and those with an argument
of UNFILLED, each with its reason, and answers that are not HTML (JSON, CSV, RDF, files,
redirects). The Atom feeds are checked for Beijing time in test_feeds_carry_beijing_time.
Code samples (<pre>, <code>) are not prose and are left out of the text.
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import re
from typing import Any, Iterator, Optional

import pytest
from bs4 import BeautifulSoup
from ckan import model, plugins
from ckan.tests import helpers
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestSource
from werkzeug.routing import Rule

from ckanext.datong import clock
from tests import worlds
from tests.access.conftest import add_datastore_table, make_entry, upload_csv

ROLES = ("anonymous", "citizen", "county", "owner", "authority")
"""anonymous visitor, citizen, county official, department editor, data authority."""

ALLOWED = frozenset({
    # data formats and protocols a reader meets as names
    "API", "CSV", "TSV", "JSON", "XML", "RDF", "XLSX", "XLS", "PDF", "OFD", "ZIP", "HTML", "URL",
    "ID", "HTTP", "HTTPS", "GET", "ISO", "Markdown", "Excel", "Word", "JPG", "PNG",
    # names of products and standards
    "CKAN", "DCAT", "SM3", "CC", "BY", "Creative", "Commons", "Python", "curl", "requests", "pip",
    "install", "Atom", "RSS", "Turtle", "LD", "UTF", "GBK", "hydra",
    # the language menu names each language in itself
    "English",
    # units
    "KB", "MB", "GB", "KiB", "MiB",
    # the prefix of a data asset registration's 登记编号 (DTZC-2026-000001: 大同资产)
    "DTZC",
    # column types of a DataStore table, shown as stored in its data dictionary
    "text", "int4", "int8", "numeric", "float8", "timestamp", "date", "bool",
})
"""Latin words a Chinese page may show: format and product names, the language menu's
"English", units and DataStore column types. Anything else is English left untranslated."""

KNOWN_ENGLISH = {
    ("close", ("/group/<id>",)):
        "CKAN's group page writes the filter panel's hidden close label in English "
        "(group/read.html; the portal does not use groups and links no group page)",
    ("list of downloadable formats", ("/dataset/<id>/resource/<resource_id>",
                                      "/dataset/<id>/resources/<resource_id>/history/<activity_id>")):
        "the DataStore download menu's aria-label is hard-coded (datastore/resource_read.html: "
        "resource page)",
    ("Frequency", ("/harvest/",)): "ckanext-harvest's facet titles are not translatable (harvest area)",
    ("Type", ("/harvest/",)): "ckanext-harvest's facet titles are not translatable (harvest area)",
    ("No harvests found", ("/harvest/",)): "ckanext-harvest's empty search text (harvest area)",
    ("harvest Harvest sources allow importing remote metadata into this catalog",
     ("/harvest/new", "/harvest/edit/<id>", "/organization/activity/<id>")):
        "ckanext-harvest's dataset type name and form help (harvest area)",
    ("This dataset has no data, why not add some", ("/harvest/resources/<id>",)):
        "CKAN's resource list of a harvest source (harvest area)",
    ("New Changed Deleted Follow Package Dataset Resource View Group Organization",
     ("/dataset/activity/<id>", "/group/activity/<id>", "/organization/activity/<id>")):
        "the activity plugin's type filter title-cases type names without translation, and its "
        "template directory precedes the extension's (ckanext/activity/templates/snippets/"
        "activity_type_selector.html)",
    ("members", ("/group/members/<id>",)):
        "CKAN formats '{0} members' before translating it (ckan/templates/group/members.html)",
    ("Name", ("/user/<id>/api-tokens",)):
        "CKAN's token form labels the name field 'Name' without translation (user/api_tokens.html)",
    ("Source type Save View Harvest", ("/harvest/new", "/harvest/edit/<id>",
                                       "/harvest/resources/<id>")):
        "ckanext-harvest's source form and resource list (harvest area)",
    ("Not authorized to access members download", ("/group/member_dump/<id>",
                                                   "/organization/member_dump/<id>")):
        "CKAN formats this refusal before translating it (ckan/views/group.py)",
}
"""English words still on pages that the .po catalog cannot reach (text CKAN or its plugins
write untranslated), exempted only where they occur: (words, rules) → why. The sweep fails on
them anywhere else."""

SKIPPED_PREFIXES = {
    "/api/": "the action API answers JSON (its page is /api-guide, swept)",
    "/webassets/": "static files of the theme",
    "/base/": "static files of the theme",
    "/user/_logout": "signs the session out",
    "/user/reset/": "needs a one-time key sent by e-mail",
    "/util/redirect": "redirects to its parameter",
    "/testing/": "CKAN's template primer, disabled outside debug mode",
    "/harvest/refresh/": "starts a harvest job on GET",
    "/harvest/clear/": "empties a harvest source on GET",
    "/feeds/": "Atom, not HTML: test_feeds_carry_beijing_time",
    "/datastore/dump/": "CSV files",
    "/catalog.": "RDF of the catalog (DCAT)",
    "/sharing/audit.csv": "a CSV file",
    "/registration/certificate/<code>/pdf": "a PDF file (its text: tests/registration/test_pages.py)",
}
"""Rules not opened, by prefix, with the reason."""

UNFILLED = {
    "filename": "a file's own name in download URLs (files, not pages)",
    "path": "locale redirects of any path",
    "_format": "RDF serializations (DCAT)",
    "view_id": "no resource view plugin is enabled",
    "import_id": "a workbook import's progress (swept by the workbook tests)",
    "attachment_id": "a sharing request's attachment (a file, not a page)",
}
"""Rule arguments the sweep does not fill, with the reason."""

_LATIN_WORD = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z][A-Za-z'’]+(?![A-Za-z0-9_])")
"""A Latin word standing alone (not part of a code, an identifier or a number)."""
_ADDRESS = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.]+|/[\w\-./?=&%]+"
                      r"|\b(?:text|application|image)/[\w.+-]+")
"""Addresses, e-mail and MIME types: not words."""
_TEXT_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder")


@dataclasses.dataclass
class World(worlds.City):
    entry: dict[str, Any]
    resource: dict[str, Any]
    group: dict[str, Any]
    source_id: str
    job_id: str
    object_id: str
    request_id: str
    scenario_id: str
    registration: dict[str, Any]
    activities: dict[str, str]

    def identifiers(self) -> set[str]:
        """Latin names of the world's own records (URL names of users, organizations, the
        group and the entry): data the pages show, not interface text."""
        names = {user["name"] for user in self.users.values() if user}
        names |= {org["name"] for org in self.orgs.values()}
        names |= {self.group["name"], self.entry["name"], "zh-source"}
        return {word for name in names for word in _LATIN_WORD.findall(name)}


def _harvest_job(source_id: str, entry: dict[str, Any]) -> tuple[str, str]:
    """A finished job of the source, with the object the entry came from."""
    source = HarvestSource.get(source_id)
    moment = datetime.datetime.utcnow()
    job = HarvestJob(source=source, status="Finished", gather_started=moment, gather_finished=moment,
                     finished=moment)
    model.Session.add(job)
    model.Session.flush()
    harvest_object = HarvestObject(job=job, source=source, guid="guid-zh", package_id=entry["id"],
                                   current=True, state="COMPLETE", report_status="added",
                                   import_finished=moment,
                                   content=json.dumps({"title": entry["title"]}, ensure_ascii=False))
    model.Session.add(harvest_object)
    model.Session.commit()
    return job.id, harvest_object.id


@pytest.fixture(scope="module")
def world(reset_db) -> Iterator[World]:
    plugins.load_all()
    reset_db()
    city = worlds.city("zh", worlds.Offices(owner="大同市交通运输局", other_dept="大同市民政局",
                                            county="阳高县人民政府办公室", county_region="140221"),
                       token_name="chinese-pages")
    sysadmin = city.users["sysadmin"]
    for role, person in (("citizen", "市民张三"), ("county", "阳高县李四"), ("owner", "交通局王五"),
                         ("authority", "数据局赵六"), ("other_dept", "民政局孙七"),
                         ("sysadmin", "运维管理员")):
        helpers.call_action("user_patch", context={"user": sysadmin["name"]}, id=city.users[role]["id"],
                            fullname=person, about="", image_url="")
    owner, org = city.users["owner"], city.orgs["owner"]
    entry = make_entry(owner, org, "大同市公交线路信息", name="zh-bus-lines", tag_string="公交,线路",
                       share_type="有条件共享", share_condition="用于交通管理", open_type="无条件开放")
    resource = upload_csv(owner, entry["id"], "公交线路.csv", "线路,站点数\n1路,24\n")
    add_datastore_table(owner, resource["id"])
    helpers.call_action("package_patch", context={"user": owner["name"]}, id=entry["id"],
                        notes="全市公交线路的起止站点（已修订）。")
    group = helpers.call_action("group_create", context={"user": sysadmin["name"]},
                                name="zh-topic", title="交通出行专题", description="交通出行相关的数据。")
    helpers.call_action("member_create", context={"ignore_auth": True}, id=group["id"],
                        object=entry["id"], object_type="package", capacity="public")
    source = helpers.call_action(
        "harvest_source_create", context={"user": sysadmin["name"]}, name="zh-source",
        title="交通局目录采集", url="http://127.0.0.1:9/", source_type="datong_ckan",
        owner_org=org["id"], frequency="MANUAL", config="{}")
    job_id, object_id = _harvest_job(source["id"], entry)
    scenario = helpers.call_action(
        "datong_scenario_create", context=city.context("authority"), name="县区公交线路核对",
        description="县区交通部门核对本县公交线路", legal_basis="《城市公共交通条例》第十条",
        requester_kinds=[worlds.COUNTY], coverage=[{"package_id": entry["id"], "items": None}],
        max_grade="一般-3", max_days=366, delivery_methods=["接口"], territory="any", route="provider")
    start = clock.now().date()
    request = helpers.call_action(
        "datong_request_create", context=city.context("county"),
        entries=[{"package_id": entry["id"]}], purpose="核对本县公交线路",
        basis="《城市公共交通条例》第十条", start_date=start.isoformat(),
        end_date=(start + datetime.timedelta(days=90)).isoformat(), frequency="每月",
        delivery="接口", territory="any", contact_name="李四", contact_phone="0352-6620000",
        commitment=True)
    registration = _registration(city, entry)
    activity = lambda action, **ids: helpers.call_action(action, context={"user": sysadmin["name"]}, **ids)[0]["id"]
    activities = {
        "dataset": activity("package_activity_list", id=entry["id"]),
        "organization": activity("organization_activity_list", id=org["id"]),
        "group": activity("group_activity_list", id=group["id"]),
    }
    yield World(**vars(city), entry=entry, resource=resource, group=group, source_id=source["id"],
                job_id=job_id, object_id=object_id, request_id=request["id"],
                scenario_id=scenario["id"], registration=registration, activities=activities)
    plugins.unload_all()


def _registration(city: worlds.City, entry: dict[str, Any]) -> dict[str, Any]:
    """An issued data asset registration of the entry, with an objection on its way."""
    from tests.registration.conftest import end_notice, fields

    record = helpers.call_action("datong_registration_create", context=city.context("owner"),
                                 **fields(entry["id"]))
    for action, outcome in (("datong_registration_accept", "accept"),
                            ("datong_registration_review", "pass")):
        helpers.call_action(action, context=city.context("authority"), id=record["id"],
                            outcome=outcome)
    helpers.call_action("datong_registration_object", context=city.context("citizen"),
                        id=record["id"], reason="权属不清")
    objection = helpers.call_action("datong_registration_show", context=city.context("authority"),
                                    id=record["id"])["objections"][0]
    helpers.call_action("datong_registration_settle", context=city.context("authority"),
                        id=record["id"], objection_id=objection["id"], outcome="dismiss",
                        reason="权属清晰")
    end_notice(record["id"])
    return helpers.call_action("datong_registration_issue", context=city.context("authority"),
                               id=record["id"])


# ------------------------------------------------------------------------------- filling rules


def _id(rule: str, world: World, role: str) -> Optional[str]:
    """What a rule's `id` names, by where the rule lives."""
    viewer = world.users[role] or world.users["owner"]
    if rule.startswith(("/dataset/harvest_object/", "/harvest/object/")):
        return world.object_id
    if rule.startswith("/harvest/<source>/job/"):
        return world.job_id
    if rule.startswith("/harvest/"):
        return world.source_id
    if rule.startswith("/licence/"):
        return "datong-use"
    for kind, prefix in (("dataset", "/dataset/changes/"), ("organization", "/organization/changes/"),
                         ("group", "/group/changes/")):
        if rule.startswith(prefix):
            return world.activities[kind]
    if rule.startswith("/organization/"):
        return world.orgs["owner"]["name"]
    if rule.startswith("/group/"):
        return world.group["name"]
    if rule.startswith("/user/"):
        return viewer["name"]
    if rule.startswith("/dataset/"):
        return world.entry["name"]
    return None


def _value(name: str, rule: str, world: World, role: str) -> Optional[str]:
    return {
        "id": lambda: _id(rule, world, role),
        "package_id": lambda: world.entry["name"],
        "resource_id": lambda: world.resource["id"],
        "activity_id": lambda: world.activities["dataset"],
        "source": lambda: world.source_id,
        "request_id": lambda: world.request_id,
        "scenario_id": lambda: world.scenario_id,
        "registration_id": lambda: world.registration["id"],
        "code": lambda: world.registration["code"],
    }.get(name, lambda: None)()


def page_url(rule: Rule, world: World, role: str) -> Optional[str]:
    """The URL of `rule` for `role`, or None when an argument cannot be filled."""
    arguments = set(rule.arguments) - set(rule.defaults or {})
    if arguments & set(UNFILLED):
        return None
    values = {name: _value(name, rule.rule, world, role) for name in arguments}
    if None in values.values():
        return None
    return rule.build({**(rule.defaults or {}), **values}, append_unknown=False)[1]


def swept_rules(web: Any) -> list[Rule]:
    return [rule for rule in web.flask_app.url_map.iter_rules()
            if "GET" in (rule.methods or ()) and not rule.rule.startswith(tuple(SKIPPED_PREFIXES))]


# ------------------------------------------------------------------------------- reading pages


def visible_texts(html: str) -> list[str]:
    """The text a reader sees or hears: text nodes outside scripts, styles and code samples,
    the text attributes, and the labels of buttons."""
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "noscript", "template", "pre", "code"]):
        hidden.decompose()
    texts = [text.strip() for text in soup.stripped_strings]
    for element in soup.find_all(True):
        texts += [str(element[name]) for name in _TEXT_ATTRIBUTES if element.get(name)]
        if element.name == "input" and element.get("type") in ("submit", "button") and element.get("value"):
            texts.append(str(element["value"]))
    title = soup.find("title")
    if title is not None:
        texts.append(title.get_text())
    return [text for text in texts if text]


def english_words(text: str, allowed: set[str], rule: str) -> list[str]:
    """Latin words of `text` that are not allowed (addresses and e-mail left out), nor known
    on `rule` (KNOWN_ENGLISH)."""
    known = {word for (phrase, rules) in KNOWN_ENGLISH if rule in rules
             for word in _LATIN_WORD.findall(phrase)}
    return [word for word in _LATIN_WORD.findall(_ADDRESS.sub(" ", text))
            if word not in allowed and word.upper() not in allowed and word not in known]


@dataclasses.dataclass(frozen=True)
class Page:
    role: str
    rule: str
    url: str
    status: int
    texts: tuple[str, ...]


@pytest.fixture(scope="module")
def pages(world: World) -> dict[tuple[str, str], Page]:
    """(role, rule) → the page, for every swept rule answered as HTML."""
    web = helpers._get_test_app()
    found: dict[tuple[str, str], Page] = {}
    for rule in swept_rules(web):
        for role in ROLES:
            url = page_url(rule, world, role)
            if url is None:
                continue
            response = web.get(url, headers=world.headers(role), follow_redirects=False)
            if response.status_code in (301, 302, 303, 307, 308) or \
                    not response.content_type.startswith("text/html"):
                continue
            found[(role, rule.rule)] = Page(role, rule.rule, url, response.status_code,
                                            tuple(visible_texts(response.get_data(as_text=True))))
    return found


@pytest.mark.parametrize("role", ROLES)
def test_no_english_on_any_page(pages: dict, world: World, role: str) -> None:
    allowed = set(ALLOWED) | world.identifiers()
    problems = []
    for (who, rule), page in sorted(pages.items()):
        if who != role:
            continue
        for text in page.texts:
            words = english_words(text, allowed, rule)
            if words:
                problems.append(f"{page.url} ({rule}, {page.status}): {text[:120]!r} → {words}")
    assert not problems, f"{len(problems)} English texts:\n" + "\n".join(problems[:80])


@pytest.mark.parametrize("role", ROLES)
def test_no_time_in_utc(pages: dict, role: str) -> None:
    problems = [f"{page.url}: {text[:120]!r}" for (who, _), page in pages.items() if who == role
                for text in page.texts if "UTC" in text or "+00:00" in text or "GMT" in text]
    assert not problems, "\n".join(problems[:40])


def test_the_sweep_reaches_the_pages(pages: dict) -> None:
    """A guard against a filler that silently fills nothing: pages of every kind are read."""
    rules = {rule for _, rule in pages}
    for expected in ("/", "/dataset/", "/dataset/<id>", "/dataset/<id>/resource/<resource_id>",
                     "/dataset/activity/<id>", "/dataset/changes/<id>", "/organization/<id>",
                     "/group/<id>", "/user/<id>", "/user/<id>/api-tokens", "/harvest/<id>",
                     "/harvest/<source>/job/<id>", "/harvest/object/<id>", "/sharing/<request_id>",
                     "/sharing/scenarios/<scenario_id>/edit", "/licence/<id>", "/api-guide",
                     "/registration/<registration_id>", "/registration/certificate/<code>",
                     "/dataset/<id>/dictionary/<resource_id>", "/user/login"):
        assert expected in rules, expected


def test_record_dates_read_in_beijing_time(world: World) -> None:
    """The entry page's dates: 2026年12月3日 11:21 in Beijing time, not CKAN's English date."""
    web = helpers._get_test_app()
    body = web.get(f"/dataset/{world.entry['name']}").get_data(as_text=True)
    created = clock.beijing(world.entry["metadata_created"])
    assert clock.chinese_date(created) in body
    assert "automatic-local-datetime" not in body


def test_feeds_carry_beijing_time(world: World) -> None:
    web = helpers._get_test_app()
    for url in ("/feeds/dataset.atom", f"/feeds/organization/{world.orgs['owner']['name']}.atom",
                "/feeds/tag/公交.atom"):
        feed = web.get(url).get_data(as_text=True)
        stamps = re.findall(r"<(?:updated|published)>([^<]+)</", feed)
        assert stamps, url
        assert all(stamp.endswith("+08:00") for stamp in stamps), (url, stamps)
        assert "Recently created" not in feed and "最近新建或更新的数据集" in feed
