"""Validators of the municipal catalog and organization schemas (schemas/*.yaml).

Every message is in Chinese and names the field by its schema label, so the same text
serves the form, the API and the workbook import report. Field validators are scheming
validators (they receive the schema field); `datong_catalog_defaults` and
`datong_catalog_rules` run on the whole entry before and after the field validators.
"""
from __future__ import annotations

import datetime
import json
import re
from typing import Any, Callable, Iterator

import ckan.model as model
from ckan.lib.navl.dictization_functions import StopOnError, missing
from ckanext.scheming.validation import scheming_validator

from ckanext.datong import codes, locks, names, uscc, vocabulary
from ckanext.datong import config as datong_config

__all__ = [
    "datong_required",
    "datong_max_length",
    "datong_choice",
    "datong_multiple_choice",
    "datong_flag",
    "datong_positive_integer",
    "datong_publish_date",
    "datong_resource_class",
    "datong_resource_attribute",
    "datong_resource_code",
    "datong_related_codes",
    "datong_dataset_name",
    "datong_organization_name",
    "datong_uscc",
    "datong_organization_region",
    "datong_dept_code",
    "datong_phone",
    "datong_catalog_defaults",
    "datong_catalog_rules",
]

Validator = Callable[[tuple, dict, dict, dict], None]
TIMEZONE = datetime.timezone(datetime.timedelta(hours=8))  # China Standard Time
ITEMS = "items"
FLAG_VALUES = {
    "true": "true", "1": "true", "是": "true", "yes": "true", "y": "true",
    "false": "false", "0": "false", "否": "false", "no": "false", "n": "false",
}
_LIST_SEPARATORS = re.compile(r"[,，、;；\n]+")


def field_label(field: dict[str, Any]) -> str:
    """The Chinese label of a scheming field."""
    label = field.get("label") or field["field_name"]
    return label.get("zh_Hans_CN", field["field_name"]) if isinstance(label, dict) else label


def _empty(value: Any) -> bool:
    return value is missing or value is None or value == "" or value == []


def _add_error(errors: dict, key: tuple, message: str) -> None:
    errors.setdefault(key, [])
    if message not in errors[key]:
        errors[key].append(message)


# --------------------------------------------------------------------------- field validators


@scheming_validator
def datong_required(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """Refuse an empty value: 「信息资源名称」为必填项."""
    message = f"「{field_label(field)}」为必填项"

    def validator(key: tuple, data: dict, errors: dict, context: dict) -> None:
        value = data.get(key)
        if isinstance(value, str):
            value = value.strip()
            data[key] = value
        if _empty(value):
            _add_error(errors, key, message)
            raise StopOnError
        if isinstance(value, (list, dict)) and "vocabulary" not in field:
            _add_error(errors, key, f"「{field_label(field)}」应为文本")
            raise StopOnError

    return validator


@scheming_validator
def datong_max_length(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """Refuse a text longer than the field's `max_length` characters."""
    limit = int(field["max_length"])
    label = field_label(field)

    def validator(key: tuple, data: dict, errors: dict, context: dict) -> None:
        value = data.get(key)
        if isinstance(value, str) and len(value) > limit:
            _add_error(errors, key, f"「{label}」不能超过{limit}个字符（现为{len(value)}个）")

    return validator


@scheming_validator
def datong_choice(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """Accept one value of the field's vocabulary (or static choices); empty stays empty."""
    label = field_label(field)

    def validator(key: tuple, data: dict, errors: dict, context: dict) -> None:
        value = data.get(key)
        if _empty(value):
            data[key] = ""
            return
        allowed = _allowed_values(field)
        value = str(value).strip()
        if value not in allowed:
            _add_error(errors, key, f"「{label}」的取值“{value}”无效，可选：{'、'.join(allowed)}")
            raise StopOnError
        data[key] = value

    return validator


def _allowed_values(field: dict[str, Any]) -> tuple[str, ...]:
    if "vocabulary" in field:
        return vocabulary.values(field["vocabulary"])
    return tuple(choice["value"] for choice in field.get("choices") or [])


def _as_list(value: Any) -> list[str] | None:
    """A list from a list, a JSON list or a separated string (, ， 、 ; newline); None if neither."""
    if _empty(value):
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                return None
        else:
            return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int)) for v in value):
        return [str(v).strip() for v in value if str(v).strip()]
    return None


