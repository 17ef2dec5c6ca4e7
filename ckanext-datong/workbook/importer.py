"""Importing a read workbook: one catalog entry at a time, each through package_create or
package_update, so the schema's validators judge every value.

An entry is its 目录 row and the 信息项 rows attached to it. Item rows attach by
信息资源代码; a row with an empty code attaches by 信息资源名称 to the one 目录 row that
has that name and no code (an entry still to be created, whose code will be generated).
An entry with any problem — in its cells, its provider, the importing user's rights, or
what the validators say — is reported and writes nothing; the others are written. A new
entry (no code) may not repeat the name of an entry its provider already has, so that a
workbook uploaded twice does not create its entries twice.

An entry whose 信息资源代码 matches a stored entry updates it: columns present in the
sheet replace the stored values (an empty cell clears one), columns absent from the sheet
keep them, and the entry's 信息项 become the rows listed for it (an item whose 名称 matches a
stored item keeps the stored values of 信息项 columns absent from the sheet).
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any, Callable

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.datong import uscc
from ckanext.datong.workbook import layout, reader

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
CREATED, UPDATED, FAILED = "created", "updated", "failed"


@dataclasses.dataclass
class Problem:
    """Something wrong with one cell (or row, when `column` is empty), in Chinese."""

    sheet: str
    row: int
    column: str
    message: str


@dataclasses.dataclass
class Outcome:
    """What became of one 目录 row."""

    row: int
    title: str
    resource_code: str
    result: str
    name: str = ""


@dataclasses.dataclass
class Report:
    """The import's summary, every problem and the outcome of every entry."""

    total: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    skipped_item_rows: int = 0
    problems: list[Problem] = dataclasses.field(default_factory=list)
    entries: list[Outcome] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    def summary(self) -> str:
        text = f"共{self.total}条信息资源：新建{self.created}条，更新{self.updated}条，失败{self.failed}条"
        if self.skipped_item_rows:
            text += f"；另有{self.skipped_item_rows}行信息项无法对应到信息资源，未导入"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "summary": self.summary()}


@dataclasses.dataclass
class _Entry:
    row: reader.Row
    code: str
    title: str
    items: list[reader.Row] = dataclasses.field(default_factory=list)
    problems: list[Problem] = dataclasses.field(default_factory=list)


def run(book: reader.Workbook, user: str, progress: Progress | None = None) -> Report:
    """Import every entry of `book` as `user`; `progress(done, total)` after each entry."""
    current = layout.layout()
    report = Report(total=len(book.catalog), notes=list(book.summary.notes))
    entries = _attach_items(book, current, report)
    providers = _Providers(current)
    for done, entry in enumerate(entries, start=1):
        outcome = _import(entry, current, providers, user, report)
        report.entries.append(outcome)
        setattr(report, outcome.result, getattr(report, outcome.result) + 1)
        if progress:
            progress(done, len(entries))
    report.problems.sort(key=_position(current))
    return report


def _position(current: layout.Layout) -> Callable[[Problem], tuple[int, int, int]]:
    """Sort key of problems: sheet 目录 first, then row, then the column's place in the sheet."""
    order = {layout.CATALOG_SHEET: [c.heading for c in current.catalog],
             layout.ITEMS_SHEET: [c.heading for c in current.items]}

    def key(problem: Problem) -> tuple[int, int, int]:
        headings = order.get(problem.sheet, [])
        column = headings.index(problem.column) if problem.column in headings else -1
        return (list(order).index(problem.sheet) if problem.sheet in order else 2, problem.row, column)

    return key


# --------------------------------------------------------------------------- rows → entries


