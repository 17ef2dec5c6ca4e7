"""Demo catalog: organizations, users, catalog entries, application scenarios (依场景授权) and
use cases (典型案例) from config/demo/*.yaml.

`load` creates what is missing and patches only what differs from the YAML, so a second
run changes nothing. It goes through CKAN's actions as the site user, the way any other
client would, so the schema's validators, indexing and uploads behave as in production.
Organization and catalog fields are the scheming fields of schemas/organization.yaml and
schemas/dataset.yaml: which fields exist, which are required or lists, their vocabularies,
信息项 subfields and flags and length limits are read from those schemas.

Besides the YAML entries, one entry is built here (`elderly_care_entry`): a roster of 60 rows,
too long for an inline YAML table, whose CSV is loaded into the DataStore (resources marked
`datastore: true` are loaded synchronously by ckanext.datong.loader, without a job worker).
"""
from __future__ import annotations

import csv
import dataclasses
import datetime
import hashlib
import io
import os
import re
from typing import Any, Callable, Iterable

import sqlalchemy as sa
import yaml
from werkzeug.datastructures import FileStorage

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.datong import codes, licences, loader, schema_fields, uscc, vocabulary
from ckanext.datong.model import Registration
from ckanext.datong.schema_fields import ITEMS

Echo = Callable[[str], None]

_TEXT_KINDS: tuple[schema_fields.Kind, ...] = ("text", "choice", "flag", "integer", "date", "license")
_LIST_KINDS: tuple[schema_fields.Kind, ...] = ("multiple", "codes")
_CHOICE_KINDS: tuple[schema_fields.Kind, ...] = ("choice", "multiple")  # from their vocabulary

# The demo folder's own rules (config/demo/README.md), not the catalog's, so not in the schemas.
# Every demo organization and entry is a complete example: these fields, optional in the
# schemas, are required here (owner_org is required by CKAN itself; the 信息资源代码 is given,
# not generated, because an entry without `name` is found again by it).
ORG_ALSO_REQUIRED = ("uscc_is_demo", "contact_name", "contact_phone", "contact_email", "description")
DATASET_ALSO_REQUIRED = ("owner_org", "resource_code", "share_method", "publish_date", "modality",
                         "data_volume", "license_id", "tags", "resources")
# An entry's keys besides its scheming fields: the URL name (optional), its tags as a list
# (the schema has tag_string) and its resources (example links or inline tables).
DATASET_OTHER_KEYS = ("name", "tags", "resources")
CAPACITIES = ("member", "editor", "admin")  # CKAN's organization roles
# Licences the demo gives its entries (schemas/licenses.json, ckanext.datong.licences).
OPEN_LICENCES = (licences.OPEN_AGREEMENT, "cc-by")  # 无条件开放 entries
CLOSED_LICENCE = licences.USE_AGREEMENT  # 有条件开放 and 不予开放 entries

_NAME = re.compile(r"[a-z0-9-]{2,100}")
_CODE = re.compile(codes.CLASS_PATH.pattern + r"/\d{14}")  # the 1272 shape the loader numbers


class DemoDataError(Exception):
    """The demo YAML is missing or inconsistent, or CKAN refused an entry."""


