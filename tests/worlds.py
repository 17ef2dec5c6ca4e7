"""Builders of the municipal worlds tests run in: departments, counties and the data authority
with their staff, API tokens, and `city`, one user in every role of the access rules."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Optional

from ckan.tests import helpers

from ckanext.datong import uscc
from tests import factories

Dict = dict[str, Any]

DATONG = "140200"
"""The region code (GB/T 2260) of the city itself."""
DEPARTMENT, COUNTY, AUTHORITY = "市直部门", "县区", "数据主管部门"
"""Organization kinds (org_kind)."""
ROLES = ("anonymous", "citizen", "county", "other_dept", "owner", "authority", "sysadmin")
"""anonymous visitor; citizen (signed in, no membership); county official (member of a 县区
organization); other department (member of another 市直部门); owning department editor;
data authority (member of the 数据主管部门 organization); sysadmin."""

_org_numbers = itertools.count(1)


def staff(editor: Optional[Dict] = None, admin: Optional[Dict] = None,
          member: Optional[Dict] = None) -> list[dict[str, str]]:
    """organization_create's `users`: each user given, in its capacity."""
    given = {"editor": editor, "admin": admin, "member": member}
    return [{"name": user["name"], "capacity": capacity} for capacity, user in given.items() if user]


def organization(creator: Dict, title: str, org_kind: str = DEPARTMENT, region_code: str = DATONG, *,
                 editor: Optional[Dict] = None, admin: Optional[Dict] = None,
                 member: Optional[Dict] = None, **fields: Any) -> Dict:
    """An organization made by `creator` through organization_create, with a GB 32100-valid
    demo 统一社会信用代码, a department number unique in the region, and its staff."""
    number = next(_org_numbers)
    return helpers.call_action(
        "organization_create", context={"user": creator["name"], "ignore_auth": False},
        title=title, org_kind=org_kind, region_code=region_code,
        uscc=uscc.make_code("1", "1", region_code, f"AC{number:06d}"), uscc_is_demo="true",
        dept_code=f"{number % 1000:03d}", users=staff(editor, admin, member), **fields)


def department(title: Optional[str] = None, *, editor: Optional[Dict] = None,
               admin: Optional[Dict] = None, member: Optional[Dict] = None, **fields: Any) -> Dict:
    """A 市直部门 of Datong by tests.factories.Organization (any field can be overridden),
    with its staff."""
    if title is not None:
        fields["title"] = title
    members = staff(editor, admin, member)
    if members:
        fields["users"] = members
    return factories.Organization(**fields)


def county(title: str, region_code: str, *, member: Optional[Dict] = None, **fields: Any) -> Dict:
    """A 县区 organization of `region_code`, with its official."""
    return department(title, org_kind=COUNTY, region_code=region_code, member=member, **fields)


def authority(title: str = "大同市数据局", *, member: Optional[Dict] = None, **fields: Any) -> Dict:
    """The data authority (数据主管部门), with its official."""
    return department(title, org_kind=AUTHORITY, member=member, **fields)


def token(user: Dict, name: str = "tests") -> str:
    """A new API token of `user`."""
    return helpers.call_action("api_token_create", context={"user": user["name"]},
                               user=user["name"], name=name)["token"]


@dataclass
class City:
    """A user in every role of ROLES (None for anonymous), the organizations they belong to
    (owner, other_dept, county, authority) and their API tokens."""

    users: dict[str, Optional[Dict]]
    tokens: dict[str, Optional[str]]
    orgs: dict[str, Dict]

    def context(self, role: str) -> Dict:
        """An action context acting as `role`, with auth checked."""
        user = self.users[role]
        return {"user": user["name"] if user else "", "ignore_auth": False}

    def headers(self, role: str) -> dict[str, str]:
        """HTTP headers signing in as `role` (none for anonymous)."""
        signed = self.tokens[role]
        return {"Authorization": signed} if signed else {}


@dataclass(frozen=True)
class Offices:
    """The titles of a City's organizations: the owning department, another department, a
    county (with its region code) and the data authority."""

    owner: str
    other_dept: str
    county: str
    county_region: str
    authority: str = "大同市数据局"


def city(prefix: str, offices: Offices, token_name: str) -> City:
    """A sysadmin and users named `prefix`-role; the organizations, made by the sysadmin, with the
    owner as editor and the others as members; a token named `token_name` for every user."""
    sysadmin = factories.Sysadmin()
    users: dict[str, Optional[Dict]] = {"anonymous": None, "sysadmin": sysadmin}
    for role in ROLES[1:-1]:
        users[role] = factories.User(name=f"{prefix}-{role.replace('_', '-')}")
    orgs = {
        "owner": organization(sysadmin, offices.owner, editor=users["owner"]),
        "other_dept": organization(sysadmin, offices.other_dept, member=users["other_dept"]),
        "county": organization(sysadmin, offices.county, COUNTY, offices.county_region,
                               member=users["county"]),
        "authority": organization(sysadmin, offices.authority, AUTHORITY, member=users["authority"]),
    }
    tokens = {role: token(user, token_name) if user else None for role, user in users.items()}
    return City(users=users, tokens=tokens, orgs=orgs)
