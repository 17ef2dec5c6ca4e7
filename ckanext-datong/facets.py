"""Catalog search facets and filters.

What the index holds for a catalog entry (before_dataset_index), which facets the search pages
show (IFacets), and the rule that only government users may facet, filter, sort or search by
数据分级 (`without_grades`, applied by the chained package_search of logic/action/catalog.py):
for everyone else every grade reference is neutralised, so neither counts nor result sets can
reveal an entry's grade.
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import re
from collections import OrderedDict
from typing import Any, Iterator

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model
from luqum import tree
from luqum.exceptions import ParseError
from luqum.parser import parser
from luqum.visitor import TreeTransformer

from ckanext.datong import access, lists, vocabulary
from ckanext.datong.schema_fields import GRADE, ITEMS
from ckanext.datong.sharing.scenarios import is_county

# The county (区县) an entry concerns: its 空间范围 when that is one county or district, else
# the county of its providing organization (a county government's own entries); none for
# city-wide entries of municipal departments.
COUNTY = "datong_county"
# The search pages' facets, in the order they show them: 行业领域, 提供部门, 区县, 文件格式,
# 更新周期, 开放属性; government users also get 共享类型 and 数据分级.
FACETS = ("industry_domain", "organization", COUNTY, "res_format", "update_frequency",
          "open_type", "share_type", "data_grade")
GOVERNMENT_FACETS = frozenset({"share_type", GRADE})
# Facet titles that are not a catalog field's schema label.
TITLES = {"organization": {"zh_Hans_CN": "提供部门", "en": "Provider"},
          COUNTY: {"zh_Hans_CN": "区县", "en": "County or district"}}
# CKAN's facets titled by the schema field they come from: 文件格式 (CKAN's "格式" would read
# like the catalog's own 格式).
SCHEMA_TITLED = {"res_format": ("resource_fields", "format")}
# CKAN's default facets the catalog pages leave out: groups are not used, the licence is not a
# catalog attribute, and tags are not among the portal's facets (organization and res_format
# come back as 提供部门 and 文件格式).
LEFT_OUT = ("groups", "license_id", "tags")
# Catalog fields stored as JSON lists: indexed as lists, so each value counts and filters.
LIST_FIELDS = ("theme", "share_method", "modality", "related_codes")
# Index fields that carry an entry's grade. extras_data_grade is never indexed (below), but a
# query naming it is neutralised all the same.
GRADE_INDEX_FIELDS = frozenset({GRADE, "extras_" + GRADE})
_GRADE_NAME = re.compile(r"(?<![A-Za-z0-9_])(?:extras_)?data_grade(?![A-Za-z0-9_])")
_GRADE_USE = re.compile(_GRADE_NAME.pattern + r"\s*:")
# package_search parameters holding Lucene queries, and those naming fields.
_QUERY_PARAMS = ("q", "fq")
_FIELD_PARAMS = ("qf", "bf", "boost", "df")


# --------------------------------------------------------------------------- index


def _items(pkg_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The entry's 信息项 however they reached the index document."""
    items = pkg_dict.get(ITEMS)
    if items is None and pkg_dict.get("data_dict"):  # another plugin flattened them first
        items = json.loads(pkg_dict["data_dict"]).get(ITEMS)
    if isinstance(items, str):
        try:
            items = json.loads(items)
        except ValueError:
            return []
    return [item for item in items or [] if isinstance(item, dict)]


_REGIONS: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "datong_organization_regions", default=None)
"""Organizations' region codes read ahead for a batch of entries (`regions_prefetched`)."""


def _regions(organization_ids: list[str] | None) -> dict[str, str]:
    """The region code (区划代码) of each of these organizations (None: of every one) that
    has one."""
    extra = model.group_extra_table
    query = sa.select(extra.c.group_id, extra.c.value).where(extra.c.key == "region_code")
    if organization_ids is not None:
        query = query.where(extra.c.group_id.in_(organization_ids))
    return dict(model.Session.execute(query).all())


@contextlib.contextmanager
def regions_prefetched() -> Iterator[None]:
    """Read every organization's region code once for all the index hooks a batch of entries
    runs (the index rebuild), instead of one organization lookup per entry."""
    token = _REGIONS.set(_regions(None))
    try:
        yield
    finally:
        _REGIONS.reset(token)


def _county(pkg_dict: dict[str, Any]) -> str | None:
    """The county code of the 区县 facet (see COUNTY)."""
    scope = pkg_dict.get("spatial_scope")
    if isinstance(scope, str) and is_county(scope):
        return scope
    owner = pkg_dict.get("owner_org")
    if not owner:
        return None
    regions = _REGIONS.get()
    region = (regions if regions is not None else _regions([owner])).get(owner)
    return region if isinstance(region, str) and is_county(region) else None


