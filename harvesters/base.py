"""The shared machinery of the Datong harvesters (THE CONTRACT for every harvester type).

A harvester subclasses `DatongHarvester` and implements `info()`, `validate_config()` and
`entries()`; the base does the rest:

- gather: iterates `entries()` (a stream: it never holds a whole feed), makes one
  HarvestObject per guid with the entry's JSON and its content hash (extra "content_hash").
  An entry whose hash equals the last imported one is recorded as "not modified" without an
  import. A guid seen twice in one feed is imported once; the repeat is an object error.
  A resource code carried by a dataset this entry is not (hand-made or from another source)
  is an object error. Guids of this source missing from the feed are removed per the source
  config "on_removed": "withdraw" (default: the dataset stays, made CKAN-private, so it
  leaves the public catalog and search and its page shows the 私有 badge to its department;
  it is made public again if it comes back), "delete" (package_delete) or "keep".
  A source fault (`SourceError`, e.g. http.FetchError: unreachable, HTML page, malformed
  file) fails the job with a gather error carrying the Chinese reason; nothing is imported
  and nothing is withdrawn, so the existing datasets stay untouched.
- fetch: nothing to fetch (entries carry their content).
- prepare (`prepared`, shared by gather and the preview): every entry's text fields are
  trimmed, fields with a length limit shortened when the config says "truncate" (ending in
  …), and with "routing" its provider routed to an organization (routing.py). Each change
  and the provider are kept as extras of the harvest object ("normalized", "provider",
  "route", "owner_org") for the job report (report.py) and the entry page's note; an entry
  with problems (an unknown mapped value, an unmatched provider held, a refused route) is an
  object error and is not imported.
- import: package_create / package_update as the site user, owner_org = the routed
  organization or else the source's, every schema validator running. A ValidationError becomes an object error
  with the Chinese messages joined; the job goes on. The dataset, its activity, its index
  document and the object's link are one transaction with one commit. An import that loses
  a race to a concurrent one (two fetch consumers: a URL name taken after it looked, a
  deadlock) is redone, up to CONFLICT_RETRIES times, and then becomes an object error: it
  never stops the consumer. The dataset is linked to its harvest
  object (current=True); `origin()` (template helper datong_harvest_origin) gives its
  source, its page at the source and whether it is withdrawn, shown on the entry's page.
- Hand edits of harvested datasets are refused (see logic/auth.py) unless the source config
  says "allow_manual_edits": true.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import uuid
from typing import Any, Callable, Iterator

import ckan.plugins.toolkit as tk
import psycopg2
import sqlalchemy as sa
from ckan import model
from ckanext.harvest.harvesters.base import HarvesterBase
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectExtra
from ckanext.scheming.helpers import scheming_get_dataset_schema

from ckanext.datong.harvesters import routing
from ckanext.datong.harvesters.mapping import Notes

log = logging.getLogger(__name__)

ON_REMOVED = ("withdraw", "delete", "keep")
COMMON_KEYS = ("on_removed", "allow_manual_edits", "timeout", "retries", "backoff", "max_bytes", "truncate",
               "routing")
# Bounds of the download settings: one document of one source holds the shared gather consumer
# at most (retries + 1) · timeout + backoff · (2^retries − 1) seconds without data, 670 s.
BOUNDS: dict[str, tuple[float, float | None]] = {
    "timeout": (0.1, 60), "retries": (0, 5), "backoff": (0, 10), "max_bytes": (1, None)}
ELLIPSIS = "…"
BATCH = 200  # harvest objects written per commit during gather
CONFLICT_RETRIES = 3  # imports redone after losing a race to a concurrent one (e.g. a URL name given by hand)
CONFLICTS = {"23505", "23503", "40P01", "40001"}  # unique and foreign-key violations, deadlock, serialization


class SourceError(Exception):
    """A fault of the whole source (unreachable, not a catalog, malformed); the message is
    Chinese and becomes the job's gather error."""


@dataclasses.dataclass
class RemoteEntry:
    """One catalog entry read from a source.

    guid: stable identity (see `stable_guid`); data: package_create fields of the municipal
    schema including `resources`, without owner_org; origin_url: where the entry lives at
    the source, when it has a page of its own; provider, provider_code: the providing
    department's name and 统一社会信用代码 as the source gives them; notes: what reading
    changed and the problems that keep the entry out; route: set by `prepared`."""

    guid: str
    data: dict[str, Any]
    origin_url: str | None = None
    provider: str = ""
    provider_code: str = ""
    notes: Notes = dataclasses.field(default_factory=Notes)
    route: routing.Route | None = None