def _attach_items(book: reader.Workbook, current: layout.Layout, report: Report) -> list[_Entry]:
    key, title = current.heading(layout.KEY), current.heading(layout.TITLE)
    entries = [_Entry(row, row.text(key), row.text(title)) for row in book.catalog]
    by_code: dict[str, list[_Entry]] = {}
    codeless: dict[str, list[_Entry]] = {}
    for entry in entries:
        if entry.code:
            by_code.setdefault(entry.code, []).append(entry)
        else:
            codeless.setdefault(entry.title, []).append(entry)
    for code, same in by_code.items():
        if len(same) > 1:
            rows = "、".join(str(e.row.number) for e in same)
            for entry in same:
                entry.problems.append(Problem(layout.CATALOG_SHEET, entry.row.number, key,
                                              f"信息资源代码“{code}”在本工作簿中重复（第{rows}行）"))
    for item in book.items:
        code, name = item.text(key), item.text(title)
        if code:
            targets = by_code.get(code, [])
            problem = f"信息资源代码“{code}”在「{layout.CATALOG_SHEET}」工作表中没有对应的行，该信息项未导入"
        elif name:
            targets = codeless.get(name, [])
            problem = (f"「{layout.CATALOG_SHEET}」工作表中没有未填信息资源代码、名称为“{name}”的行，"
                       "该信息项未导入")
            if len(targets) > 1:
                rows = "、".join(str(e.row.number) for e in targets)
                problem = (f"「{layout.CATALOG_SHEET}」工作表中有多行（第{rows}行）未填信息资源代码且名称均为"
                           f"“{name}”，无法确定信息项属于哪一行：请填写信息资源代码或改用不同的名称")
                for entry in targets:
                    if not any(p.message == problem for p in entry.problems):
                        entry.problems.append(Problem(layout.CATALOG_SHEET, entry.row.number, title, problem))
                targets = []
        else:
            targets = []
            problem = "信息项未填写信息资源代码（新建尚无代码的信息资源时可填写信息资源名称），无法确定所属信息资源"
        if targets:
            targets[0].items.append(item)
            for duplicate in targets[1:]:  # the code is duplicated: those entries fail anyway
                duplicate.items.append(item)
        else:
            report.skipped_item_rows += 1
            report.problems.append(Problem(layout.ITEMS_SHEET, item.number, key if code or not name else title,
                                           problem))
    return entries


# --------------------------------------------------------------------------- one entry


def _import(entry: _Entry, current: layout.Layout, providers: "_Providers", user: str,
            report: Report) -> Outcome:
    outcome = Outcome(entry.row.number, entry.title, entry.code, FAILED)
    existing = _stored_entry(entry.code) if entry.code else None
    problems = entry.problems + _cell_problems(entry, current)
    org, provider_problems = providers.resolve(entry.row, existing)
    problems += provider_problems
    if not problems and existing is not None and org is not None and org.id != existing.owner_org:
        problems += _move_problems(entry, current, org, user)
    if not problems and existing is None and org is not None and not entry.code:
        problems += _namesake_problems(entry, current, org, user)
    if not problems:
        try:
            action = "package_update" if existing else "package_create"
            written = tk.get_action(action)({"user": user}, _input(entry, current, org, existing, user))
        except tk.ValidationError as error:
            model.Session.rollback()
            problems = _mapped(error.error_dict, entry, current)
        except (tk.NotAuthorized, tk.ObjectNotFound):  # not found: an entry the user may not see
            model.Session.rollback()
            problems = [_denied(entry, current, org, existing, user)]
        except Exception:  # one broken entry must not stop the others or the page
            log.exception("catalog workbook: row %s could not be written", entry.row.number)
            model.Session.rollback()
            problems = [Problem(layout.CATALOG_SHEET, entry.row.number, "",
                                "写入该信息资源时发生系统错误，未导入：请稍后重试或联系平台管理员")]
        else:
            outcome.result = UPDATED if existing else CREATED
            outcome.name = written["name"]
            outcome.resource_code = written.get(layout.KEY) or ""
            return outcome
    report.problems += problems
    return outcome


def _stored_entry(code: str) -> model.Package | None:
    return (
        model.Session.query(model.Package)
        .join(model.PackageExtra, model.PackageExtra.package_id == model.Package.id)
        .filter(model.PackageExtra.key == layout.KEY, model.PackageExtra.value == code,
                model.Package.state != "deleted")
        .first()
    )


