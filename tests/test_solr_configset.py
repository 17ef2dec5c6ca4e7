"""The Solr configset in config/solr/, checked statically (no Solr runs here).

It must stay CKAN's schema apart from the Chinese analysis, be accepted by CKAN's schema
version check, target Solr 9 with the analysis-extras module, and take every field of the
documents CKAN really sends to Solr.
"""
from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import ckan.lib.search.index as search_index
from ckan.lib.search import SUPPORTED_SCHEMA_VERSIONS
from ckan.tests import helpers

from ckanext.datong.facets import LIST_FIELDS
from tests import factories

CONFIGSET = Path(__file__).resolve().parents[1] / "config" / "solr"
CKAN_SCHEMA = Path(search_index.__file__).resolve().parents[2] / "config" / "solr" / "schema.xml"
CHINESE_TYPE = "text_zh"
CHINESE_TOKENIZER = "solr.HMMChineseTokenizerFactory"
# The text fields CKAN's queries search (qf, df, fielded queries), as document field names.
SEARCHED_TEXT_FIELDS = ("title", "notes", "text", "author", "maintainer", "res_name",
                        "res_description", "extras_theme", "res_extras_note")
# Analyzer resources that the analysis-extras module jar provides on the class path.
MODULE_RESOURCE_PREFIX = "org/apache/lucene/analysis/"
SOLR_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\Z")


class Schema:
    """Field lookup with Solr's rules: explicit fields first, then dynamic fields, longest
    pattern first (schema order among equal lengths); a pattern has a leading or a trailing *."""

    def __init__(self, path: Path) -> None:
        self.root = ET.parse(path).getroot()
        self.types = {t.get("name"): t for t in self.root.iter()
                      if t.tag in ("fieldType", "fieldtype")}
        self.fields = {f.get("name"): f for f in self.root.iter("field")}
        self.dynamic_fields = {f.get("name"): f for f in self.root.iter("dynamicField")}
        self._patterns = sorted(self.dynamic_fields.values(), key=lambda f: -len(f.get("name")))

    def field(self, name: str) -> ET.Element | None:
        if name in self.fields:
            return self.fields[name]
        for field in self._patterns:
            pattern = field.get("name")
            if pattern.startswith("*") and name.endswith(pattern[1:]):
                return field
            if pattern.endswith("*") and name.startswith(pattern[:-1]):
                return field
        return None

    def type_of(self, field: ET.Element) -> ET.Element:
        return self.types[field.get("type")]

    def multivalued(self, field: ET.Element) -> bool:
        value = field.get("multiValued", self.type_of(field).get("multiValued", "false"))
        return value == "true"

    def problems(self, name: str, value) -> list[str]:
        """Why Solr would reject this document field, as pysolr sends it (None and ""
        values are skipped, a list becomes repeated values)."""
        field = self.field(name)
        if field is None:
            return [f"{name}: no field or dynamicField matches"]
        values = list(value) if isinstance(value, (list, tuple, set)) else [value]
        values = [v for v in values if v is not None and v != ""]
        problems = []
        if len(values) > 1 and not self.multivalued(field):
            problems.append(f"{name}: {len(values)} values for single-valued {field.get('name')}")
        type_class = self.type_of(field).get("class")
        for v in values:
            if isinstance(v, dict):
                problems.append(f"{name}: a dict would be sent as an atomic update")
            elif type_class == "solr.DatePointField" and not SOLR_DATE.match(str(v)):
                problems.append(f"{name}: {v!r} is not an ISO-8601 UTC date")
            elif type_class in ("solr.IntPointField", "solr.LongPointField") \
                    and not re.fullmatch(r"-?\d+", str(v)):
                problems.append(f"{name}: {v!r} is not an integer")
        return problems


@pytest.fixture(scope="module")
def schema() -> Schema:
    return Schema(CONFIGSET / "schema.xml")


@pytest.fixture(scope="module")
def ckan_schema() -> Schema:
    return Schema(CKAN_SCHEMA)


def _xml(element: ET.Element) -> bytes:
    """The element's own markup, without the whitespace that follows it."""
    element = copy.copy(element)
    element.tail = None
    return ET.tostring(element)


def _solrconfig() -> ET.Element:
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    return ET.parse(CONFIGSET / "solrconfig.xml", parser).getroot()


@pytest.mark.parametrize("name", ["schema.xml", "solrconfig.xml"])
def test_configset_xml_parses(name):
    assert ET.parse(CONFIGSET / name).getroot() is not None


def test_schema_version_is_one_ckan_supports(schema):
    # The rule of ckan.lib.search.check_solr_schema_version (name="ckan-X.Y"); the function
    # itself asks a running Solr first, and the embedded backend replaces it in this session.
    name = schema.root.get("name")
    assert name.startswith("ckan-")
    assert name.split("-", 1)[1] in SUPPORTED_SCHEMA_VERSIONS