@dataclasses.dataclass
class Counts:
    """Outcome of loading one kind of entity."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclasses.dataclass(frozen=True)
class Login:
    """A demo account, as printed for reviewers."""

    name: str
    role: str
    password: str


@dataclasses.dataclass
class Summary:
    """What `load` did."""

    organizations: Counts = dataclasses.field(default_factory=Counts)
    users: Counts = dataclasses.field(default_factory=Counts)
    datasets: Counts = dataclasses.field(default_factory=Counts)
    scenarios: Counts = dataclasses.field(default_factory=Counts)
    use_cases: Counts = dataclasses.field(default_factory=Counts)
    registrations: Counts = dataclasses.field(default_factory=Counts)
    logins: list[Login] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated
                   for c in (self.organizations, self.users, self.datasets, self.scenarios,
                             self.use_cases, self.registrations))

    def line(self) -> str:
        """One line, e.g. `demo data: 48 organizations (48 created, 0 updated, 0 unchanged), …`."""
        parts = (
            f"{counts.total} {label} ({counts})"
            for label, counts in (
                ("organizations", self.organizations),
                ("users", self.users),
                ("datasets", self.datasets),
                ("scenarios", self.scenarios),
                ("use cases", self.use_cases),
                ("registrations", self.registrations),
            )
        )
        return "demo data: " + ", ".join(parts)

    def logins_table(self) -> str:
        """The demo logins as an aligned text table (user, role, password)."""
        rows = [("user", "role", "password")] + [(x.name, x.role, x.password) for x in self.logins]
        widths = [max(_width(row[i]) for row in rows) for i in range(3)]
        return "\n".join(
            "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip()
            for row in rows
        )


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


# --------------------------------------------------------------------------- schema


@dataclasses.dataclass(frozen=True)
class Fields:
    """Scheming fields a demo entry sets, with what the schema declares of them."""

    kinds: dict[str, schema_fields.Kind]  # field name → kind, in schema order
    labels: dict[str, str]
    required: tuple[str, ...]
    vocabularies: dict[str, str]  # field name → vocabulary of schemas/vocabularies.yaml
    max_lengths: dict[str, int]

    @classmethod
    def of(cls, fields: Iterable[dict[str, Any]]) -> Fields:
        fields = list(fields)
        return cls(
            kinds={f["field_name"]: schema_fields.kind(f) for f in fields},
            labels={f["field_name"]: schema_fields.label(f) for f in fields},
            required=tuple(f["field_name"] for f in fields if f.get("required")),
            vocabularies={f["field_name"]: f["vocabulary"] for f in fields if f.get("vocabulary")},
            max_lengths={f["field_name"]: n for f in fields if (n := schema_fields.max_length(f))},
        )

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.kinds)

    def of_kind(self, *kinds: schema_fields.Kind) -> tuple[str, ...]:
        return tuple(name for name, kind in self.kinds.items() if kind in kinds)

    @property
    def text(self) -> tuple[str, ...]:
        """The fields stored as text."""
        return self.of_kind(*_TEXT_KINDS)

    @property
    def lists(self) -> tuple[str, ...]:
        """The fields stored as lists (multiple choices, related codes)."""
        return self.of_kind(*_LIST_KINDS)


def organization_fields() -> Fields:
    """The fields of schemas/organization.yaml but the URL name (checked on its own) and the
    logo (the demo has none)."""
    return Fields.of(f for f in schema_fields.organization_fields()
                     if f["field_name"] not in ("name", "image_url"))


def dataset_fields() -> Fields:
    """The fields of schemas/dataset.yaml but the URL name (optional: CKAN makes it from the
    title's pinyin), derived ones (the validators compute them) and tag_string (see `tags`)."""
    return Fields.of(f for f in schema_fields.dataset_fields()
                     if f["field_name"] != "name" and schema_fields.kind(f) not in ("derived", "tags"))


def item_fields() -> Fields:
    """The subfields of 信息项 in schemas/dataset.yaml."""
    items = next(f for f in schema_fields.dataset_fields() if f["field_name"] == ITEMS)
    return Fields.of(items["repeating_subfields"])


# --------------------------------------------------------------------------- reading


def demo_dir() -> str:
    """config/demo/, beside the CKAN ini file that is loaded."""
    ini = tk.config.get("__file__")
    if not ini:
        raise DemoDataError("no CKAN ini file is loaded: cannot locate the demo/ folder beside it")
    return os.path.join(os.path.dirname(os.path.abspath(ini)), "demo")


def read_yaml(directory: str, filename: str) -> list[dict[str, Any]]:
    """The list under the file's top-level key of the same name (organizations.yaml → organizations)."""
    path = os.path.join(directory, filename)
    if not os.path.isfile(path):
        raise DemoDataError(f"demo data file missing: {path}")
    with open(path, encoding="utf-8") as stream:
        data = yaml.load(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    key = filename.rsplit(".", 1)[0]
    entries = data.get(key) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise DemoDataError(f"{path}: expected a top-level '{key}:' list")
    return entries


def read_datasets(directory: str) -> list[dict[str, Any]]:
    """The demo catalog entries: those of datasets.yaml, then the ones built here."""
    return read_yaml(directory, "datasets.yaml") + [elderly_care_entry()]


def table_columns(dataset: dict[str, Any]) -> list[str]:
    """The columns of the entry's inline tables, each once, in order."""
    columns = (str(column) for r in dataset.get("resources") or [] for column in r.get("columns") or [])
    return list(dict.fromkeys(columns))


def check(organizations: list[dict], users: list[dict], datasets: list[dict]) -> None:
    """Raise DemoDataError listing every entry that breaks the rules of config/demo/README.md.

    Each field is checked against the schemas (required, vocabulary, length), and the demo
    folder's own rules on top (complete entries, consistent codes, tables that match their
    信息项); the catalog rules between fields remain the schema validators' job.
    """
    problems: list[str] = []
    problems += _organization_problems(organizations)
    org_names = {org.get("name") for org in organizations}
    for user in users:
        where = f"user {user.get('name')!r}"
        if len(str(user.get("password", ""))) < 8:
            problems.append(f"{where}: password must have at least 8 characters")
        if user.get("organization") and user["organization"] not in org_names:
            problems.append(f"{where}: unknown organization {user['organization']!r}")
        if user.get("organization") and user.get("capacity") not in CAPACITIES:
            problems.append(f"{where}: capacity must be one of {', '.join(CAPACITIES)}")
    problems += _dataset_problems(datasets, {org.get("name"): org for org in organizations})
    if problems:
        raise DemoDataError("invalid demo data:\n  " + "\n  ".join(problems))


def _organization_problems(organizations: list[dict]) -> list[str]:
    problems: list[str] = []
    fields = organization_fields()
    # As datong_organization_region: an organization sits in a region, not a scope-only one.
    org_regions = [t.value for t in vocabulary.terms(fields.vocabularies["region_code"])
                   if not t.get("scope_only")]
    dept_codes: dict[tuple[str, str], str] = {}
    for org in organizations:
        where = f"organization {org.get('name')!r}"
        if not _NAME.fullmatch(str(org.get("name", ""))):
            problems.append(f"{where}: name must be 2-100 lowercase letters, digits or hyphens")
        problems += _field_problems(where, org, fields, ORG_ALSO_REQUIRED, other_keys=("name",))
        if str(org.get("region_code")) not in org_regions:
            problems.append(f"{where}: region_code must be one of {', '.join(org_regions)}")
        if not uscc.is_valid(str(org.get("uscc", ""))):
            problems.append(f"{where}: uscc {org.get('uscc')!r} is not a valid 统一社会信用代码")
        dept = str(org.get("dept_code", ""))
        if not re.fullmatch(r"\d{3}", dept):
            problems.append(f"{where}: dept_code must be 3 digits")
        elif (other := dept_codes.setdefault((str(org.get("region_code")), dept), where)) != where:
            problems.append(f"{where}: dept_code {dept} already used in its region by {other}")
    return problems


def _dataset_problems(datasets: list[dict], organizations: dict[str, dict]) -> list[str]:
    problems: list[str] = []
    fields, items = dataset_fields(), item_fields()
    names: set[str] = set()
    all_codes = {str(d.get("resource_code")) for d in datasets}
    seen_codes: set[str] = set()
    for dataset in datasets:
        name, code = dataset.get("name"), str(dataset.get("resource_code", ""))
        where = f"dataset {name or dataset.get('title')!r}"
        if name is not None and (not _NAME.fullmatch(str(name)) or name in names):
            problems.append(f"{where}: name must be unique, 2-100 lowercase letters, digits or hyphens")
        names.add(str(name))
        problems += _field_problems(where, dataset, fields, DATASET_ALSO_REQUIRED, DATASET_OTHER_KEYS)
        owner = organizations.get(dataset.get("owner_org"))
        if owner is None:
            problems.append(f"{where}: unknown owner_org {dataset.get('owner_org')!r}")
        if not _CODE.fullmatch(code) or code in seen_codes:
            problems.append(f"{where}: resource_code must be a unique code like 201003/14020001300042")
        elif code.split("/")[0] != str(dataset.get("resource_class")):
            problems.append(f"{where}: resource_code must start with resource_class")
        elif owner and code.split("/")[1][:9] != f"{owner.get('region_code')}{owner.get('dept_code')}":
            problems.append(f"{where}: resource_code must continue with the owner's region_code and dept_code")
        seen_codes.add(code)
        if unknown_codes := [c for c in dataset.get("related_codes") or [] if c not in all_codes - {code}]:
            problems.append(f"{where}: related_codes {', '.join(unknown_codes)} are not other demo entries")
        open_type = dataset.get("open_type")
        licences = OPEN_LICENCES if open_type == "无条件开放" else (CLOSED_LICENCE,)
        if dataset.get("license_id") not in licences:
            problems.append(f"{where}: license_id must be one of {', '.join(licences)} for {open_type}")
        if not 3 <= len(dataset.get("tags") or []) <= 6:
            problems.append(f"{where}: 3-6 tags")
        problems += _item_problems(where, dataset, items)
        problems += _resource_problems(where, dataset.get("resources") or [])
    return problems


def _item_problems(where: str, dataset: dict, fields: Fields) -> list[str]:
    problems: list[str] = []
    items = dataset.get(ITEMS) or []
    columns = table_columns(dataset)
    if columns and [str(item.get("item_name")) for item in items] != columns:
        problems.append(f"{where}: items must list the table columns in order: {', '.join(columns)}")
    for item in items:
        problems += _field_problems(f"{where}: item {item.get('item_name')!r}", item, fields)
    return problems


def _field_problems(where: str, entry: dict, fields: Fields, also_required: Iterable[str] = (),
                    other_keys: Iterable[str] = ()) -> list[str]:
    """What the schema refuses in the entry's fields (unknown, missing, not in the vocabulary,
    too long), and missing `also_required` keys."""
    problems: list[str] = []
    if unknown := set(entry) - {*fields.names, *other_keys}:
        problems.append(f"{where}: unknown fields {', '.join(sorted(unknown))}")
    if missing := [key for key in (*fields.required, *also_required) if _missing(entry.get(key))]:
        problems.append(f"{where}: {', '.join(missing)} required")
    for field in fields.of_kind(*_CHOICE_KINDS):
        chosen = entry.get(field)
        values = chosen if isinstance(chosen, list) else [] if _missing(chosen) else [chosen]
        allowed = vocabulary.values(fields.vocabularies[field])
        if any(_text(value) not in allowed for value in values):
            problems.append(f"{where}: {field} must be one of {', '.join(allowed)}")
    for field, limit in fields.max_lengths.items():
        if len(_text(entry.get(field))) > limit:
            problems.append(f"{where}: {field} ({fields.labels[field]}) must have at most {limit} characters")
    return problems


def _resource_problems(where: str, resources: list[dict]) -> list[str]:
    problems: list[str] = []
    if not 1 <= len(resources) <= 3:
        problems.append(f"{where}: 1-3 resources")
    for resource in resources:
        has_url, has_table = "url" in resource, "columns" in resource or "rows" in resource
        rows = resource.get("rows") or []
        most = len(rows) if resource.get("datastore") else 8  # DataStore tables may be longer
        if has_url == has_table:
            problems.append(f"{where}: resource {resource.get('name')!r} needs url OR columns+rows")
        elif has_table and not (
            3 <= len(rows) <= most and all(len(row) == len(resource.get("columns") or []) for row in rows)
        ):
            problems.append(f"{where}: resource {resource.get('name')!r} needs 3-8 rows "
                            "(more with datastore: true) as wide as columns")
    return problems


# --------------------------------------------------------------------------- loading


def load(echo: Echo, directory: str | None = None) -> Summary:
    """Create or update the demo organizations, users and datasets; echo progress and logins."""
    directory = directory or demo_dir()
    organizations = read_yaml(directory, "organizations.yaml")
    users = read_yaml(directory, "users.yaml")
    datasets = read_datasets(directory)
    check(organizations, users, datasets)

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]

    def context() -> dict[str, Any]:
        return {"ignore_auth": True, "user": site_user}

    summary = Summary()
    summary.organizations = load_organizations(context, organizations, echo)
    summary.users, summary.logins = load_users(context, users, echo)
    summary.datasets = load_datasets(context, datasets, echo)
    summary.scenarios = load_scenarios(context, read_yaml(directory, "scenarios.yaml"), echo)
    summary.use_cases = load_use_cases(context, read_yaml(directory, "use_cases.yaml"), echo)
    summary.registrations = load_registrations(read_yaml(directory, "registrations.yaml"), echo)
    echo("demo logins (演示账号，仅供演示):")
    for line in summary.logins_table().splitlines():
        echo("  " + line)
    return summary


def _call(action: str, context: Callable[[], dict], where: str, **data: Any) -> dict[str, Any]:
    """Call a CKAN action; name the demo entry when CKAN refuses it."""
    try:
        return tk.get_action(action)(context(), data)
    except tk.ValidationError as error:
        raise DemoDataError(f"{where}: {action} refused: {error.error_summary}") from error


def _show(action: str, context: Callable[[], dict], **data: Any) -> dict[str, Any] | None:
    try:
        return tk.get_action(action)(context(), data)
    except tk.ObjectNotFound:
        return None


def load_organizations(context: Callable[[], dict], organizations: list[dict], echo: Echo) -> Counts:
    """Create or patch one CKAN organization per entry; echo one line per kind."""
    counts = Counts()
    fields = organization_fields()
    kinds = vocabulary.values(fields.vocabularies["org_kind"])
    by_kind: dict[str, Counts] = {kind: Counts() for kind in kinds}
    for org in organizations:
        wanted = {field: _text(org[field]) for field in fields.names if field in org}
        stored = _show("organization_show", context, id=org["name"], include_users=False,
                       include_datasets=False)
        where = f"organization {org['name']}"
        if stored is None:
            _call("organization_create", context, where, name=org["name"], **wanted)
            outcome = "created"
        elif (
            any(_text(stored.get(key)) != value for key, value in wanted.items())
            or stored.get("state") != "active"
        ):
            _call("organization_patch", context, where, id=stored["id"], state="active", **wanted)
            outcome = "updated"
        else:
            outcome = "unchanged"
        counts.add(outcome)
        by_kind[org["org_kind"]].add(outcome)
    for kind, kind_counts in by_kind.items():
        if kind_counts.total:
            echo(f"organizations {kind}: {kind_counts.total} ({kind_counts})")
    return counts


def load_users(
    context: Callable[[], dict], users: list[dict], echo: Echo
) -> tuple[Counts, list[Login]]:
    """Create or patch the demo users, their password and their organization membership."""
    counts = Counts()
    logins: list[Login] = []
    for user in users:
        name, where = user["name"], f"user {user['name']}"
        wanted = {
            "fullname": user["fullname"],
            "email": user["email"],
            "about": f"演示账号：{user['role']}",
            "sysadmin": bool(user.get("sysadmin", False)),
        }
        stored = _show("user_show", context, id=name)
        if stored is None:
            _call("user_create", context, where, name=name, password=user["password"], **wanted)
            outcome = "created"
        else:
            patch = {key: value for key, value in wanted.items() if stored.get(key) != value}
            user_obj = model.User.get(name)
            if stored.get("state") != "active":
                patch["state"] = "active"
            if user_obj is None or not user_obj.validate_password(user["password"]):
                patch["password"] = user["password"]
            if patch:
                _call("user_patch", context, where, id=stored["id"], **patch)
            outcome = "updated" if patch else "unchanged"
        if user.get("organization") and _ensure_member(context, user, where):
            outcome = "updated" if outcome == "unchanged" else outcome
        counts.add(outcome)
        logins.append(Login(name, user["role"], user["password"]))
        echo(f"user {name} ({user['role']}): {outcome}")
    return counts, logins


def _ensure_member(context: Callable[[], dict], user: dict, where: str) -> bool:
    """Give the user the YAML capacity in the YAML organization; True when that changed anything."""
    # organization_show, not member_list: member_list translates the capacity into the locale.
    org = tk.get_action("organization_show")(
        context(), {"id": user["organization"], "include_users": True, "include_datasets": False}
    )
    if any(m["name"] == user["name"] and m["capacity"] == user["capacity"] for m in org["users"]):
        return False
    _call("organization_member_create", context, where, id=user["organization"],
          username=user["name"], role=user["capacity"])
    return True


def load_datasets(context: Callable[[], dict], datasets: list[dict], echo: Echo) -> Counts:
    """Create or patch each catalog entry and its resources and load its DataStore tables;
    echo `[i/n] title (outcome)` and a line per table loaded."""
    if any("columns" in r for d in datasets for r in d["resources"]) and not tk.config.get(
        "ckan.storage_path"
    ):
        raise DemoDataError("ckan.storage_path is not set: the demo CSV files cannot be uploaded")
    counts = Counts()
    for number, dataset in enumerate(datasets, start=1):
        outcome = _load_dataset(context, dataset)
        tables = _load_tables(context, dataset)
        if tables and outcome == "unchanged":
            outcome = "updated"
        counts.add(outcome)
        echo(f"[{number}/{len(datasets)}] {dataset['title']} ({outcome})")
        for name, message in tables:
            echo(f"  datastore table {name}: {message}")
    return counts


def load_scenarios(context: Callable[[], dict], scenarios: list[dict], echo: Echo) -> Counts:
    """Create each application scenario, or update the one of the same name when it differs."""
    counts = Counts()
    existing = {s["name"]: s for s in tk.get_action("datong_scenario_list")(context(), {})}
    for scenario in scenarios:
        wanted = dict(scenario, coverage=[
            dict(entry, package_id=_call("package_show", context, scenario["name"],
                                         id=entry["package_id"])["id"])
            for entry in scenario["coverage"]])
        stored = existing.get(scenario["name"])
        if stored is None:
            _call("datong_scenario_create", context, scenario["name"], **wanted)
            outcome = "created"
        elif _scenario_differs(stored, wanted):
            _call("datong_scenario_update", context, scenario["name"], id=stored["id"], **wanted)
            outcome = "updated"
        else:
            outcome = "unchanged"
        counts.add(outcome)
        echo(f"scenario {scenario['name']} ({outcome})")
    return counts


def load_use_cases(context: Callable[[], dict], use_cases: list[dict], echo: Echo) -> Counts:
    """Create each use case (典型案例), or update the one of the same title when it differs."""
    counts = Counts()
    existing = {c["title"]: c for c in tk.get_action("datong_use_case_list")(context(), {})}
    for case in use_cases:
        where = f"use case {case['title']}"
        wanted = {
            "title": case["title"], "summary": case["summary"], "domain": case["domain"],
            "organization_id": _call("organization_show", context, where, id=case["organization"],
                                     include_users=False, include_datasets=False)["id"]
            if case.get("organization") else None,
            "package_ids": [_call("package_show", context, where, id=name)["id"]
                            for name in case.get("entries") or []],
            "link_url": case.get("link_url") or "", "published": case.get("published")}
        stored = existing.get(case["title"])
        if stored is None:
            _call("datong_use_case_create", context, where, **wanted)
            outcome = "created"
        elif _use_case_differs(stored, wanted):
            _call("datong_use_case_update", context, where, id=stored["id"], **wanted)
            outcome = "updated"
        else:
            outcome = "unchanged"
        counts.add(outcome)
        echo(f"use case {case['title']} ({outcome})")
    return counts


def load_registrations(registrations: list[dict], echo: Echo) -> Counts:
    """Take each demo registration through the workflow as its applicant and reviewer, up to
    公示 or 赋码, unless a registration of that name already exists (then it is left as it is:
    the registry is append-only)."""
    counts = Counts()
    for wanted in registrations:
        where = f"registration {wanted['name']}"
        present = model.Session.query(Registration.id).filter(
            Registration.content["name"].astext == wanted["name"]).first()
        if present:
            counts.add("unchanged")
            echo(f"{where} (unchanged)")
            continue
        applicant = lambda: {"user": wanted["applicant"]}  # noqa: E731
        reviewer = lambda: {"user": wanted["reviewer"]}  # noqa: E731
        content = {key: value for key, value in wanted.items()
                   if key not in ("package", "applicant", "reviewer", "until")}
        record = _call("datong_registration_create", applicant, where,
                       package_id=wanted["package"], **content)
        _call("datong_registration_accept", reviewer, where, id=record["id"], outcome="accept")
        _call("datong_registration_review", reviewer, where, id=record["id"], outcome="pass")
        if wanted["until"] == "issued":
            # the demo does not wait for the objection period: its last day becomes yesterday
            model.Session.execute(sa.text(
                "UPDATE datong_registration SET notice_until = current_date - 1 WHERE id = :id"),
                {"id": record["id"]})
            model.Session.commit()
            _call("datong_registration_issue", reviewer, where, id=record["id"])
        counts.add("created")
        echo(f"{where} (created)")
    return counts


def _use_case_differs(stored: dict, wanted: dict) -> bool:
    return ([e["id"] for e in stored["entries"]] != wanted["package_ids"]
            or (stored["organization"] or {}).get("id") != wanted["organization_id"]
            or any(stored[key] != wanted[key] for key in ("summary", "domain", "link_url", "published")))


def _scenario_differs(stored: dict, wanted: dict) -> bool:
    coverage = [{"package_id": c["package_id"], "items": c["items"]} for c in stored["coverage"]]
    return coverage != [{"package_id": c["package_id"], "items": c.get("items")}
                        for c in wanted["coverage"]] or any(
        stored.get(key) != value for key, value in wanted.items() if key != "coverage")


def catalog_fields(dataset: dict) -> dict[str, Any]:
    """The entry's catalog fields as package_show returns them (text, lists, full 信息项)."""
    fields, items = dataset_fields(), item_fields()
    flags = items.of_kind("flag")
    values: dict[str, Any] = {field: _text(dataset.get(field)) for field in fields.text}
    values.update({field: [_text(v) for v in dataset.get(field) or []] for field in fields.lists})
    values[ITEMS] = [
        {field: (_flag if field in flags else _text)(item.get(field)) for field in items.names}
        for item in dataset.get(ITEMS) or []
    ]
    return values


def _flag(value: Any) -> str:
    return "true" if value is True or _text(value) == "true" else "false"


def _stored_fields(stored: dict) -> dict[str, Any]:
    """The same fields read back from package_show."""
    fields, items = dataset_fields(), item_fields()
    values: dict[str, Any] = {field: _text(stored.get(field)) for field in fields.text}
    values.update({field: list(stored.get(field) or []) for field in fields.lists})
    values[ITEMS] = [
        {field: _text(item.get(field)) for field in items.names} for item in stored.get(ITEMS) or []
    ]
    return values


def _same(wanted: Any, stored: Any, unordered: bool) -> bool:
    # Multiple choices come back in vocabulary order: compare them as sets.
    return sorted(wanted) == sorted(stored) if unordered else wanted == stored


def find_entry(context: Callable[[], dict], dataset: dict) -> dict[str, Any] | None:
    """The stored entry: by URL name when the YAML gives one, else by 信息资源代码."""
    if dataset.get("name"):
        return _show("package_show", context, id=dataset["name"])
    found = (
        model.Session.query(model.PackageExtra.package_id)
        .join(model.Package, model.Package.id == model.PackageExtra.package_id)
        .filter(model.PackageExtra.key == "resource_code",
                model.PackageExtra.value == str(dataset["resource_code"]))
        .order_by((model.Package.state == "active").desc())
        .first()
    )
    return _show("package_show", context, id=found[0]) if found else None


def _load_dataset(context: Callable[[], dict], dataset: dict) -> str:
    """Bring one entry in line with its YAML; return created/updated/unchanged.

    package_create does not take uploads, package_update does: a new entry is created
    bare and receives its resources in the same package_patch that repairs any drift.
    """
    where = f"dataset {dataset.get('name') or dataset['resource_code']}"
    wanted = catalog_fields(dataset)
    tags = sorted(dataset["tags"])
    stored = find_entry(context, dataset)
    patch: dict[str, Any] = {}
    if stored is None:
        named = {"name": dataset["name"]} if dataset.get("name") else {}
        stored = _call("package_create", context, where, owner_org=dataset["owner_org"],
                       tags=[{"name": tag} for tag in tags], private=False, **named, **wanted)
        outcome = "created"
    else:
        have, lists = _stored_fields(stored), dataset_fields().lists
        patch = {key: value for key, value in wanted.items() if not _same(value, have[key], key in lists)}
        if dataset.get("name") and stored["name"] != dataset["name"]:
            patch["name"] = dataset["name"]
        if (stored.get("organization") or {}).get("name") != dataset["owner_org"]:
            patch["owner_org"] = dataset["owner_org"]
        if sorted(tag["name"] for tag in stored.get("tags") or []) != tags:
            patch["tags"] = [{"name": tag} for tag in tags]
        if stored.get("private"):
            patch["private"] = False  # visibility follows the entry's 共享/开放 attributes
        if stored.get("state") != "active":
            patch["state"] = "active"
        outcome = "updated" if patch else "unchanged"
    resources = _resources(stored, dataset)
    if resources is not None:
        patch["resources"] = resources
        outcome = "updated" if outcome == "unchanged" else outcome
    if patch:
        _call("package_patch", context, where, id=stored["id"], **patch)
    return outcome


def _resources(stored: dict, dataset: dict) -> list[dict[str, Any]] | None:
    """The full resource list for package_patch, or None when the stored one already matches.

    Resources are matched by position: a matching one is passed back as stored, a differing
    one keeps its id and gets the YAML fields (and a fresh upload), surplus ones are dropped.
    """
    existing = list(stored.get("resources") or [])
    result: list[dict[str, Any]] = []
    changed = len(existing) != len(dataset["resources"])
    tables = 0
    for position, resource in enumerate(dataset["resources"]):
        fields: dict[str, Any] = {
            "name": resource["name"],
            "description": resource["description"],
            "format": resource["format"],
        }
        upload: bytes | None = None
        if "url" in resource:
            fields["url"] = resource["url"]
        else:
            tables += 1
            upload = table_csv(resource["columns"], resource["rows"])
            fields["hash"] = hashlib.sha256(upload).hexdigest()
        current = existing[position] if position < len(existing) else None
        if current is not None and _resource_matches(current, fields, is_upload=upload is not None):
            result.append(current)
            continue
        changed = True
        data = dict(fields, id=current["id"]) if current is not None else dict(fields)
        if upload is not None:
            base = stored["name"]
            filename = f"{base}{'' if tables == 1 else f'-{tables}'}.csv"
            data["upload"] = FileStorage(io.BytesIO(upload), filename, content_type="text/csv")
            data["url"] = filename
        elif current is not None and current.get("url_type") == "upload":
            data["clear_upload"] = True
            data["url_type"] = ""
        result.append(data)
    return result if changed else None


def _load_tables(context: Callable[[], dict], dataset: dict) -> list[tuple[str, str]]:
    """Load into the DataStore, synchronously, each `datastore: true` resource whose current
    file is not loaded yet; (resource name, outcome) of each one loaded."""
    positions = [n for n, resource in enumerate(dataset["resources"]) if resource.get("datastore")]
    if not positions:
        return []
    stored = find_entry(context, dataset)
    assert stored is not None  # _load_dataset has just created or updated it
    loaded: list[tuple[str, str]] = []
    for position in positions:
        resource = stored["resources"][position]
        if loader.is_loaded(resource["id"]):
            continue
        loader.load(resource["id"])
        record = loader.status(resource["id"]) or {}
        if record.get("state") != loader.LOADED:
            raise DemoDataError(f"dataset {stored['name']}: resource {resource['name']!r} could not be "
                                f"loaded into the DataStore: {record.get('message')}")
        loaded.append((resource["name"], record["message"]))
    return loaded


def _resource_matches(stored: dict, fields: dict[str, Any], is_upload: bool) -> bool:
    if is_upload != (stored.get("url_type") == "upload"):
        return False
    return all(stored.get(key) == value for key, value in fields.items())


def table_csv(columns: Iterable[Any], rows: Iterable[Iterable[Any]]) -> bytes:
    """The inline table as a UTF-8 CSV with BOM (so spreadsheet programs read the Chinese)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([_text(cell) for cell in columns])
    writer.writerows([_text(cell) for cell in row] for row in rows)
    return text.getvalue().encode("utf-8-sig")


def _missing(value: Any) -> bool:
    return value is None or value == "" or value == []


def _text(value: Any) -> str:
    """YAML scalar as text: booleans lowercase, dates ISO, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- built-in entries


# 大同市养老服务机构名录 (市民政局): six fictitious institutions per county or district, each
# (名称, 行政区划代码, 机构性质, 床位数). A code is the county's GB/T 2260 code, a 3-digit
# 乡镇/街道 number and, for community centres, a 3-digit 社区/村 number (all made up).
ELDERLY_CARE_INSTITUTIONS: dict[str, tuple[tuple[str, str, str, int], ...]] = {
    "平城区": (
        ("大同市平城区社会福利院", "140213001", "公办", 300),
        ("平城区南关街道养老服务中心", "140213002", "公建民营", 120),
        ("平城区北关街道永泰社区日间照料中心", "140213003008", "公建民营", 30),
        ("平城区新华街颐康养老院", "140213005", "民办", 180),
        ("平城区水泊寺乡敬老院", "140213200", "公办", 60),
        ("平城区向阳里街道康乐社区日间照料中心", "140213006012", "公建民营", 25),
    ),
    "云冈区": (
        ("大同市云冈区社会福利中心", "140214001", "公办", 200),
        ("云冈区新平旺街道养老服务中心", "140214002", "公建民营", 90),
        ("云冈区口泉街道同煤社区日间照料中心", "140214004007", "公建民营", 28),
        ("云冈区云冈镇敬老院", "140214100", "公办", 70),
        ("云冈区高山镇敬老院", "140214101", "公办", 50),
        ("云冈区西韩岭乡颐养院", "140214200", "民办", 110),
    ),
    "新荣区": (
        ("大同市新荣区社会福利中心", "140212100", "公办", 120),
        ("新荣区新荣镇新兴社区日间照料中心", "140212100003", "公建民营", 20),
        ("新荣区破鲁堡乡敬老院", "140212200", "公办", 40),
        ("新荣区堡子湾乡敬老院", "140212201", "公办", 36),
        ("新荣区郭家窑乡幸福院", "140212202", "公办", 30),
        ("新荣区花园屯乡康养中心", "140212203", "民办", 80),
    ),
    "云州区": (
        ("大同市云州区社会福利院", "140215100", "公办", 150),
        ("云州区西坪镇东关社区日间照料中心", "140215100005", "公建民营", 25),
        ("云州区倍加造镇敬老院", "140215101", "公办", 60),
        ("云州区周士庄镇敬老院", "140215102", "公办", 55),
        ("云州区吉家庄乡敬老院", "140215200", "公办", 40),
        ("云州区火山康养中心", "140215201", "民办", 160),
    ),
    "阳高县": (
        ("阳高县社会福利中心", "140221100", "公办", 180),
        ("阳高县龙泉镇南关社区日间照料中心", "140221100002", "公建民营", 30),
        ("阳高县罗文皂镇敬老院", "140221101", "公办", 50),
        ("阳高县大白登镇敬老院", "140221102", "公办", 45),
        ("阳高县王官屯镇敬老院", "140221103", "公办", 48),
        ("阳高县仁和养老院", "140221100", "民办", 90),
    ),
    "天镇县": (
        ("天镇县社会福利院", "140222100", "公办", 160),
        ("天镇县玉泉镇北关社区日间照料中心", "140222100004", "公建民营", 24),
        ("天镇县谷前堡镇敬老院", "140222101", "公办", 50),
        ("天镇县米薪关镇敬老院", "140222102", "公办", 42),
        ("天镇县新平堡镇敬老院", "140222103", "公办", 38),
        ("天镇县逯家湾镇颐养院", "140222104", "民办", 70),
    ),
    "广灵县": (
        ("广灵县社会福利中心", "140223100", "公办", 140),
        ("广灵县壶泉镇西关社区日间照料中心", "140223100006", "公建民营", 26),
        ("广灵县南村镇敬老院", "140223101", "公办", 46),
        ("广灵县一斗泉乡敬老院", "140223200", "公办", 32),
        ("广灵县加斗乡敬老院", "140223201", "公办", 30),
        ("广灵县壶山康养院", "140223100", "民办", 85),
    ),
    "灵丘县": (
        ("灵丘县社会福利院", "140224100", "公办", 170),
        ("灵丘县武灵镇城南社区日间照料中心", "140224100003", "公建民营", 30),
        ("灵丘县东河南镇敬老院", "140224101", "公办", 52),
        ("灵丘县上寨镇敬老院", "140224102", "公办", 48),
        ("灵丘县落水河乡敬老院", "140224200", "公办", 36),
        ("灵丘县平型关康养中心", "140224204", "民办", 100),
    ),
    "浑源县": (
        ("浑源县社会福利中心", "140225100", "公办", 190),
        ("浑源县永安镇东关社区日间照料中心", "140225100008", "公建民营", 28),
        ("浑源县西坊城镇敬老院", "140225101", "公办", 55),
        ("浑源县沙圪坨镇敬老院", "140225102", "公办", 50),
        ("浑源县王庄堡镇敬老院", "140225104", "公办", 44),
        ("浑源县恒山颐养院", "140225100", "民办", 120),
    ),
    "左云县": (
        ("左云县社会福利院", "140226100", "公办", 130),
        ("左云县云兴镇新城社区日间照料中心", "140226100002", "公建民营", 22),
        ("左云县鹊儿山镇敬老院", "140226101", "公办", 40),
        ("左云县店湾镇敬老院", "140226102", "公办", 45),
        ("左云县管家堡乡敬老院", "140226200", "公办", 30),
        ("左云县长城康养院", "140226100", "民办", 75),
    ),
}
ELDERLY_CARE_COLUMNS = ("机构名称", "行政区划代码", "所在县区", "机构性质", "床位数", "联系电话", "登记日期")


def elderly_care_rows() -> list[list[str | int]]:
    """The roster's rows; telephone numbers and registration dates are made up from the
    row's position."""
    rows: list[list[str | int]] = []
    for county_number, (county, institutions) in enumerate(ELDERLY_CARE_INSTITUTIONS.items()):
        for number, (name, code, kind, beds) in enumerate(institutions):
            serial = county_number * len(institutions) + number
            phone = f"0352-6{county_number}{number:02d}{37 * serial % 1000:03d}"
            registered = datetime.date(2008 + serial * 7 % 17, 1 + serial % 12, 1 + serial * 11 % 28)
            rows.append([name, code, county, kind, beds, phone, registered.isoformat()])
    return rows


def elderly_care_entry() -> dict[str, Any]:
    """大同市养老服务机构名录: shared on conditions, not opened, with a 属地字段 so that counties
    receive their own rows; its roster is loaded into the DataStore."""
    return {
        "name": "datong-elderly-care-institutions",
        "title": "大同市养老服务机构名录",
        "owner_org": "dt-mzj",
        "resource_code": "203021/14020000700002",
        "resource_class": "203021",
        "industry_domain": "政务",
        "theme": ["社会保障", "公共服务"],
        "catalog_format": "电子表格",
        "share_type": "有条件共享",
        "share_condition": "仅向民政、卫生健康、医保和应急管理部门及各县区人民政府提供，用于养老服务监管、"
                           "补贴核查和应急救助；县区按属地获取本辖区机构，联系电话仅用于工作联系。",
        "share_method": ["接口", "库表"],
        "open_type": "不予开放",
        "update_frequency": "每季度",
        "publish_date": "2025-09-01",
        "spatial_scope": "140200",
        "modality": ["表格"],
        "data_grade": "一般-3",
        "data_volume": f"{sum(len(i) for i in ELDERLY_CARE_INSTITUTIONS.values())}家机构",
        "region_item": "行政区划代码",
        "license_id": CLOSED_LICENCE,
        "notes": "全市养老院、敬老院、社会福利院和社区日间照料中心的名称、所在乡镇（街道）行政区划代码、"
                 "所在县区、机构性质、床位数、联系电话和登记日期，供养老服务监管和县区按属地回流使用。",
        "tags": ["养老服务", "养老机构", "敬老院", "日间照料"],
        ITEMS: [
            {"item_name": "机构名称", "data_type": "C", "length": 50},
            {"item_name": "行政区划代码", "data_type": "C", "length": 12},
            {"item_name": "所在县区", "data_type": "C", "length": 10},
            {"item_name": "机构性质", "data_type": "C", "length": 10},
            {"item_name": "床位数", "data_type": "I", "length": 6},
            {"item_name": "联系电话", "data_type": "C", "length": 20, "personal_info": True,
             "item_grade": "一般-3"},
            {"item_name": "登记日期", "data_type": "D", "length": 8},
        ],
        "resources": [{
            "name": "养老服务机构名录",
            "description": "每家机构一行：机构名称、行政区划代码（乡镇或社区级）、所在县区、机构性质、"
                           "床位数、联系电话和登记日期；已导入数据存储，可通过 DataStore API 查询。",
            "format": "CSV",
            "columns": list(ELDERLY_CARE_COLUMNS),
            "rows": elderly_care_rows(),
            "datastore": True,
        }],
    }
