"""Demo catalog: organizations, users and datasets from config/demo/*.yaml.

`load` creates what is missing and patches only what differs from the YAML, so a second
run changes nothing. It goes through CKAN's actions as the site user, the way any other
client would, so validation, indexing and uploads behave as in production.
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

import yaml
from werkzeug.datastructures import FileStorage

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.datong import uscc

Echo = Callable[[str], None]

DOMAINS = ("文旅", "能源", "教育", "医疗", "医保", "交通", "城管", "应急", "农业", "气象", "政务")
FREQUENCIES = ("实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "其他")
ORG_KINDS = ("市直部门", "数据主管部门", "县区", "经开区")
CAPACITIES = ("member", "editor", "admin")

# Organization fields kept as extras (a later change moves them to a scheming schema).
ORG_EXTRAS = ("short_name", "kind", "region_code", "uscc", "uscc_is_demo")
ORG_EXTRA_KEYS = {"kind": "org_kind"}  # YAML key → extra key, where they differ
DATASET_EXTRAS = {"domain": "industry_domain", "update_frequency": "update_frequency"}

_NAME = re.compile(r"[a-z0-9-]{2,100}")


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
    logins: list[Login] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in (self.organizations, self.users, self.datasets))

    def line(self) -> str:
        """One line, e.g. `demo data: 48 organizations (48 created, 0 updated, 0 unchanged), …`."""
        parts = (
            f"{counts.total} {label} ({counts})"
            for label, counts in (
                ("organizations", self.organizations),
                ("users", self.users),
                ("datasets", self.datasets),
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


def check(organizations: list[dict], users: list[dict], datasets: list[dict]) -> None:
    """Raise DemoDataError listing every entry that breaks the rules of config/demo/README.md."""
    problems: list[str] = []
    org_names = {org.get("name") for org in organizations}
    for org in organizations:
        where = f"organization {org.get('name')!r}"
        if not _NAME.fullmatch(str(org.get("name", ""))):
            problems.append(f"{where}: name must be 2-100 lowercase letters, digits or hyphens")
        if org.get("kind") not in ORG_KINDS:
            problems.append(f"{where}: kind must be one of {', '.join(ORG_KINDS)}")
        if not re.fullmatch(r"14\d{4}", str(org.get("region_code", ""))):
            problems.append(f"{where}: region_code must be a Datong GB/T 2260 code (14xxxx)")
        if not uscc.is_valid(str(org.get("uscc", ""))):
            problems.append(f"{where}: uscc {org.get('uscc')!r} is not a valid 统一社会信用代码")
        if not org.get("title") or not org.get("description"):
            problems.append(f"{where}: title and description are required")
    for user in users:
        where = f"user {user.get('name')!r}"
        if len(str(user.get("password", ""))) < 8:
            problems.append(f"{where}: password must have at least 8 characters")
        if user.get("organization") and user["organization"] not in org_names:
            problems.append(f"{where}: unknown organization {user['organization']!r}")
        if user.get("organization") and user.get("capacity") not in CAPACITIES:
            problems.append(f"{where}: capacity must be one of {', '.join(CAPACITIES)}")
    seen: set[str] = set()
    for dataset in datasets:
        name = str(dataset.get("name", ""))
        where = f"dataset {name!r}"
        if not _NAME.fullmatch(name) or name in seen:
            problems.append(f"{where}: name must be unique, 2-100 lowercase letters, digits or hyphens")
        seen.add(name)
        if not dataset.get("title") or len(dataset["title"]) > 50:
            problems.append(f"{where}: title is required, at most 50 characters")
        if not dataset.get("notes") or len(dataset["notes"]) > 256:
            problems.append(f"{where}: notes (摘要) are required, at most 256 characters")
        if dataset.get("owner_org") not in org_names:
            problems.append(f"{where}: unknown owner_org {dataset.get('owner_org')!r}")
        if dataset.get("domain") not in DOMAINS:
            problems.append(f"{where}: domain must be one of {' '.join(DOMAINS)}")
        if dataset.get("update_frequency") not in FREQUENCIES:
            problems.append(f"{where}: update_frequency must be one of {' '.join(FREQUENCIES)}")
        if not 3 <= len(dataset.get("tags") or []) <= 6:
            problems.append(f"{where}: 3-6 tags")
        resources = dataset.get("resources") or []
        if not 1 <= len(resources) <= 3:
            problems.append(f"{where}: 1-3 resources")
        for resource in resources:
            has_url, has_table = "url" in resource, "columns" in resource or "rows" in resource
            rows = resource.get("rows") or []
            if has_url == has_table:
                problems.append(f"{where}: resource {resource.get('name')!r} needs url OR columns+rows")
            elif has_table and not (
                3 <= len(rows) <= 8 and all(len(row) == len(resource.get("columns") or []) for row in rows)
            ):
                problems.append(f"{where}: resource {resource.get('name')!r} needs 3-8 rows as wide as columns")
    if problems:
        raise DemoDataError("invalid demo data:\n  " + "\n  ".join(problems))


# --------------------------------------------------------------------------- loading


def load(echo: Echo, directory: str | None = None) -> Summary:
    """Create or update the demo organizations, users and datasets; echo progress and logins."""
    directory = directory or demo_dir()
    organizations = read_yaml(directory, "organizations.yaml")
    users = read_yaml(directory, "users.yaml")
    datasets = read_yaml(directory, "datasets.yaml")
    check(organizations, users, datasets)

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]

    def context() -> dict[str, Any]:
        return {"ignore_auth": True, "user": site_user}

    summary = Summary()
    summary.organizations = load_organizations(context, organizations, echo)
    summary.users, summary.logins = load_users(context, users, echo)
    summary.datasets = load_datasets(context, datasets, echo)
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


def _extras(stored: dict[str, Any]) -> dict[str, str]:
    return {extra["key"]: extra["value"] for extra in stored.get("extras") or []}


def load_organizations(context: Callable[[], dict], organizations: list[dict], echo: Echo) -> Counts:
    """Create or patch one CKAN organization per entry; echo one line per kind."""
    counts = Counts()
    by_kind: dict[str, Counts] = {kind: Counts() for kind in ORG_KINDS}
    for org in organizations:
        extras = {
            ORG_EXTRA_KEYS.get(key, key): _text(org[key]) for key in ORG_EXTRAS if key in org
        }
        wanted = {"title": org["title"], "description": org["description"]}
        stored = _show("organization_show", context, id=org["name"], include_users=False)
        where = f"organization {org['name']}"
        if stored is None:
            _call("organization_create", context, where, name=org["name"],
                  extras=_extra_list(extras), **wanted)
            outcome = "created"
        elif (
            any(stored.get(key) != value for key, value in wanted.items())
            or _extras(stored) != extras
            or stored.get("state") != "active"
        ):
            _call("organization_patch", context, where, id=stored["id"], state="active",
                  extras=_extra_list(extras), **wanted)
            outcome = "updated"
        else:
            outcome = "unchanged"
        counts.add(outcome)
        by_kind[org["kind"]].add(outcome)
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
    """Create or patch each dataset and its resources; echo `[i/n] title (outcome)`."""
    if any("columns" in r for d in datasets for r in d["resources"]) and not tk.config.get(
        "ckan.storage_path"
    ):
        raise DemoDataError("ckan.storage_path is not set: the demo CSV files cannot be uploaded")
    counts = Counts()
    for number, dataset in enumerate(datasets, start=1):
        outcome = _load_dataset(context, dataset)
        counts.add(outcome)
        echo(f"[{number}/{len(datasets)}] {dataset['title']} ({outcome})")
    return counts


def _load_dataset(context: Callable[[], dict], dataset: dict) -> str:
    """Bring one dataset in line with its YAML entry; return created/updated/unchanged.

    package_create does not take uploads, package_update does: a new dataset is created
    bare and receives its resources in the same package_patch that repairs any drift.
    """
    name, where = dataset["name"], f"dataset {dataset['name']}"
    wanted = {
        "title": dataset["title"],
        "notes": dataset["notes"],
        "license_id": dataset["license_id"],
        "private": bool(dataset.get("private", False)),
    }
    extras = {key: dataset[field] for field, key in DATASET_EXTRAS.items()}
    tags = sorted(dataset["tags"])
    stored = _show("package_show", context, id=name)
    patch: dict[str, Any] = {}
    if stored is None:
        stored = _call("package_create", context, where, name=name, owner_org=dataset["owner_org"],
                       tags=[{"name": tag} for tag in tags], extras=_extra_list(extras), **wanted)
        outcome = "created"
    else:
        patch = {key: value for key, value in wanted.items() if stored.get(key) != value}
        if (stored.get("organization") or {}).get("name") != dataset["owner_org"]:
            patch["owner_org"] = dataset["owner_org"]
        if sorted(tag["name"] for tag in stored.get("tags") or []) != tags:
            patch["tags"] = [{"name": tag} for tag in tags]
        if {key: _extras(stored).get(key) for key in extras} != extras:
            patch["extras"] = _extra_list({**_extras(stored), **extras})
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
            filename = f"{dataset['name']}{'' if tables == 1 else f'-{tables}'}.csv"
            data["upload"] = FileStorage(io.BytesIO(upload), filename, content_type="text/csv")
            data["url"] = filename
        elif current is not None and current.get("url_type") == "upload":
            data["clear_upload"] = True
            data["url_type"] = ""
        result.append(data)
    return result if changed else None


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


def _text(value: Any) -> str:
    """YAML scalar as text: booleans lowercase, dates ISO, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def _extra_list(extras: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in sorted(extras.items())]
