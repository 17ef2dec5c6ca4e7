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
- import: package_create / package_update as the site user, owner_org = the source's
  organization, every schema validator running. A ValidationError becomes an object error
  with the Chinese messages joined; the job goes on. The dataset is linked to its harvest
  object (current=True); `origin()` (template helper datong_harvest_origin) gives its
  source, its page at the source and whether it is withdrawn, shown on the entry's page.
- Hand edits of harvested datasets are refused (see logic/auth.py) unless the source config
  says "allow_manual_edits": true.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import uuid
from typing import Any, Callable, Iterator

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model
from ckanext.harvest.harvesters.base import HarvesterBase
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectExtra

log = logging.getLogger(__name__)

ON_REMOVED = ("withdraw", "delete", "keep")
COMMON_KEYS = ("on_removed", "allow_manual_edits", "timeout", "retries", "backoff", "max_bytes")
BATCH = 200  # harvest objects written per commit during gather


class SourceError(Exception):
    """A fault of the whole source (unreachable, not a catalog, malformed); the message is
    Chinese and becomes the job's gather error."""


@dataclasses.dataclass
class RemoteEntry:
    """One catalog entry read from a source.

    guid: stable identity (see `stable_guid`); data: package_create fields of the municipal
    schema including `resources`, without owner_org (the source's organization is used);
    origin_url: where the entry lives at the source, when it has a page of its own."""

    guid: str
    data: dict[str, Any]
    origin_url: str | None = None


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
    for key, low in (("timeout", 0.1), ("retries", 0), ("backoff", 0), ("max_bytes", 1)):
        value = config.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < low):
            raise ValueError(f"{key} 应为不小于 {low} 的数字")


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
        try:
            for entry in self.entries(source.url, config, lambda message: log.info("%s: %s", source.url, message)):
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

    def _gather_entry(self, entry: RemoteEntry, job: HarvestJob, records: dict[str, _Record],
                      seen: set[str]) -> str | None:
        """Record the harvest object of one entry; its id when it is to be imported (not
        when it is unchanged or an error)."""
        digest = content_hash(entry.data)
        record = records.get(entry.guid)
        package_id = record.package_id if record and record.active else None
        extras = [HarvestObjectExtra(key="content_hash", value=digest),
                  HarvestObjectExtra(key="status", value="import")]
        if entry.origin_url:
            extras.append(HarvestObjectExtra(key="origin_url", value=entry.origin_url))
        obj = HarvestObject(guid=entry.guid, job=job, package_id=package_id, extras=extras,
                            content=json.dumps(entry.data, ensure_ascii=False))
        model.Session.add(obj)
        problem = None
        if entry.guid in seen:
            problem = f"重复条目：标识“{entry.guid}”（{entry.data.get('title', '')}）在来源中出现多次，只导入第一条"
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
        context = self._context()
        if status in ("withdraw", "delete"):
            return self._remove(harvest_object, status, context)
        data = json.loads(harvest_object.content)
        source_package = model.Package.get(harvest_object.source.id)
        data["owner_org"] = source_package.owner_org if source_package else None
        package = model.Package.get(harvest_object.package_id) if harvest_object.package_id else None
        try:
            if package is not None and package.state == model.State.ACTIVE:
                data.update(id=package.id, private=False)
                created = tk.get_action("package_update")(context, data)
            else:
                data["id"] = str(uuid.uuid4())
                data.setdefault("private", False)
                harvest_object.package_id = data["id"]
                harvest_object.current = True
                harvest_object.add()
                # the dataset is indexed inside package_create: link the object first
                model.Session.execute(sa.text("SET CONSTRAINTS harvest_object_package_id_fkey DEFERRED"))
                model.Session.flush()
                created = tk.get_action("package_create")(context, data)
        except tk.ValidationError as error:
            model.Session.rollback()
            self._save_object_error(f"条目“{data.get('title', harvest_object.guid)}”未通过校验："
                                    f"{error_text(error.error_dict)}", harvest_object, "Import")
            return False
        except Exception as error:  # one broken entry must not stop the job
            log.exception("harvest object %s", harvest_object.id)
            model.Session.rollback()
            self._save_object_error(f"条目“{data.get('title', harvest_object.guid)}”写入时出错：{error!r}",
                                    harvest_object, "Import")
            return False
        if package is not None:  # earlier objects of the dataset are no longer current
            model.Session.query(HarvestObject).filter(
                HarvestObject.package_id == created["id"], HarvestObject.id != harvest_object.id
            ).update({"current": False}, synchronize_session=False)
        harvest_object.package_id = created["id"]
        harvest_object.current = True
        harvest_object.save()
        return True

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
    the source, when it was last harvested and whether it is withdrawn; None when the dataset
    was not harvested."""
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
    }