def stable_guid(remote_id: Any = None, resource_code: Any = None, provider: str = "", title: str = "") -> str:
    """The remote id, else the resource code, else the sha1 of provider and title."""
    for value in (remote_id, resource_code):
        if value not in (None, "") and str(value).strip():
            return str(value).strip()
    return hashlib.sha1(f"{provider.strip()}\n{title.strip()}".encode("utf-8")).hexdigest()


def content_hash(data: dict[str, Any]) -> str:
    """sha256 of the entry's canonical JSON."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()


def parse_config(config: str | None) -> dict[str, Any]:
    """The source config as a dict (empty when not given); ValueError in Chinese otherwise."""
    if not config or not config.strip():
        return {}
    try:
        parsed = json.loads(config)
    except ValueError as error:
        raise ValueError(f"来源配置不是有效的 JSON：{error}") from error
    if not isinstance(parsed, dict):
        raise ValueError("来源配置应为 JSON 对象")
    return parsed


def validate_common(config: dict[str, Any]) -> None:
    """Check the keys every Datong harvester accepts; ValueError with a Chinese message."""
    if config.get("on_removed", "withdraw") not in ON_REMOVED:
        raise ValueError("on_removed 应为 withdraw（下架）、delete（删除）或 keep（保留）之一")
    if not isinstance(config.get("allow_manual_edits", False), bool):
        raise ValueError("allow_manual_edits 应为 true 或 false")
    for key, (low, high) in BOUNDS.items():
        value = config.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low \
                or (high is not None and value > high):
            if high is None:
                raise ValueError(f"{key} 应为不小于 {low:g} 的数字")
            raise ValueError(f"{key} 应为 {low:g} 到 {high:g} 之间的数字（上限保证一个来源不会长时间占用共用的采集进程）")
        if key == "retries" and not isinstance(value, int):
            raise ValueError("retries 应为整数")
    truncate = config.get("truncate", False)
    if not isinstance(truncate, bool) and not (
            isinstance(truncate, list) and all(isinstance(name, str) and name in length_limits() for name in truncate)):
        raise ValueError("truncate 应为 true、false 或有长度上限的字段名列表（"
                         + "、".join(length_limits()) + "）")
    if "routing" in config:
        routing.check(config["routing"])


@functools.lru_cache(maxsize=1)
def length_limits() -> dict[str, int]:
    """Field → most characters, for every catalog field with a max_length (信息项 subfields
    as items.<field>), from the scheming schema."""
    limits: dict[str, int] = {}
    for field in scheming_get_dataset_schema("dataset")["dataset_fields"]:
        if field.get("max_length"):
            limits[field["field_name"]] = int(field["max_length"])
        for sub in field.get("repeating_subfields") or []:
            if sub.get("max_length"):
                limits[f"{field['field_name']}.{sub['field_name']}"] = int(sub["max_length"])
    return limits


def shorten(text: str, most: int) -> str:
    """`text` cut to `most` characters, the last one …, when it is longer."""
    return text if len(text) <= most else text[: most - 1] + ELLIPSIS


def normalize(entry: RemoteEntry, truncate: bool | list[str]) -> RemoteEntry:
    """Trim the entry's text values and, as `truncate` says (all limited fields, or those
    named), shorten those over their length limit; each change noted on the entry."""
    limits = length_limits()
    allowed = set(limits) if truncate is True else set(truncate or ())

    def fix(value: Any, field: str) -> Any:
        if not isinstance(value, str):
            return value
        if value.strip() != value:
            if value.strip():
                entry.notes.change("trim", field)
            value = value.strip()
        if field in allowed and len(value) > limits[field]:
            entry.notes.change("truncate", field)
            value = shorten(value, limits[field])
        return value

    for key, value in list(entry.data.items()):
        if isinstance(value, list) and value and all(isinstance(part, dict) for part in value):
            for part in value:
                for sub, item in list(part.items()):
                    part[sub] = fix(item, f"{key}.{sub}")
        else:
            entry.data[key] = fix(value, key)
    return entry


def check_keys(config: dict[str, Any], own_keys: tuple[str, ...]) -> None:
    """ValueError (Chinese) naming the config keys neither the harvester nor the base knows."""
    unknown = sorted(set(config) - set(own_keys) - set(COMMON_KEYS))
    if unknown:
        known = "、".join(own_keys + COMMON_KEYS)
        raise ValueError(f"来源配置中有无法识别的键：{'、'.join(unknown)}（可用的键：{known}）")


def error_text(error_dict: Any) -> str:
    """The Chinese messages of a ValidationError's error_dict, flattened and joined."""
    messages: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            messages.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(error_dict)
    return "；".join(dict.fromkeys(messages)) or "校验未通过"


