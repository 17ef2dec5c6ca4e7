"""Attachments of a sharing request (批复文件, 授权书 …): files stored under the storage path,
listed in the request's `attachments` with their original (Chinese) names."""
from __future__ import annotations

import datetime
import os
import uuid
from typing import Any, BinaryIO

import ckan.plugins.toolkit as tk

from ckanext.datong import config as datong_config
from ckanext.datong.model import Request
from ckanext.datong.uploads import safe_filename

KINDS = {".pdf": "application/pdf", ".ofd": "application/ofd", ".jpg": "image/jpeg",
         ".jpeg": "image/jpeg", ".png": "image/png", ".doc": "application/msword",
         ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         ".xls": "application/vnd.ms-excel",
         ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
"""Accepted file types by extension, with the type they are served as."""
MAX_FILES = 10


def folder(request_id: str) -> str:
    return os.path.join(tk.config.get("ckan.storage_path") or "", "sharing", request_id)


def add(request: Request, filename: str, stream: BinaryIO) -> dict[str, Any]:
    """Store an uploaded file for the request; tk.ValidationError in Chinese when it is empty,
    too large, of a type not accepted, or one too many."""
    name = safe_filename(filename or "")
    extension = os.path.splitext(name)[1].lower()
    if extension not in KINDS:
        raise tk.ValidationError({"upload": [
            f"附件只接受{'、'.join(sorted(e[1:].upper() for e in KINDS))}文件（现为“{filename}”）"]})
    if len(request.attachments or []) >= MAX_FILES:
        raise tk.ValidationError({"upload": [f"一份申请最多{MAX_FILES}个附件"]})
    limit = datong_config.sharing_attachment_max_bytes()
    content = stream.read(limit + 1)
    if not content:
        raise tk.ValidationError({"upload": ["附件是空文件"]})
    if len(content) > limit:
        raise tk.ValidationError({"upload": [f"附件超过{limit // 1024 // 1024}MB的上限"]})
    attachment = {"id": uuid.uuid4().hex, "name": name, "size": len(content),
                  "uploaded": datetime.datetime.now(datetime.timezone.utc).isoformat()}
    os.makedirs(folder(request.id), exist_ok=True)
    with open(os.path.join(folder(request.id), attachment["id"] + extension), "wb") as out:
        out.write(content)
    request.attachments = [*(request.attachments or []), attachment]
    return attachment


def find(request: Request, attachment_id: str) -> dict[str, Any]:
    for attachment in request.attachments or []:
        if attachment["id"] == attachment_id:
            return attachment
    raise tk.ObjectNotFound("未找到该附件")


def path(request: Request, attachment: dict[str, Any]) -> str:
    return os.path.join(folder(request.id),
                        attachment["id"] + os.path.splitext(attachment["name"])[1].lower())


def remove(request: Request, attachment_id: str) -> None:
    """Drop an attachment from the request and delete its file."""
    attachment = find(request, attachment_id)
    request.attachments = [a for a in request.attachments if a["id"] != attachment_id]
    try:
        os.remove(path(request, attachment))
    except FileNotFoundError:
        pass