def _cell_problems(entry: _Entry, current: layout.Layout) -> list[Problem]:
    problems = []
    known = ({c.heading for c in current.catalog}, {c.heading for c in current.items})
    for row, headings in [(entry.row, known[0])] + [(item, known[1]) for item in entry.items]:
        for heading in headings:
            value = row.cells.get(heading)
            if not isinstance(value, str):
                continue
            text = value.strip()
            if text in reader.EXCEL_ERRORS:
                problems.append(Problem(row.sheet, row.number, heading,
                                        f"「{heading}」是 Excel 错误值“{text}”，请填写实际内容"))
            elif reader.garbled(text):
                problems.append(Problem(row.sheet, row.number, heading,
                                        f"「{heading}」的内容疑似乱码（“{text[:30]}”）：文件中的文字可能按错误的编码保存，"
                                        "请改正后重新上传"))
    return problems


def _denied(entry: _Entry, current: layout.Layout, org: model.Group | None,
            existing: model.Package | None, user: str) -> Problem:
    """The problem of an entry package_create / package_update refused to the user; a
    stored entry the user may not even see is not described."""
    if existing is None:
        return Problem(layout.CATALOG_SHEET, entry.row.number, current.heading(layout.PROVIDER),
                       f"您无权在提供方“{org.title if org else ''}”下新建信息资源")
    try:
        tk.check_access("package_show", {"user": user}, {"id": existing.id})
    except tk.NotAuthorized:
        message = f"信息资源代码“{entry.code}”属于其他提供方的信息资源，您无权修改"
    else:
        owner = model.Group.get(existing.owner_org) if existing.owner_org else None
        message = (f"您无权修改信息资源“{existing.title}”（{entry.code}），"
                   f"它由“{owner.title if owner else '未知提供方'}”提供")
    return Problem(layout.CATALOG_SHEET, entry.row.number, current.heading(layout.KEY), message)


def _namesake_problems(entry: _Entry, current: layout.Layout, org: model.Group, user: str) -> list[Problem]:
    """A new entry without a code must not repeat the name of one its provider already has:
    a workbook uploaded twice would otherwise create every entry twice. (Asked only of a user
    who may create entries there, so that it tells nothing to others.)"""
    try:
        tk.check_access("package_create", {"user": user}, {"owner_org": org.id})
    except tk.NotAuthorized:
        return [_denied(entry, current, org, None, user)]
    namesake = (
        model.Session.query(model.Package)
        .filter(model.Package.owner_org == org.id, model.Package.title == entry.title,
                model.Package.state != "deleted")
        .first()
    )
    if namesake is None:
        return []
    code = namesake.extras.get(layout.KEY) or namesake.name
    return [Problem(layout.CATALOG_SHEET, entry.row.number, current.heading(layout.TITLE),
                    f"提供方“{org.title}”已有名为“{entry.title}”的信息资源（{code}）：要更新它请填写其信息资源代码，"
                    "要新建请改用不同的名称")]


def _move_problems(entry: _Entry, current: layout.Layout, org: model.Group, user: str) -> list[Problem]:
    """Moving a stored entry to another provider needs the right to create entries there."""
    try:
        tk.check_access("package_create", {"user": user}, {"owner_org": org.id})
    except tk.NotAuthorized:
        return [Problem(layout.CATALOG_SHEET, entry.row.number, current.heading(layout.PROVIDER),
                        f"您无权在提供方“{org.title}”下放入信息资源")]
    return []


def _input(entry: _Entry, current: layout.Layout, org: model.Group | None,
           existing: model.Package | None, user: str) -> dict[str, Any]:
    """The package_create/package_update data of an entry: the stored entry (when updating)
    with the sheet's columns laid over it."""
    data: dict[str, Any] = {}
    if existing is not None:
        data = tk.get_action("package_show")({"user": user}, {"id": existing.id})
    for column in current.catalog:
        if not column.imported or column.kind in ("provider", "provider_code") or not entry.row.has(column.heading):
            continue  # derived, resolved by _Providers, or absent from the sheet (kept)
        text = entry.row.text(column.heading)
        if column.kind == "tags":
            data.pop("tags", None)
            data["tag_string"] = layout.tag_string(text)
        elif column.kind == "license":
            data[column.field_name] = _license_id(text)
        else:
            data[column.field_name] = layout.input_value(column, text)
    if org is not None:
        data[layout.PROVIDER] = org.id
    stored_items = {item.get("item_name"): item for item in data.get(layout.ITEMS) or []}
    item_name = current.item_heading("item_name")
    subfields = [c for c in current.items if c.field_name not in (layout.KEY, layout.TITLE)]
    items = []
    for row in entry.items:
        item = dict(stored_items.get(row.text(item_name), {}))
        for column in subfields:
            if row.has(column.heading):
                item[column.field_name] = layout.input_value(column, row.text(column.heading))
        items.append(item)
    data[layout.ITEMS] = items
    return data


