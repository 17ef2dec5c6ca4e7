"""Actions of the harvest plugin: harvest_source_list without the sources the caller may not
see, and the city-wide harvest overview of the data authority: every harvest source with its
department, frequency and last job, the failing sources and the stale ones.

- failing: the last finished job failed (a gather error: the source could not be read) or
  had entry errors;
- stale: no successful job (finished without a gather error) within twice the source's
  frequency (DAILY and ALWAYS 1 day, WEEKLY 7, BIWEEKLY 14, MONTHLY 30; MANUAL never). A
  source that never succeeded is stale once twice its period has passed since it was
  registered.
"""
from __future__ import annotations

import datetime
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model
from ckan.logic import validate
from ckan.types import Action, Context
from ckanext.harvest.interfaces import IHarvester
from ckanext.harvest.model import (HarvestGatherError, HarvestJob, HarvestObject,
                                   HarvestObjectError, HarvestSource)

from ckanext.datong.harvesters import preview, report
from ckanext.datong.harvesters.logic import schema
from ckanext.datong.logic.action import listings

PERIOD_DAYS = {"ALWAYS": 1, "DAILY": 1, "WEEKLY": 7, "BIWEEKLY": 14, "MONTHLY": 30}
FREQUENCY_LABELS = {"MANUAL": "手动", "ALWAYS": "持续", "DAILY": "每天", "WEEKLY": "每周",
                    "BIWEEKLY": "每两周", "MONTHLY": "每月"}
COUNTS = ("added", "updated", "not modified", "deleted", "errored")

__all__ = ["harvest_source_list", "datong_harvest_overview", "datong_harvest_preview",
           "datong_harvest_unmatched_providers", "datong_harvest_job_report"]


@tk.side_effect_free
@tk.chained_action
def harvest_source_list(original: Action, context: Context, data_dict: dict[str, Any]) -> Any:
    """ckanext-harvest's harvest_source_list, without the sources the caller may not see
    (a source is an entry of type harvest, seen by its department and the authority)."""
    sources = original(context, data_dict)
    who = listings.filtered_viewer(context)
    if who is None:
        return sources
    kept = listings.seen_ids(who, [source["id"] for source in sources])
    return [source for source in sources if source["id"] in kept]