@scheming_validator
def datong_multiple_choice(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """Accept values of the field's vocabulary (list, JSON list or 、-separated text);
    store them as a JSON list in vocabulary order."""
    label = field_label(field)

    def validator(key: tuple, data: dict, errors: dict, context: dict) -> None:
        chosen = _as_list(data.get(key))
        allowed = _allowed_values(field)
        if chosen is None:
            _add_error(errors, key, f"「{label}」应为取值列表")
            raise StopOnError
        wrong = [value for value in chosen if value not in allowed]
        if wrong:
            _add_error(errors, key, f"「{label}」的取值“{'、'.join(wrong)}”无效，可选：{'、'.join(allowed)}")
            raise StopOnError
        data[key] = json.dumps([value for value in allowed if value in chosen], ensure_ascii=False)

    return validator


@scheming_validator
def datong_flag(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """A yes/no flag stored as "true"/"false"; accepts booleans, 是/否, 1/0, yes/no."""
    label = field_label(field)

    def validator(key: tuple, data: dict, errors: dict, context: dict) -> None:
        value = data.get(key)
        if _empty(value):
            data[key] = "false"
            return
        normalized = FLAG_VALUES.get(str(value).strip().lower())
        if normalized is None:
            _add_error(errors, key, f"「{label}」只能填“是”或“否”（现为“{value}”）")
            raise StopOnError
        data[key] = normalized

    return validator


@scheming_validator
def datong_positive_integer(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """An optional whole number from 1 to 1,000,000."""
    label = field_label(field)

    def validator(key: tuple, data: dict, errors: dict, context: dict) -> None:
        value = data.get(key)
        if _empty(value):
            data[key] = ""
            return
        text = str(value).strip()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
            _add_error(errors, key, f"「{label}」应为1至1000000之间的整数（现为“{value}”）")
            raise StopOnError
        data[key] = str(int(text))

    return validator


@scheming_validator
def datong_publish_date(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """A real calendar date written YYYY-MM-DD, not after today (China Standard Time)."""
    label = field_label(field)

    def validator(key: tuple, data: dict, errors: dict, context: dict) -> None:
        value = data.get(key)
        if _empty(value):
            data[key] = ""
            return
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            day = value
        else:
            text = str(value).strip()
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                _add_error(errors, key, f"「{label}」应写作YYYY-MM-DD，例如 2025-03-01（现为“{value}”）")
                raise StopOnError
            try:
                day = datetime.date.fromisoformat(text)
            except ValueError:
                _add_error(errors, key, f"「{label}」“{text}”不是真实存在的日期")
                raise StopOnError
        today = datetime.datetime.now(TIMEZONE).date()
        if day > today:
            _add_error(errors, key, f"「{label}」不能晚于今天（{today.isoformat()}）")
            raise StopOnError
        data[key] = day.isoformat()

    return validator


@scheming_validator
def datong_resource_class(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """A class path 类+项+目(+细目) whose 类 and 项 exist in the classification."""
    label = field_label(field)

    def validator(key: tuple, data: dict, errors: dict, context: dict) -> None:
        value = str(data.get(key)).strip()
        problem = class_path_problem(value)
        if problem:
            _add_error(errors, key, f"「{label}」{problem}")
            raise StopOnError
        data[key] = value

    return validator


def class_path_problem(value: str) -> str | None:
    """Why `value` is not a class path, in Chinese; None when it is one."""
    if not codes.CLASS_PATH.fullmatch(value):
        return f"应为1位类（1至3）+2位项+3位目，可加2至3位细目，例如 201003（现为“{value}”）"
    if vocabulary.class_item_label(value[0], value[1:3]) is None:
        attribute = vocabulary.class_attribute(value[0])
        return f"中的项“{value[1:3]}”不属于{attribute}类"
    return None


@scheming_validator
def datong_resource_attribute(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """资源属性 follows the first digit of 信息资源分类; whatever was sent is replaced."""

    def validator(key: tuple, data: dict, errors: dict, context: dict) -> None:
        class_path = str(data.get(key[:-1] + ("resource_class",)) or "").strip()
        data[key] = vocabulary.class_attribute(class_path[:1]) or "" if class_path else ""

    return validator


@scheming_validator
def datong_resource_code(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """A unique 信息资源代码 matching the configured pattern and the entry's class path;
    generated from the class path and the provider when left empty."""
    label = field_label(field)

    def validator(key: tuple, data: dict, errors: dict, context: dict) -> None:
        value = data.get(key)
        class_path = str(data.get(key[:-1] + ("resource_class",)) or "").strip()
        package_id = _package_id(data, context)
        if _empty(value):
            if package_id and (stored := _stored_extra(package_id, "resource_code")):
                data[key] = stored  # an entry keeps its code
                return
            if not class_path or class_path_problem(class_path):
                return  # the class path's own error is reported; nothing to build from
            data[key] = _generated_code(class_path, data.get(key[:-1] + ("owner_org",)), label,
                                        key, errors)
            return
        code = str(value).strip()
        if not datong_config.catalog_code_pattern().fullmatch(code):
            _add_error(errors, key, f"「{label}」“{code}”格式不正确，应为前段码/后段码，例如 201003/14020001300042")
            raise StopOnError
        if class_path and "/" in code and code.split("/", 1)[0] != class_path:
            _add_error(errors, key, f"「{label}」的前段码“{code.split('/', 1)[0]}”与信息资源分类“{class_path}”不一致")
            raise StopOnError
        if codes.code_in_use(code, package_id):
            _add_error(errors, key, f"「{label}」“{code}”已被其他信息资源使用")
            raise StopOnError
        data[key] = code

    return validator


def _generated_code(class_path: str, owner: Any, label: str, key: tuple, errors: dict) -> Any:
    org = model.Group.get(str(owner)) if not _empty(owner) else None
    if org is None:
        return missing  # owner_org reports its own error
    region, dept = org.extras.get("region_code", ""), org.extras.get("dept_code", "")
    if not (re.fullmatch(r"\d{6}", region) and re.fullmatch(r"\d{3}", dept)):
        _add_error(errors, key, f"提供方“{org.title}”未设置行政区划代码或部门编号，无法自动生成「{label}」，"
                                "请填写代码或先完善提供方信息")
        return missing
    try:
        return codes.next_code(class_path, codes.provider_prefix(region, dept))
    except OverflowError:
        _add_error(errors, key, f"提供方“{org.title}”的信息资源顺序号已用尽，无法自动生成「{label}」")
        return missing


def _package_id(data: dict, context: dict) -> str | None:
    package = context.get("package")
    if package is not None:
        return package.id
    value = data.get(("id",))
    if _empty(value):
        return None
    found = model.Package.get(str(value))
    return found.id if found else None


def _stored_extra(package_id: str, key: str) -> str | None:
    package = model.Package.get(package_id)
    return package.extras.get(key) if package else None


@scheming_validator
def datong_related_codes(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """A list of 信息资源代码 (list or comma-separated text), stored as a JSON list."""
    label = field_label(field)

    def validator(key: tuple, data: dict, errors: dict, context: dict) -> None:
        listed = _as_list(data.get(key))
        if listed is None:
            _add_error(errors, key, f"「{label}」应为代码列表")
            raise StopOnError
        pattern = datong_config.catalog_code_pattern()
        wrong = [code for code in listed if not pattern.fullmatch(code)]
        if wrong:
            _add_error(errors, key, f"「{label}」中的“{'、'.join(wrong)}”不是有效的信息资源代码")
            raise StopOnError
        data[key] = json.dumps(list(dict.fromkeys(listed)), ensure_ascii=False)

    return validator


def _url_name(stored: Callable[[dict, dict], Any], taken: Callable[[str], bool],
              fallback: str) -> Validator:
    """A validator that keeps a given URL name, else the stored object's, else makes a
    unique one from the title's pinyin. Creates with the same title in concurrent
    transactions (two harvest fetch consumers) take turns on the name, so the second
    sees the first's and takes the next suffix."""

    def validator(key: tuple, data: dict, errors: dict, context: dict) -> None:
        if not _empty(data.get(key)):
            return
        existing = stored(data, context)
        if existing is not None:
            data[key] = existing.name
            return
        base = names.slug(str(data.get(("title",)) or ""), fallback=fallback)
        locks.transaction_lock(f"datong-url-name:{fallback}:{base}")
        data[key] = names.unique(base, taken)

    return validator


def _stored_package(data: dict, context: dict) -> model.Package | None:
    package_id = _package_id(data, context)
    return model.Package.get(package_id) if package_id else None


def _stored_group(data: dict, context: dict) -> model.Group | None:
    group = context.get("group")
    if group is None and not _empty(data.get(("id",))):
        group = model.Group.get(str(data[("id",)]))
    return group


@scheming_validator
def datong_dataset_name(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """Keep a given URL name; otherwise keep the stored one, or make one from the title's pinyin."""
    return _url_name(_stored_package, lambda name: model.Package.get(name) is not None, "dataset")


@scheming_validator
def datong_organization_name(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """Keep a given URL name; otherwise keep the stored one, or make one from the title's pinyin."""
    return _url_name(_stored_group, lambda name: model.Group.get(name) is not None, "organization")


@scheming_validator
def datong_uscc(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """A 统一社会信用代码 valid under GB 32100 (check characters included)."""
    label = field_label(field)

    def validator(key: tuple, data: dict, errors: dict, context: dict) -> None:
        code = str(data.get(key)).strip().upper()
        problem = uscc.problem(code)
        if problem:
            _add_error(errors, key, f"「{label}」“{code}”无效：{problem}")
            raise StopOnError
        data[key] = code

    return validator


@scheming_validator
def datong_organization_region(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """A GB/T 2260 code of Datong or one of its counties (not a spatial-scope-only value)."""
    label = field_label(field)

    def validator(key: tuple, data: dict, errors: dict, context: dict) -> None:
        value = str(data.get(key)).strip()
        term = vocabulary.term("regions", value)
        if term is None or term.get("scope_only"):
            allowed = [t.value for t in vocabulary.terms("regions") if not t.get("scope_only")]
            _add_error(errors, key, f"「{label}」“{value}”无效，可选：{'、'.join(allowed)}")
            raise StopOnError
        data[key] = value

    return validator


@scheming_validator
def datong_dept_code(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """Three digits, unique among the organizations of the same 行政区划代码."""
    label = field_label(field)

    def validator(key: tuple, data: dict, errors: dict, context: dict) -> None:
        value = str(data.get(key)).strip()
        if not re.fullmatch(r"\d{3}", value):
            _add_error(errors, key, f"「{label}」应为3位数字（现为“{value}”）")
            raise StopOnError
        region = str(data.get(key[:-1] + ("region_code",)) or "").strip()
        own_id = context["group"].id if context.get("group") is not None else None
        for other in _organizations_with(("dept_code", value), ("region_code", region)):
            if other.id != own_id:
                _add_error(errors, key, f"「{label}」“{value}”已被同一行政区划的“{other.title}”使用")
                raise StopOnError
        data[key] = value

    return validator


def _organizations_with(*pairs: tuple[str, str]) -> Iterator[model.Group]:
    query = model.Session.query(model.Group).filter(
        model.Group.is_organization.is_(True), model.Group.state != "deleted"
    )
    for extra_key, extra_value in pairs:
        alias = model.GroupExtra.__table__.alias()
        query = query.join(alias, alias.c.group_id == model.Group.id).filter(
            alias.c.key == extra_key, alias.c.value == extra_value, alias.c.state == "active"
        )
    return iter(query.all())


@scheming_validator
def datong_phone(field: dict[str, Any], schema: dict[str, Any]) -> Validator:
    """A telephone number: digits with optional +, -, spaces and parentheses, 7-20 characters."""
    label = field_label(field)

    def validator(key: tuple, data: dict, errors: dict, context: dict) -> None:
        value = str(data.get(key)).strip()
        if not re.fullmatch(r"[+\d][\d\- ()]{6,19}", value):
            _add_error(errors, key, f"「{label}」“{value}”不是有效的电话号码")
            raise StopOnError
        data[key] = value

    return validator


# --------------------------------------------------------------------------- whole-entry rules


def _item_indexes(data: dict) -> list[int]:
    return sorted({key[1] for key in data if len(key) == 3 and key[0] == ITEMS})


def _text(data: dict, key: tuple) -> str:
    value = data.get(key)
    return "" if _empty(value) else str(value).strip()


def _grade_rank(value: str) -> int | None:
    return vocabulary.rank("grades", value) if value in vocabulary.values("grades") else None


def datong_catalog_defaults(key: tuple, data: dict, errors: dict, context: dict) -> None:
    """Before field validation: an entry without 数据分级 takes its highest 信息项 grade (就高从严)."""
    if not _empty(data.get(("data_grade",))):
        return
    graded = [_text(data, (ITEMS, i, "item_grade")) for i in _item_indexes(data)]
    ranked = [(rank, grade) for grade in graded if (rank := _grade_rank(grade)) is not None]
    if ranked:
        data[("data_grade",)] = max(ranked)[1]


def datong_catalog_rules(key: tuple, data: dict, errors: dict, context: dict) -> None:
    """After field validation: the grading, sharing and opening rules of shared/domain.md."""
    grade = _text(data, ("data_grade",))
    share = _text(data, ("share_type",))
    opening = _text(data, ("open_type",))
    for problem_key, message in catalog_rule_problems(data, grade, share, opening):
        _add_error(errors, problem_key, message)


def catalog_rule_problems(
    data: dict, grade: str, share: str, opening: str
) -> Iterator[tuple[tuple, str]]:
    """(error key, message) for every rule the flattened entry breaks."""
    share_values, open_values = vocabulary.values("share_types"), vocabulary.values("open_types")
    if share in share_values:
        share_term = vocabulary.term("share_types", share)
        if share_term.get("condition") and not _text(data, ("share_condition",)):
            yield ("share_condition",), (
                f"共享类型为{share}时，「共享条件」必须填写{share_term.get('condition')}"
            )
    if opening == "有条件开放" and not _text(data, ("open_condition",)):
        yield ("open_condition",), "开放属性为有条件开放时，「开放条件」必须填写"
    yield from _ceiling_problems("信息资源", grade, share, opening, "数据分级", ("data_grade",),
                                 ("share_type",), ("open_type",))

    highest: tuple[int, str, str] | None = None
    for index in _item_indexes(data):
        item_name = _text(data, (ITEMS, index, "item_name")) or f"第{index + 1}个"
        item_grade = _text(data, (ITEMS, index, "item_grade"))
        item_share = _text(data, (ITEMS, index, "item_share_type"))
        item_open = _text(data, (ITEMS, index, "item_open_type"))
        where = f"信息项“{item_name}”"
        if item_share in share_values and share in share_values and share_values.index(item_share) < share_values.index(share):
            yield (ITEMS, index, "item_share_type"), f"{where}的共享属性（{item_share}）不能宽于信息资源的共享类型（{share}）"
        if item_open in open_values and opening in open_values and open_values.index(item_open) < open_values.index(opening):
            yield (ITEMS, index, "item_open_type"), f"{where}的开放属性（{item_open}）不能宽于信息资源的开放属性（{opening}）"
        yield from _ceiling_problems(
            where, item_grade, item_share or share, item_open or opening, f"{where}的分级",
            (ITEMS, index, "item_grade"), (ITEMS, index, "item_share_type"),
            (ITEMS, index, "item_open_type"),
        )
        rank = _grade_rank(item_grade)
        if rank is not None and (highest is None or rank > highest[0]):
            highest = (rank, item_grade, item_name)
    grade_rank = _grade_rank(grade)
    if highest is not None and grade_rank is not None and grade_rank < highest[0]:
        yield ("data_grade",), (
            f"「数据分级」（{grade}）低于信息项“{highest[2]}”的分级（{highest[1]}）："
            "按就高从严，数据分级只能等于或高于信息项的最高分级"
        )


def _ceiling_problems(
    subject: str, grade: str, share: str, opening: str, grade_label: str,
    grade_key: tuple, share_key: tuple, open_key: tuple,
) -> Iterator[tuple[tuple, str]]:
    """Problems of one graded thing (the entry or an item) against its grade's ceilings
    and its sharing type's opening ceiling."""
    grade_term = vocabulary.term("grades", grade) if grade else None
    if grade_term is not None and grade_term.get("catalogued") is False:
        yield grade_key, f"{grade_label}为{grade}：核心数据不得编入共享开放目录"
        return
    share_values, open_values = vocabulary.values("share_types"), vocabulary.values("open_types")
    whose = "信息资源的" if subject == "信息资源" else "其"
    ceilings = []
    if grade_term is not None:
        ceilings.append((f"{grade_label}为{grade}", grade_term))
    share_term = vocabulary.term("share_types", share) if share else None
    if share_term is not None and share_term.get("open_at_most"):
        ceilings.append((f"{subject}的共享类型为{share}", share_term))
    for reason, ceiling in ceilings:
        limit = ceiling.get("share_at_most")
        if limit and share in share_values and share_values.index(share) < share_values.index(limit):
            yield share_key, f"{reason}，{whose}共享类型不能宽于{limit}（现为{share}）"
        limit = ceiling.get("open_at_most")
        if limit and opening in open_values and open_values.index(opening) < open_values.index(limit):
            yield open_key, f"{reason}，{whose}开放属性不能宽于{limit}（现为{opening}）"