@dataclasses.dataclass
class _Record:
    """The last completed harvest object of a guid: its dataset (and that dataset's state),
    hash and status."""

    package_id: str
    content_hash: str | None
    status: str
    active: bool
    private: bool


class DatongHarvester(HarvesterBase):
    """Base of datong_ckan, datong_table, datong_json and datong_dcat (not a plugin itself)."""

    def info(self) -> dict[str, str]:
        raise NotImplementedError

    def validate_config(self, config: str) -> str:
        raise NotImplementedError

    def entries(self, source_url: str, config: dict[str, Any], log: Callable[[str], None]) -> Iterator[RemoteEntry]:
        raise NotImplementedError

    # ------------------------------------------------------------------ gather

    def gather_stage(self, harvest_job: HarvestJob) -> list[str]:
        source = harvest_job.source
        try:
            config = parse_config(source.config)
            validate_common(config)
        except ValueError as error:
            self._save_gather_error(str(error), harvest_job)
            return []
        records = _records(source.id)
        seen: set[str] = set()
        ids: list[str] = []
        pending = 0
        source_package = model.Package.get(source.id)
        try:
            for entry in self.prepared(source.url, config, source_package.owner_org if source_package else None,
                                       lambda message: log.info("%s: %s", source.url, message)):
                queued = self._gather_entry(entry, harvest_job, records, seen)
                if queued:
                    ids.append(queued)
                pending += 1
                if pending >= BATCH:
                    model.Session.commit()
                    pending = 0
        except SourceError as error:
            self._abandon(harvest_job, str(error))
            return []
        except Exception as error:  # a parser's bug must still fail the job with a reason
            log.exception("harvest source %s", source.url)
            self._abandon(harvest_job, f"读取来源时出错：{error!r}")
            return []
        model.Session.commit()
        on_removed = config.get("on_removed", "withdraw")
        if on_removed != "keep":
            for guid, record in records.items():
                if guid in seen or record.status != "import" or not record.active:
                    continue
                obj = HarvestObject(guid=guid, job=harvest_job, package_id=record.package_id,
                                    extras=[HarvestObjectExtra(key="status", value=on_removed)])
                model.Session.add(obj)
                model.Session.flush()
                ids.append(obj.id)
            model.Session.commit()
        if not ids and not seen:
            self._save_gather_error("来源中没有目录条目", harvest_job)
        return ids

    def prepared(self, source_url: str, config: dict[str, Any], source_org: str | None,
                 log: Callable[[str], None]) -> Iterator[RemoteEntry]:
        """`entries()` normalized (trimmed, truncated as configured) and, with "routing",
        routed to their providers' organizations; reads the database, writes nothing."""
        router = routing.Router(config["routing"], source_org) if "routing" in config else None
        for entry in self.entries(source_url, config, log):
            entry.data.pop("owner_org", None)  # the route or the source decides, never the feed
            normalize(entry, config.get("truncate", False))
            if router is not None:
                entry.route = router.route(entry.provider, entry.provider_code)
                if entry.route.problem:
                    entry.notes.problems.append(entry.route.problem)
            yield entry

    def _gather_entry(self, entry: RemoteEntry, job: HarvestJob, records: dict[str, _Record],
                      seen: set[str]) -> str | None:
        """Record the harvest object of one entry; its id when it is to be imported (not
        when it is unchanged or an error)."""
        owner = entry.route.owner_org if entry.route else None
        digest = content_hash(entry.data if owner is None else {**entry.data, "owner_org": owner})
        record = records.get(entry.guid)
        package_id = record.package_id if record and record.active else None
        extras = [HarvestObjectExtra(key="content_hash", value=digest),
                  HarvestObjectExtra(key="status", value="import")]
        for key, value in (("origin_url", entry.origin_url), ("provider", entry.provider),
                           ("provider_code", entry.provider_code), ("owner_org", owner),
                           ("route", entry.route.status if entry.route else None),
                           ("normalized", json.dumps(entry.notes.changes) if entry.notes.changes else None)):
            if value:
                extras.append(HarvestObjectExtra(key=key, value=value))
        obj = HarvestObject(guid=entry.guid, job=job, package_id=package_id, extras=extras,
                            content=json.dumps(entry.data, ensure_ascii=False))
        model.Session.add(obj)
        problem = None
        if entry.guid in seen:
            problem = f"重复条目：标识“{entry.guid}”（{entry.data.get('title', '')}）在来源中出现多次，只导入第一条"
        elif entry.notes.problems:
            problem = f"条目“{entry.data.get('title', entry.guid)}”未导入：" + "；".join(entry.notes.problems)
        elif code := str(entry.data.get("resource_code") or "").strip():
            problem = _code_conflict(code, package_id)
        seen.add(entry.guid)
        if problem:
            obj.state, obj.report_status = "ERROR", "errored"
            model.Session.flush()
            self._save_object_error(problem, obj, "Gather")
            return None
        if record is not None and package_id and record.status == "import" and record.content_hash == digest \
                and not record.private:
            obj.state, obj.report_status, obj.content = "COMPLETE", "not modified", None  # the hash suffices
            return None
        model.Session.flush()
        return obj.id

    def _abandon(self, job: HarvestJob, message: str) -> None:
        """Drop what this job gathered and fail it with `message`."""
        model.Session.rollback()
        model.Session.query(HarvestObject).filter(HarvestObject.harvest_job_id == job.id).delete(
            synchronize_session=False)
        model.Session.commit()
        self._save_gather_error(message, job)

    # ------------------------------------------------------------------ fetch

    def fetch_stage(self, harvest_object: HarvestObject) -> bool:
        return True

    # ------------------------------------------------------------------ import

    def import_stage(self, harvest_object: HarvestObject) -> bool | str:
        status = _extra(harvest_object, "status") or "import"
        if status in ("withdraw", "delete"):
            return self._remove(harvest_object, status, self._context())
        title = json.loads(harvest_object.content).get("title", harvest_object.guid)
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                self._write(harvest_object)
                model.Session.commit()
                return True
            except tk.ValidationError as error:
                model.Session.rollback()
                self._save_object_error(f"条目“{title}”未通过校验：{error_text(error.error_dict)}",
                                        harvest_object, "Import")
                return False
            except (sa.exc.DBAPIError, psycopg2.Error) as error:
                model.Session.rollback()
                if _conflict(error) and attempt < CONFLICT_RETRIES:
                    log.info("harvest object %s lost a race with a concurrent import (%s); retrying",
                             harvest_object.id, error)
                    continue
                log.exception("harvest object %s", harvest_object.id)
                self._save_object_error(f"条目“{title}”写入时出错：{error!r}", harvest_object, "Import")
                return False
            except Exception as error:  # one broken entry must not stop the job
                log.exception("harvest object %s", harvest_object.id)
                model.Session.rollback()
                self._save_object_error(f"条目“{title}”写入时出错：{error!r}", harvest_object, "Import")
                return False
        raise AssertionError("unreachable")

    def _write(self, harvest_object: HarvestObject) -> None:
        """Create or update the object's dataset and link the object to it, in the session's
        transaction (nothing committed: package_create's validators, activity and index writes
        all ride on the caller's one commit)."""
        context = {**self._context(), "defer_commit": True, "return_id_only": True}
        data = json.loads(harvest_object.content)
        data["owner_org"] = _extra(harvest_object, "owner_org") or _source_org(harvest_object.harvest_source_id)
        package = model.Package.get(harvest_object.package_id) if harvest_object.package_id else None
        if package is not None and package.state == model.State.ACTIVE:
            data.update(id=package.id, private=False)
            tk.get_action("package_update")(context, data)
            model.Session.query(HarvestObject).filter(  # earlier objects of the dataset are no longer current
                HarvestObject.package_id == package.id, HarvestObject.id != harvest_object.id
            ).update({"current": False}, synchronize_session=False)
        else:
            data["id"] = str(uuid.uuid4())
            data.setdefault("private", False)
            harvest_object.package_id = data["id"]
            # the index document (written at commit) reads the current object: link it first
            model.Session.execute(sa.text("SET CONSTRAINTS harvest_object_package_id_fkey DEFERRED"))
            tk.get_action("package_create")(context, data)
        harvest_object.current = True
        model.Session.add(harvest_object)

    def _remove(self, harvest_object: HarvestObject, status: str, context: dict[str, Any]) -> bool:
        """Withdraw (make private) or delete the dataset of a guid gone from the source."""
        if status == "delete":
            tk.get_action("package_delete")(context, {"id": harvest_object.package_id})
            model.Session.query(HarvestObject).filter(
                HarvestObject.package_id == harvest_object.package_id
            ).update({"current": False}, synchronize_session=False)
        else:
            tk.get_action("package_patch")(context, {"id": harvest_object.package_id, "private": True})
        harvest_object.current = False
        harvest_object.save()
        return True

    def _context(self) -> dict[str, Any]:
        return {"model": model, "session": model.Session, "user": self._get_user_name(), "ignore_auth": True}


