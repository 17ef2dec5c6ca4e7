"""Large workbook imports as background jobs (CKAN's RQ queue), with progress in Redis.

The upload request checks the file, records the import as queued and enqueues `run_import`
with the file's bytes; a worker (`ckan jobs worker`) runs it and updates the record after
every entry, and the import page reads the record until the report is there.
"""
from __future__ import annotations

import datetime
import json
import logging
import uuid
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.config.middleware.flask_app import make_flask_stack
from ckan.lib.redis import connect_to_redis

from ckanext.datong.workbook import importer, reader

log = logging.getLogger(__name__)

RECORD_TTL = 7 * 24 * 3600  # seconds an import's record (and report) is kept
SECONDS_PER_ENTRY = 2  # job timeout allowance per catalog entry
QUEUED, RUNNING, FINISHED, FAILED = "queued", "running", "finished", "failed"


def _key(import_id: str) -> str:
    return f"ckan:{tk.config['ckan.site_id']}:datong:workbook-import:{import_id}"


def record(import_id: str) -> dict[str, Any] | None:
    """The stored record of an import, or None when unknown or expired."""
    raw = connect_to_redis().get(_key(import_id))
    return json.loads(raw) if raw else None


def _save(import_id: str, **changes: Any) -> dict[str, Any]:
    current = record(import_id) or {}
    current.update(changes)
    connect_to_redis().set(_key(import_id), json.dumps(current, ensure_ascii=False), ex=RECORD_TTL)
    return current


def enqueue(data: bytes, filename: str, user_id: str, user_name: str, entries: int) -> dict[str, Any]:
    """Queue the import of a checked workbook; its record."""
    import_id = str(uuid.uuid4())
    created = datetime.datetime.now(datetime.timezone.utc).isoformat()
    saved = _save(import_id, id=import_id, user_id=user_id, filename=filename, status=QUEUED,
                  total=entries, done=0, created=created, report=None, messages=[])
    timeout = max(tk.config.get("ckan.jobs.timeout"), 60 + SECONDS_PER_ENTRY * entries)
    tk.enqueue_job(run_import, [import_id, user_name, data], title=f"目录工作簿导入 {filename}",
                   rq_kwargs={"job_id": import_id, "timeout": timeout})
    return saved


def run_import(import_id: str, user_name: str, data: bytes) -> None:
    """The job: read and import the workbook, recording progress and the report."""
    # CKAN translates its own validators' messages (网址名称, 关键词 …) only inside a request
    # of its Flask app; a worker has none, so the import runs in a request context of its own.
    with make_flask_stack(tk.config)._wsgi_app.test_request_context():
        _run_import(import_id, user_name, data)


def _run_import(import_id: str, user_name: str, data: bytes) -> None:
    _save(import_id, status=RUNNING)

    def progress(done: int, total: int) -> None:
        _save(import_id, done=done, total=total)

    try:
        book = reader.read(data)
        report = importer.run(book, user_name, progress=progress)
    except reader.WorkbookRejected as error:
        _save(import_id, status=FAILED, messages=error.problems)
    except Exception:
        log.exception("catalog workbook import %s failed", import_id)
        _save(import_id, status=FAILED,
              messages=["导入过程中发生系统错误而中止：已写入的信息资源保留，其余未导入。请联系平台管理员"])
        raise
    else:
        _save(import_id, status=FINISHED, report=report.as_dict())