def _license_id(text: str) -> str:
    """A licence id for a 许可协议 cell holding the id or the licence's title."""
    register = model.Package.get_license_register()
    if not text or text in register:
        return text
    return next((license_id for license_id, found in register.items() if found.title == text), text)


def _mapped(error_dict: dict[str, Any], entry: _Entry, current: layout.Layout) -> list[Problem]:
    """The validators' errors as problems at the cells they concern."""
    problems = []
    for key, value in error_dict.items():
        if key == layout.ITEMS and isinstance(value, list):
            for index, item_errors in enumerate(value):
                row = entry.items[index] if index < len(entry.items) else entry.row
                for sub_key, messages in (item_errors.items() if isinstance(item_errors, dict) else []):
                    column = current.item_column(sub_key)
                    for message in _messages(messages):
                        problems.append(Problem(row.sheet, row.number, column.heading if column else "", message))
            continue
        column = current.catalog_column("tag_string" if key == "tags" else key)
        for message in _messages(value):
            problems.append(Problem(layout.CATALOG_SHEET, entry.row.number,
                                    column.heading if column else "",
                                    message if column else f"{key}：{message}"))
    return problems


def _messages(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [m for v in value.values() for m in _messages(v)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in _messages(v)]
    return [str(value)]


# --------------------------------------------------------------------------- providers


class _Providers:
    """The organizations an entry's 提供方 / 提供方代码 cells can name."""

    def __init__(self, current: layout.Layout) -> None:
        self.name_heading = current.heading(layout.PROVIDER)
        self.code_heading = current.heading(layout.PROVIDER_CODE)
        orgs = model.Session.query(model.Group).filter(
            model.Group.is_organization.is_(True), model.Group.state == "active").all()
        self.by_code = {str(o.extras.get("uscc") or "").upper(): o for o in orgs if o.extras.get("uscc")}
        self.by_title: dict[str, list[model.Group]] = {}
        for org in orgs:
            self.by_title.setdefault(org.title, []).append(org)
        self.by_name = {o.name: o for o in orgs}

    def resolve(self, row: reader.Row, existing: model.Package | None
                ) -> tuple[model.Group | None, list[Problem]]:
        """The organization the row names (None: keep the stored one), or the problems."""
        name, code = row.text(self.name_heading), row.text(self.code_heading).upper()
        by_code = self.by_code.get(code) if code else None
        if code and by_code is None:
            reason = uscc.problem(code)
            return None, [self._problem(row, self.code_heading,
                                        f"「{self.code_heading}」“{code}”不是平台上任何组织的统一社会信用代码"
                                        + (f"（{reason}）" if reason else ""))]
        by_name = None
        if name:
            named = self.by_title.get(name) or ([self.by_name[name]] if name in self.by_name else [])
            if len(named) > 1 and by_code is None:
                return None, [self._problem(row, self.name_heading,
                                            f"平台上有{len(named)}个名为“{name}”的组织，请填写「{self.code_heading}」加以区分")]
            if not named:
                return None, [self._problem(row, self.name_heading, f"「{self.name_heading}」“{name}”不是平台上的组织名称")]
            by_name = by_code if by_code in named else named[0]
        if by_code is not None and by_name is not None and by_code.id != by_name.id:
            return None, [self._problem(row, self.name_heading,
                                        f"「{self.name_heading}」“{name}”与「{self.code_heading}」“{code}”"
                                        f"（属于“{by_code.title}”）不一致")]
        org = by_code or by_name
        if org is None and existing is None:
            return None, [self._problem(row, self.name_heading,
                                        f"「{self.name_heading}」为必填项：请填写提供方名称或{self.code_heading}")]
        return org, []

    @staticmethod
    def _problem(row: reader.Row, heading: str, message: str) -> Problem:
        return Problem(layout.CATALOG_SHEET, row.number, heading, message)
