"""Provider → organization routing: which organization owns a harvested entry.

A source config with "routing" (an object; `{}` takes the defaults) routes each entry to the
organization of its provider (the department named by the feed: datong_json/datong_table
"provider" and "provider_code", the workbook's 提供方 and 提供方代码, the remote CKAN's
organization, the DCAT publisher). The provider matches, in this order:

1. "organizations": an explicit table {provider as the feed writes it: organization URL
   name, id or title};
2. an organization whose 名称 (title), 简称 (short_name) or URL name is the provider;
3. an organization whose 统一社会信用代码 is the entry's provider code (or the provider text).

"unmatched" says what happens to an entry whose provider matches nothing: "hold" (default:
an entry error, the entry is not created; the job report lists the provider, and the data
authority may create its organization from /harvest/providers; the next harvest imports
it) or "source" (the entry goes to the source's own organization). "hold" is the default
because putting another department's entries under the source's department states a false
提供方 on every one of them, which is the defect routing exists to remove.

The rule of writing into other departments: only a source owned by the data authority (an
organization whose kind is an authority kind, e.g. 数据主管部门) routes entries into other
organizations; it keeps the city catalog. A department's source routes only into its own
organization: an entry whose provider is another organization is refused with an entry
error, so a department editor cannot write into other departments by editing a config.
The harvest itself writes as the site user, so this rule is the only check.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa
from ckan import model

from ckanext.datong.access.identity import authority_kinds

UNMATCHED = ("hold", "source")
KEYS = ("organizations", "unmatched")

MATCHED, UNMATCHED_SOURCE, HELD, REFUSED = "matched", "unmatched", "held", "refused"


@dataclasses.dataclass(frozen=True)
class Route:
    """Where one entry goes: owner_org (None when it is not imported), status (matched,
    unmatched: put in the source's organization, held, refused) and the Chinese problem."""

    owner_org: str | None
    status: str
    problem: str | None = None


def check(config: Any) -> None:
    """ValueError (Chinese) when the "routing" value is not valid."""
    if not isinstance(config, dict):
        raise ValueError("routing 应为 JSON 对象，例如 {\"unmatched\": \"hold\"}")
    unknown = sorted(set(config) - set(KEYS))
    if unknown:
        raise ValueError(f"routing 中有无法识别的键：{'、'.join(unknown)}（可用的键：{'、'.join(KEYS)}）")
    table = config.get("organizations", {})
    if not isinstance(table, dict) or not all(
            isinstance(key, str) and isinstance(value, str) and value.strip() for key, value in table.items()):
        raise ValueError("routing.organizations 应为 JSON 对象：提供部门名称 → 组织的网址名称、名称或 id")
    if config.get("unmatched", "hold") not in UNMATCHED:
        raise ValueError("routing.unmatched 应为 hold（暂不导入，报告给数据主管部门）或 source（放入来源所属部门）")


@dataclasses.dataclass(frozen=True)
class _Org:
    id: str
    title: str
    name: str
    short_name: str
    uscc: str
    kind: str


def organizations() -> list[_Org]:
    """Every active organization with its title, URL name, 简称, 统一社会信用代码 and kind."""
    extras = {}
    for key in ("short_name", "uscc", "org_kind"):
        extras[key] = sa.orm.aliased(model.GroupExtra)
    query = model.Session.query(model.Group.id, model.Group.title, model.Group.name,
                                *(extra.value for extra in extras.values()))
    for key, extra in extras.items():
        query = query.outerjoin(extra, sa.and_(extra.group_id == model.Group.id, extra.key == key,
                                               extra.state == model.State.ACTIVE))
    rows = query.filter(model.Group.is_organization.is_(True), model.Group.state == model.State.ACTIVE)
    return [_Org(id_, title or "", name, (short or "").strip(), (uscc or "").strip().upper(), kind or "")
            for id_, title, name, short, uscc, kind in rows]


class Router:
    """Routes providers for one job: the organizations are read once, when it is made."""

    def __init__(self, config: dict[str, Any], source_org: str | None) -> None:
        self.source_org = source_org
        self.unmatched = config.get("unmatched", "hold")
        orgs = organizations()
        self.by_id = {org.id: org for org in orgs}
        source = self.by_id.get(source_org or "")
        self.may_route_elsewhere = source is not None and source.kind in authority_kinds()
        self.by_name: dict[str, str] = {}
        for attribute in ("uscc", "short_name", "name", "title"):  # later ones win
            for org in orgs:
                if getattr(org, attribute):
                    self.by_name[getattr(org, attribute)] = org.id
        self.by_code = {org.uscc: org.id for org in orgs if org.uscc}
        self.table = {key.strip(): value.strip() for key, value in config.get("organizations", {}).items()}

    def route(self, provider: str, code: str = "") -> Route:
        """The Route of an entry whose provider is `provider` (and code `code`)."""
        provider, code = (provider or "").strip(), (code or "").strip().upper()
        if provider in self.table:
            target = self.table[provider]
            org_id = target if target in self.by_id else self.by_name.get(target)
            if org_id is None:
                return Route(None, HELD, f"routing.organizations 把提供部门“{provider}”指向的组织“{target}”不存在")
        else:
            org_id = self.by_name.get(provider) or self.by_code.get(code) or self.by_code.get(provider.upper())
        if org_id is None:
            if self.unmatched == "source":
                return Route(self.source_org, UNMATCHED_SOURCE)
            shown = provider or "（未注明）"
            return Route(None, HELD, f"提供部门“{shown}”没有对应的组织（按 routing.organizations、组织名称、简称和"
                                     "统一社会信用代码都未找到），暂不导入：请数据主管部门在“待建组织”页面审核创建该组织，"
                                     "或在来源配置的 routing.organizations 中指明")
        if org_id != self.source_org and not self.may_route_elsewhere:
            return Route(None, REFUSED, f"提供部门“{provider}”对应组织“{self.by_id[org_id].title}”，不是本来源所属部门："
                                        "只有数据主管部门的采集来源可以按提供部门写入其他部门")
        return Route(org_id, MATCHED)
