"""Entries related to a catalog entry, as its viewer may see them: those its 关联资源代码
name, then others of the same 行业领域 and of the same department. Every list comes from
package_search as the viewer, so an entry they may not see is never named."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.datong import lists

RELATED_ROWS = 5
FIELDS = "id name title resource_code"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _search(fq: str, exclude: list[str], rows: int) -> list[dict[str, Any]]:
    """Entries matching `fq` the viewer may see, newest first, without those in `exclude`."""
    if exclude:
        fq += " -id:(" + " OR ".join(_quoted(value) for value in exclude) + ")"
    result = tk.get_action("package_search")(
        {}, {"fq": fq, "rows": rows, "sort": "metadata_modified desc", "fl": FIELDS})
    return result["results"]


def datong_related_entries(pkg: dict[str, Any]) -> list[dict[str, Any]]:
    """Titled groups of related entries, each a list of {name, title, ...}; groups the viewer
    has nothing in are left out."""
    seen = [pkg["id"]]
    groups = []
    codes = [code for code in lists.parsed(pkg.get("related_codes")) or [] if code]
    if codes:
        linked = _search("resource_code:(" + " OR ".join(_quoted(c) for c in codes) + ")",
                         seen, len(codes))
        groups.append(("linked", tk._("Linked resources"), linked))
        seen += [entry["id"] for entry in linked]
    if pkg.get("industry_domain"):
        domain = _search("industry_domain:" + _quoted(pkg["industry_domain"]), seen, RELATED_ROWS)
        groups.append(("domain", tk._("More in {domain}").format(domain=pkg["industry_domain"]),
                       domain))
        seen += [entry["id"] for entry in domain]
    if pkg.get("owner_org"):
        department = _search("owner_org:" + _quoted(pkg["owner_org"]), seen, RELATED_ROWS)
        groups.append(("department", tk._("More from this provider"), department))
    return [{"kind": kind, "title": title, "entries": entries}
            for kind, title, entries in groups if entries]
