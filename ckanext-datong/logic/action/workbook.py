"""Actions of the catalog workbook (ckanext.datong.workbook): export, import, import status."""
from __future__ import annotations

import base64
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.logic import validate
from ckan.types import Context

from ckanext.datong import clock
from ckanext.datong import config as datong_config
from ckanext.datong.logic.schema import (
    Upload,
    datong_catalog_export_schema,
    datong_catalog_import_schema,
    datong_catalog_import_status_schema,
)
from ckanext.datong.workbook import export, importer, jobs, reader

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@tk.side_effect_free
@validate(datong_catalog_export_schema)
def datong_catalog_export(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """The catalog of one organization, or of the whole city, as a workbook (1272 layout).

    :param owner_org: id or name of the organization; omit it for every organization's entries
    :returns: ``filename``, ``entries``, ``items`` and ``content`` (the .xlsx file, base64)
    """
    tk.check_access("datong_catalog_export", context, data_dict)
    org_id = data_dict.get("owner_org")
    entries = sorted(_catalog(context, org_id),
                     key=lambda e: (e.get("resource_code") or "\uffff", e.get("title") or ""))
    providers: dict[str, export.Provider] = {}
    for owner in {str(e["owner_org"]) for e in entries if e.get("owner_org")}:
        group = model.Group.get(owner)
        if group is not None:
            providers[owner] = export.Provider(group.title, group.extras.get("uscc") or "")
    content, entry_count, item_count = export.build(entries, providers)
    day = clock.now().strftime("%Y%m%d")
    scope = model.Group.get(org_id).title if org_id else "全市"
    return {
        "filename": f"{scope}信息资源目录-{day}.xlsx",
        "entries": entry_count,
        "items": item_count,
        "content_type": CONTENT_TYPE,
        "content": base64.b64encode(content).decode("ascii"),
    }


def _catalog(context: Context, org_id: str | None) -> list[dict[str, Any]]:
    """Every active entry (of one organization) the user may see, as package_show gives it
    to them (search results are redacted copies: no grading, no flagged 信息项)."""
    query = model.Session.query(model.Package.id).filter(
        model.Package.state == "active", model.Package.type == "dataset")
    if org_id:
        query = query.filter(model.Package.owner_org == org_id)
    show = tk.get_action("package_show")
    entries = []
    for (package_id,) in query.all():
        try:  # a fresh context each time: package_show leaves its package in the context
            entries.append(show({"user": context.get("user")}, {"id": package_id}))
        except tk.NotAuthorized:
            continue  # a private entry of another organization
    return entries


@validate(datong_catalog_import_schema)
def datong_catalog_import(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Create or update catalog entries from a workbook (.xlsx, 1272 layout).

    Each entry (its 目录 row and 信息项 rows) is written through package_create or
    package_update, or reported with every problem and not written. Workbooks with more
    entries than ``ckanext.datong.workbook.background_threshold`` are imported by a
    background job: the answer is then its record (``status`` ``queued`` and ``id`` for
    datong_catalog_import_status).

    :param upload: the workbook file (multipart form field)
    :returns: ``status`` ``finished`` with the report (``created``, ``updated``, ``failed``,
        ``problems`` as sheet/row/column/message, ``entries``, ``summary``), or the job record
    """
    tk.check_access("datong_catalog_import", context, data_dict)
    upload: Upload = data_dict["upload"]
    try:
        summary = reader.inspect(upload.content)
        if summary.entries > datong_config.workbook_background_threshold():
            user = model.User.get(context["user"])
            return _public(jobs.enqueue(upload.content, upload.filename, user.id, user.name, summary.entries))
        book = reader.read(upload.content)
    except reader.WorkbookRejected as error:
        raise tk.ValidationError({"upload": error.problems})
    report = importer.run(book, context["user"])
    return {"status": jobs.FINISHED, "filename": upload.filename, "report": report.as_dict()}


@tk.side_effect_free
@validate(datong_catalog_import_status_schema)
def datong_catalog_import_status(context: Context, data_dict: dict[str, Any]) -> dict[str, Any]:
    """The progress of a background workbook import, and its report once finished.

    :param id: the import's id (from datong_catalog_import)
    :returns: ``status`` (queued, running, finished, failed), ``done``, ``total``, ``report``
        when finished, ``messages`` when it failed
    """
    tk.check_access("datong_catalog_import_status", context, data_dict)
    found = jobs.record(data_dict["id"])
    if found is None:
        raise tk.ObjectNotFound("找不到该导入任务，可能已超过保留期限")
    return _public(found)


def _public(record: dict[str, Any]) -> dict[str, Any]:
    """An import's record without the internal owner id."""
    return {key: value for key, value in record.items() if key != "user_id"}