@tk.side_effect_free
def datong_harvest_overview(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Every active harvest source with its last job and health, and the lists of failing
    and stale sources (each source dict as in `sources`), ordered by department and title."""
    tk.check_access("datong_harvest_overview", context, data_dict)
    now = datetime.datetime.utcnow()
    sources = _sources()
    ids = [source["id"] for source in sources]
    last_jobs = _last_jobs(ids)
    successes = _last_successes(ids)
    stats = _job_stats([job.id for job in last_jobs.values()])
    titles = {harvester.info()["name"]: harvester.info()["title"]
              for harvester in p.PluginImplementations(IHarvester)}
    for source in sources:
        job = last_jobs.get(source["id"])
        source["type_title"] = titles.get(source["type"], source["type"])
        source["frequency_label"] = FREQUENCY_LABELS.get(source["frequency"], source["frequency"])
        source["last_job"] = _job_dict(job, stats) if job else None
        source["last_success"] = _iso(successes.get(source["id"]))
        source["failing"] = bool(source["last_job"] and source["last_job"]["status"] == "Finished"
                                 and (source["last_job"]["failed"] or source["last_job"]["stats"]["errored"]))
        source["stale"] = _stale(source["frequency"], successes.get(source["id"]), source.pop("created"), now)
    return {
        "sources": sources,
        "failing": [source for source in sources if source["failing"]],
        "stale": [source for source in sources if source["stale"]],
        "checked": _iso(now),
    }


@tk.side_effect_free
@validate(schema.datong_harvest_preview_schema)
def datong_harvest_preview(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """The first `limit` (default 10, at most 100) entries of `url` read by `source_type`
    with `config`, normalized, routed (as a source of `owner_org` would) and validated, each
    with its Chinese errors; writes nothing (preview.py)."""
    tk.check_access("datong_harvest_preview", context, data_dict)
    owner = None
    if data_dict.get("owner_org"):
        group = model.Group.get(data_dict["owner_org"])
        if group is None or not group.is_organization:
            raise tk.ValidationError({"owner_org": [f"找不到组织“{data_dict['owner_org']}”"]})
        owner = group.id
    return preview.preview(data_dict["source_type"], data_dict["url"], data_dict.get("config") or "",
                           data_dict.get("limit") or preview.DEFAULT_LIMIT, owner)


@tk.side_effect_free
@validate(schema.datong_harvest_unmatched_providers_schema)
def datong_harvest_unmatched_providers(context: Context, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The providers the last job of each source could not route that still match no
    organization: provider, provider_code, count, example, sources (report.py)."""
    tk.check_access("datong_harvest_unmatched_providers", context, data_dict)
    return report.unmatched_providers()


@tk.side_effect_free
@validate(schema.datong_harvest_job_report_schema)
def datong_harvest_job_report(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """The unmatched providers and the counted changes of one job (report.job_report)."""
    tk.check_access("datong_harvest_job_report", context, data_dict)
    return report.job_report(data_dict["id"])


def _stale(frequency: str, last_success: datetime.datetime | None, created: datetime.datetime,
           now: datetime.datetime) -> bool:
    days = PERIOD_DAYS.get(frequency)
    if days is None:  # MANUAL (or unknown): runs when someone asks
        return False
    return (last_success or created) < now - datetime.timedelta(days=2 * days)


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _sources() -> list[dict[str, Any]]:
    org = sa.orm.aliased(model.Group)
    rows = (
        model.Session.query(HarvestSource, model.Package.name, model.Package.metadata_created,
                            org.name, org.title)
        .join(model.Package, model.Package.id == HarvestSource.id)
        .outerjoin(org, org.id == model.Package.owner_org)
        .filter(HarvestSource.active.is_(True), model.Package.state == model.State.ACTIVE)
        .order_by(org.title, HarvestSource.title)
        .all()
    )
    return [{"id": source.id, "name": name, "title": source.title or name, "url": source.url,
             "type": source.type, "frequency": source.frequency or "MANUAL",
             "organization": {"name": org_name, "title": org_title} if org_name else None,
             "created": source.created or created}
            for source, name, created, org_name, org_title in rows]


def _last_jobs(source_ids: list[str]) -> dict[str, HarvestJob]:
    """The newest job of every source."""
    if not source_ids:
        return {}
    jobs = (
        model.Session.query(HarvestJob)
        .filter(HarvestJob.source_id.in_(source_ids))
        .distinct(HarvestJob.source_id)
        .order_by(HarvestJob.source_id, HarvestJob.created.desc())
        .all()
    )
    return {job.source_id: job for job in jobs}


def _last_successes(source_ids: list[str]) -> dict[str, datetime.datetime]:
    """When the newest finished job without a gather error of every source finished."""
    if not source_ids:
        return {}
    failed = sa.exists().where(HarvestGatherError.harvest_job_id == HarvestJob.id)
    rows = (
        model.Session.query(HarvestJob.source_id, sa.func.max(HarvestJob.finished))
        .filter(HarvestJob.source_id.in_(source_ids), HarvestJob.status == "Finished",
                HarvestJob.finished.isnot(None), ~failed)
        .group_by(HarvestJob.source_id)
        .all()
    )
    return dict(rows)


def _job_stats(job_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Per job: objects per report status, entries with errors, gather error messages."""
    out: dict[str, dict[str, Any]] = {
        job_id: {"stats": dict.fromkeys(COUNTS, 0), "gather_errors": []} for job_id in job_ids}
    if not job_ids:
        return out
    for job_id, status, count in (
        model.Session.query(HarvestObject.harvest_job_id, HarvestObject.report_status,
                            sa.func.count(HarvestObject.id))
        .filter(HarvestObject.harvest_job_id.in_(job_ids), HarvestObject.report_status.isnot(None))
        .group_by(HarvestObject.harvest_job_id, HarvestObject.report_status)
    ):
        out[job_id]["stats"][status] = count
    for job_id, count in (
        model.Session.query(HarvestObject.harvest_job_id,
                            sa.func.count(sa.distinct(HarvestObjectError.harvest_object_id)))
        .join(HarvestObject, HarvestObject.id == HarvestObjectError.harvest_object_id)
        .filter(HarvestObject.harvest_job_id.in_(job_ids))
        .group_by(HarvestObject.harvest_job_id)
    ):
        out[job_id]["stats"]["errored"] = max(out[job_id]["stats"]["errored"], count)
    for job_id, message in (
        model.Session.query(HarvestGatherError.harvest_job_id, HarvestGatherError.message)
        .filter(HarvestGatherError.harvest_job_id.in_(job_ids))
        .order_by(HarvestGatherError.created)
    ):
        out[job_id]["gather_errors"].append(message)
    return out


def _job_dict(job: HarvestJob, stats: dict[str, dict[str, Any]]) -> dict[str, Any]:
    found = stats[job.id]
    return {"id": job.id, "status": job.status, "created": _iso(job.created),
            "finished": _iso(job.finished), "stats": found["stats"],
            "gather_errors": found["gather_errors"], "failed": bool(found["gather_errors"])}