def _conflict(error: sa.exc.DBAPIError | psycopg2.Error) -> bool:
    """Whether a database error is a race lost to a concurrent writer, which a retry resolves:
    e.g. a URL name another import took after this one looked (the row exists now)."""
    return getattr(getattr(error, "orig", error), "pgcode", None) in CONFLICTS


def _source_org(source_id: str) -> str | None:
    """The organization owning a harvest source (its dataset's owner_org)."""
    return model.Session.query(model.Package.owner_org).filter(model.Package.id == source_id).scalar()


def _extra(harvest_object: HarvestObject, key: str) -> str | None:
    return next((extra.value for extra in harvest_object.extras if extra.key == key), None)


def _records(source_id: str) -> dict[str, _Record]:
    """guid → the last completed harvest object with a dataset, of one source."""
    hash_extra = sa.orm.aliased(HarvestObjectExtra)
    status_extra = sa.orm.aliased(HarvestObjectExtra)
    rows = (
        model.Session.query(HarvestObject.guid, HarvestObject.package_id, hash_extra.value, status_extra.value,
                            model.Package.state, model.Package.private)
        .join(model.Package, model.Package.id == HarvestObject.package_id)
        .outerjoin(hash_extra, sa.and_(hash_extra.harvest_object_id == HarvestObject.id,
                                       hash_extra.key == "content_hash"))
        .outerjoin(status_extra, sa.and_(status_extra.harvest_object_id == HarvestObject.id,
                                         status_extra.key == "status"))
        .filter(HarvestObject.harvest_source_id == source_id, HarvestObject.state == "COMPLETE",
                HarvestObject.package_id.isnot(None))
        .distinct(HarvestObject.guid)
        .order_by(HarvestObject.guid, HarvestObject.gathered.desc())
    )
    return {guid: _Record(package_id, digest, status or "import", state == model.State.ACTIVE, bool(private))
            for guid, package_id, digest, status, state, private in rows}