def test_schema_is_ckans_apart_from_chinese_text_types_and_catalog_lists(schema, ckan_schema):
    assert schema.root.findtext("uniqueKey") == ckan_schema.root.findtext("uniqueKey") == "index_id"
    assert schema.root.get("name") == ckan_schema.root.get("name")

    def copies(s: Schema) -> set[tuple[str, str]]:
        return {(c.get("source"), c.get("dest")) for c in s.root.iter("copyField")}

    assert copies(schema) == copies(ckan_schema)
    for kind in ("fields", "dynamic_fields"):
        ours, theirs = getattr(schema, kind), getattr(ckan_schema, kind)
        added = set(LIST_FIELDS) if kind == "fields" else set()
        assert ours.keys() == theirs.keys() | added
        for name in added:
            assert ours[name].get("type") == "string" and schema.multivalued(ours[name]), name
        for name, field in theirs.items():
            expected = dict(field.attrib)
            if ours[name].get("type") == CHINESE_TYPE:
                expected["type"] = CHINESE_TYPE
            assert ours[name].attrib == expected, name
    for name, field_type in ckan_schema.types.items():
        assert _xml(schema.types[name]) == _xml(field_type), name


def test_chinese_type_segments_with_smartcn(schema):
    analyzers = schema.types[CHINESE_TYPE].findall("analyzer")
    assert {a.get("type") for a in analyzers} == {"index", "query"}
    for analyzer in analyzers:
        assert analyzer.find("tokenizer").get("class") == CHINESE_TOKENIZER
        filters = [f.get("class") for f in analyzer.iter("filter")]
        assert {"solr.CJKWidthFilterFactory", "solr.LowerCaseFilterFactory"} <= set(filters)


@pytest.mark.parametrize("name", SEARCHED_TEXT_FIELDS)
def test_searched_text_fields_use_the_chinese_type(schema, name):
    assert schema.field(name).get("type") == CHINESE_TYPE


def test_analyzer_resources_exist(schema):
    for element in schema.root.iter():
        for value in element.attrib.values():
            if value.endswith(".txt") and not value.startswith(MODULE_RESOURCE_PREFIX):
                assert (CONFIGSET / value).is_file(), f"{element.tag} needs {value}"


def test_solrconfig_is_solr9_with_the_analysis_extras_module():
    config = _solrconfig()
    assert config.findtext("luceneMatchVersion").startswith("9.")
    # The module comes from SOLR_MODULES (docker/compose.yml), not from <lib> directives.
    assert config.find("lib") is None
    comments = " ".join(c.text for c in config.iter(ET.Comment))
    assert "SOLR_MODULES=analysis-extras" in comments
    assert config.find("schemaFactory").get("class") == "ClassicIndexSchemaFactory"


def test_solrconfig_commits_and_select_handler():
    config = _solrconfig()
    update = config.find("updateHandler")
    assert update.find("updateLog") is not None
    assert update.find("autoCommit/openSearcher").text == "false"
    soft_commit = re.fullmatch(r"\$\{[\w.]+:(\d+)\}", update.findtext("autoSoftCommit/maxTime"))
    assert 0 < int(soft_commit.group(1)) <= 5000
    select = config.find("requestHandler[@name='/select']")
    assert select.get("class") == "solr.SearchHandler"
    assert select.findtext("lst[@name='defaults']/str[@name='df']") == "text"


class _SentDocuments(list):
    """Stands where CKAN expects its pysolr connection and keeps the documents CKAN adds."""

    def add(self, docs, commit=False):
        self.extend(docs)


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_schema_takes_every_field_of_a_ckan_document(schema, monkeypatch):
    org = factories.Organization(title="大同市交通运输局")
    dataset = factories.Dataset(
        owner_org=org["id"],
        title="大同市公交站点",
        notes="全市公交站点的名称、位置和途经线路。",
        tags=[{"name": "公交"}, {"name": "transport"}],
        theme=["公共服务", "城乡建设"],
        modality=["表格"],
        publish_date="2024-05-01",
        items=[{"item_name": "站点名称", "data_type": "C", "length": "50", "item_grade": "一般-1"}],
        resources=[
            {"url": "https://data.example/stops.csv", "name": "站点列表",
             "description": "CSV 格式，每日更新", "format": "CSV"},
            {"url": "https://data.example/lines.json", "name": "线路", "format": "JSON"},
        ],
    )
    pkg_dict = helpers.call_action("package_show", id=dataset["id"])
    sent = _SentDocuments()
    monkeypatch.setattr(search_index, "make_connection", lambda *args, **kwargs: sent)

    search_index.PackageSearchIndex().index_package(pkg_dict)

    [doc] = sent
    assert not [p for name, value in doc.items() for p in schema.problems(name, value)]
    required = {f.get("name") for f in schema.fields.values() if f.get("required") == "true"}
    assert required <= doc.keys()
    for name in ("title", "notes", "res_name", "res_description", "extras_theme"):
        assert schema.field(name).get("type") == CHINESE_TYPE, name
