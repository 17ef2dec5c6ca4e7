"""The Datong part of a harvest job's report, read from the extras its harvest objects carry
(base.py writes them at gather): the providers no organization matched, each with its
entry count and an example title, and the changes reading made to source values (trimmed,
mapped, replaced by "else", truncated), counted per kind and field. And, for the data
authority, the unmatched providers of every source's last job that still match nothing."""
from __future__ import annotations

import collections
import json
from typing import Any

from ckan import model
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectExtra, HarvestSource

from ckanext.datong import vocabulary
from ckanext.datong.harvesters import routing

KIND_LABELS = {"trim": "去除首尾空格", "map": "按映射表转换", "else": "映射表外的值按 else 处理", "truncate": "超长截断"}


def _extras(job_ids: list[str], keys: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """harvest object id → {key: value} of the given extras, for the objects of the jobs."""
    found: dict[str, dict[str, str]] = collections.defaultdict(dict)
    if not job_ids:
        return found
    rows = (model.Session.query(HarvestObjectExtra.harvest_object_id, HarvestObjectExtra.key,
                                HarvestObjectExtra.value)
            .join(HarvestObject, HarvestObject.id == HarvestObjectExtra.harvest_object_id)
            .filter(HarvestObject.harvest_job_id.in_(job_ids), HarvestObjectExtra.key.in_(keys)))
    for object_id, key, value in rows:
        found[object_id][key] = value
    return found


def _titles(object_ids: list[str]) -> dict[str, str]:
    """harvest object id → the title in its content."""
    titles = {}
    if object_ids:
        for object_id, content in model.Session.query(HarvestObject.id, HarvestObject.content).filter(
                HarvestObject.id.in_(object_ids)):
            try:
                titles[object_id] = str(json.loads(content or "{}").get("title") or "")
            except ValueError:
                titles[object_id] = ""
    return titles


def _unmatched(extras: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    for object_id, values in extras.items():
        if values.get("route") in (routing.HELD, routing.UNMATCHED_SOURCE):
            groups[values.get("provider", ""), values["route"]].append(object_id)
    titles = _titles([ids[0] for ids in groups.values()])
    codes = {key: next((extras[i].get("provider_code") for i in ids if extras[i].get("provider_code")), "")
             for key, ids in groups.items()}
    return sorted(({"provider": provider, "provider_code": codes[provider, route], "count": len(ids),
                    "example": titles.get(ids[0], ""), "held": route == routing.HELD}
                   for (provider, route), ids in groups.items()), key=lambda row: (-row["count"], row["provider"]))


def job_report(job_id: str) -> dict[str, Any]:
    """{"unmatched": [{provider, provider_code, count, example, held}], "changes": [{kind,
    label, field, count}]} of one job; count: entries of the job."""
    extras = _extras([job_id], ("provider", "provider_code", "route", "normalized"))
    changes: collections.Counter[tuple[str, str]] = collections.Counter()
    for values in extras.values():
        if "normalized" in values:
            changes.update({tuple(pair) for pair in json.loads(values["normalized"])})
    return {
        "unmatched": _unmatched(extras),
        "changes": [{"kind": kind, "label": KIND_LABELS.get(kind, kind), "field": field, "count": count}
                    for (kind, field), count in sorted(changes.items())],
    }


def unmatched_providers() -> list[dict[str, Any]]:
    """The providers held or put into the source's organization by the last job of every
    active source, that still match no organization by name, 简称 or 统一社会信用代码; each
    with its count, an example title and the sources (title, name) it came from."""
    last_jobs = (model.Session.query(HarvestJob.id, HarvestSource.title, HarvestSource.id)
                 .join(HarvestSource, HarvestSource.id == HarvestJob.source_id)
                 .filter(HarvestSource.active.is_(True))
                 .distinct(HarvestJob.source_id)
                 .order_by(HarvestJob.source_id, HarvestJob.created.desc())
                 .all())
    router = routing.Router({"unmatched": "hold"}, None)
    merged: dict[str, dict[str, Any]] = {}
    for job_id, source_title, source_id in last_jobs:
        for row in job_report(job_id)["unmatched"]:
            if not row["provider"] or router.route(row["provider"], row["provider_code"]).status != routing.HELD:
                continue  # nothing to name, or its organization exists by now
            found = merged.setdefault(row["provider"], {**row, "count": 0, "sources": []})
            found["count"] += row["count"]
            found["provider_code"] = found["provider_code"] or row["provider_code"]
            found["sources"].append({"id": source_id, "title": source_title})
    return sorted(merged.values(), key=lambda row: (-row["count"], row["provider"]))


def suggested_organization(provider: dict[str, Any]) -> dict[str, Any]:
    """organization_create values pre-filled for an unmatched provider: its name and code,
    the kind 市直部门, the region of its first source's organization and that region's
    next free department number."""
    source = model.Package.get(provider["sources"][0]["id"])
    owner = model.Group.get(source.owner_org) if source is not None and source.owner_org else None
    region = owner.extras.get("region_code", "") if owner is not None else ""
    used = [int(value) for (value,) in model.Session.query(model.GroupExtra.value).join(
        model.Group, model.Group.id == model.GroupExtra.group_id).filter(
        model.GroupExtra.key == "dept_code", model.Group.state == model.State.ACTIVE,
        model.Group.id.in_(model.Session.query(model.GroupExtra.group_id).filter(
            model.GroupExtra.key == "region_code", model.GroupExtra.value == region))) if value.isdigit()]
    return {"title": provider["provider"], "name": "", "org_kind": vocabulary.values("org_kinds")[0],
            "uscc": provider["provider_code"], "region_code": region,
            "dept_code": f"{max(used, default=0) + 1:03d}"}