def _code_conflict(code: str, package_id: str | None) -> str | None:
    """A Chinese message when an active dataset other than `package_id` carries `code`."""
    row = (
        model.Session.query(model.Package.id, model.Package.title)
        .join(model.PackageExtra, model.PackageExtra.package_id == model.Package.id)
        .filter(model.PackageExtra.key == "resource_code", model.PackageExtra.value == code,
                model.Package.state != model.State.DELETED)
        .first()
    )
    if row is None or row.id == package_id:
        return None
    owner = (
        model.Session.query(HarvestObject)
        .filter(HarvestObject.package_id == row.id, HarvestObject.current.is_(True))
        .first()
    )
    where = f"来源“{owner.source.title}”" if owner is not None else "手工编目"
    return f"信息资源代码“{code}”已由{where}的信息资源“{row.title}”使用，不覆盖"


def origin(package_id: str) -> dict[str, Any] | None:
    """Where a harvested dataset comes from: its source (id, title, url), the entry's page at
    the source, when it was last harvested, whether it is withdrawn and the fields the
    harvest shortened ("truncated": Chinese label and limit); None when the dataset was not
    harvested."""
    current = (
        model.Session.query(HarvestObject)
        .filter(HarvestObject.package_id == package_id, HarvestObject.current.is_(True))
        .first()
    )
    if current is None or current.source is None:
        return None
    last = (
        model.Session.query(HarvestObject)
        .filter(HarvestObject.package_id == package_id, HarvestObject.state == "COMPLETE")
        .order_by(HarvestObject.gathered.desc())
        .first()
    )
    return {
        "source_id": current.source.id,
        "source_title": current.source.title,
        "source_url": current.source.url,
        "origin_url": _extra(current, "origin_url"),
        "harvested": (current.import_finished or current.gathered).isoformat(timespec="seconds"),
        "withdrawn": last is not None and _extra(last, "status") == "withdraw",
        "truncated": [f"{field_labels().get(field, field)}（{length_limits().get(field)} 字）" for field in sorted(
            {field for kind, field in json.loads(_extra(current, "normalized") or "[]") if kind == "truncate"})],
    }


@functools.lru_cache(maxsize=1)
def field_labels() -> dict[str, str]:
    """Field name → its Chinese label, for the catalog fields with a length limit."""
    labels: dict[str, str] = {}

    def label(field: dict[str, Any]) -> str:
        text = field.get("label")
        return text.get("zh_Hans_CN", field["field_name"]) if isinstance(text, dict) else str(text or field["field_name"])

    for field in scheming_get_dataset_schema("dataset")["dataset_fields"]:
        labels[field["field_name"]] = label(field)
        for sub in field.get("repeating_subfields") or []:
            labels[f"{field['field_name']}.{sub['field_name']}"] = f"{label(field)}·{label(sub)}"
    return labels