def index_fields(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """Shape a catalog entry's index document (IPackageController.before_dataset_index).

    - multi-valued fields become lists of values (faceted and filtered value by value) and
      their text copies plain words instead of JSON;
    - 空间范围 is searchable by the region's name as well as its code;
    - the county the entry concerns is a facet field of its own (COUNTY);
    - 数据分级 stays a filter field (string `data_grade`) but leaves the full text;
    - of the 信息项, only the names of those not flagged sensitive or personal are indexed
      (as text): their grades, flags and the flagged names would otherwise be searchable
      by everyone.
    """
    for name in LIST_FIELDS:
        if name in pkg_dict:
            values = lists.parsed(pkg_dict[name]) or []
            pkg_dict[name] = values
            pkg_dict["extras_" + name] = " ".join(values)
    scope = pkg_dict.get("spatial_scope")
    if scope:
        pkg_dict["extras_spatial_scope"] = f"{scope} {vocabulary.label('regions', scope)}"
    county = _county(pkg_dict)
    if county:
        pkg_dict[COUNTY] = county
    pkg_dict.pop("extras_" + GRADE, None)

    items = _items(pkg_dict)
    pkg_dict.pop(ITEMS, None)
    for key in [k for k in pkg_dict if k.startswith("extras_" + ITEMS)]:
        del pkg_dict[key]
    public_names = [str(item["item_name"]) for item in items
                    if item.get("item_name") and not access.flagged_item(item)]
    if public_names:
        pkg_dict["extras_" + ITEMS] = " ".join(public_names)
    return pkg_dict


# --------------------------------------------------------------------------- facets (pages)


def _title(name: str) -> str:
    label = TITLES.get(name)
    if label is None:
        fields, field_name = SCHEMA_TITLED.get(name, ("dataset_fields", name))
        schema = tk.h.scheming_get_dataset_schema("dataset")
        field = tk.h.scheming_field_by_name(schema[fields], field_name)
        label = field["label"] if field else name
    return tk.h.scheming_language_text(label)


def dataset_facets(facets_dict: dict[str, Any]) -> dict[str, Any]:
    """The search pages' facets (IFacets): the portal's facets, 共享类型 and 数据分级 for
    government users only, then any other plugin's."""
    government = access.can_see_grade(access.current_viewer())
    result: dict[str, Any] = OrderedDict(
        (name, _title(name)) for name in FACETS if name not in GOVERNMENT_FACETS or government)
    for name, title in facets_dict.items():
        if name not in LEFT_OUT and name not in result:
            result[name] = _title(name) if name in SCHEMA_TITLED else title
    return result


# --------------------------------------------------------------------------- package_search


class _GradeFieldRemover(TreeTransformer):
    """Strip the grade from a query: a clause on a grade field, negated or not, becomes the
    match-all query `*:*`, so the result no longer depends on any entry's grade."""

    @staticmethod
    def _is_grade_clause(node: tree.Item) -> bool:
        while isinstance(node, tree.Group):
            node = node.expr
        return isinstance(node, tree.SearchField) and \
            node.name.replace("\\", "") in GRADE_INDEX_FIELDS

    @staticmethod
    def _match_all(node: tree.Item) -> tree.Item:
        """`*:*` in place of `node`, keeping the whitespace around it (luqum keeps it in the
        node's head and tail and in those of its innermost children)."""
        text = node.head + str(node) + node.tail
        replacement = tree.SearchField("*", tree.Word("*"))
        replacement.head = text[:len(text) - len(text.lstrip())]
        replacement.tail = text[len(text.rstrip()):]
        return replacement

    def visit_search_field(self, node: tree.SearchField, context: dict) -> Any:
        if self._is_grade_clause(node):
            yield self._match_all(node)
        else:
            yield from self.generic_visit(node, context)

    def _visit_negation(self, node: tree.Item, context: dict) -> Any:
        if self._is_grade_clause(node.a):
            yield self._match_all(node)
        else:
            yield from self.generic_visit(node, context)

    visit_not = visit_prohibit = _visit_negation


def _names_grade(text: str) -> bool:
    """Whether `text` names a grade field, escapes ignored."""
    return bool(_GRADE_NAME.search(text.replace("\\", "")))


def _without_grade_query(query: str, param: str) -> str:
    """`query` with its grade field queries replaced by `*:*`; a query that names a grade
    field in a way the parser cannot take apart is refused."""
    if not _names_grade(query):
        return query
    refused = tk.ValidationError({param: ["无权按数据分级检索"]})
    try:
        parsed = parser.parse(query)
    except (ParseError, ValueError, TypeError, RecursionError):
        raise refused from None
    cleaned = str(_GradeFieldRemover().visit(parsed))
    if _GRADE_USE.search(cleaned.replace("\\", "")):  # e.g. "data_grade : 重要"
        raise refused
    return cleaned


def _json_list(value: Any) -> Any:
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def without_grades(data_dict: dict[str, Any]) -> dict[str, Any]:
    """package_search parameters with every use of a grade field neutralised: queries keep
    their other clauses, field lists lose the grade fields, a function or field parameter
    naming one is dropped."""
    data_dict = dict(data_dict)
    for param in _QUERY_PARAMS:
        if isinstance(data_dict.get(param), str):
            data_dict[param] = _without_grade_query(data_dict[param], param)
    if isinstance(data_dict.get("fq_list"), list):
        data_dict["fq_list"] = [_without_grade_query(str(fq), "fq_list")
                                for fq in data_dict["fq_list"]]
    for param in _FIELD_PARAMS:
        if _names_grade(str(data_dict.get(param) or "")):
            data_dict.pop(param)
    for param in ("facet.field", "fl"):
        value = _json_list(data_dict.get(param))
        if isinstance(value, list):
            data_dict[param] = [name for name in value if not _names_grade(str(name))]
        elif isinstance(value, str) and _names_grade(value):
            data_dict[param] = " ".join(
                name for name in re.split(r"[\s,]+", value) if name and not _names_grade(name))
    sort = data_dict.get("sort")
    if isinstance(sort, str) and _names_grade(sort):
        kept = [clause.strip() for clause in sort.split(",") if not _names_grade(clause)]
        if kept:
            data_dict["sort"] = ",".join(kept)
        else:
            data_dict.pop("sort")
    return data_dict


def label_facet_items(result: dict[str, Any]) -> None:
    """空间范围 and 区县 facet items show the region's name, not its GB/T 2260 code."""
    for field in ("spatial_scope", COUNTY):
        facet = (result.get("search_facets") or {}).get(field)
        for item in (facet or {}).get("items", []):
            item["display_name"] = vocabulary.label("regions", item["name"])
