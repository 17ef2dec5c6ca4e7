"""Resource uploads that keep Chinese file names.

CKAN's munge_filename drops every non-Latin character, so 公交线路.csv would be stored and
offered for download as ".csv". This uploader keeps the name readable: it only strips the
path, characters that are unsafe in file names or URLs, and trims the length; and the
download URL shown for an uploaded file is rebuilt from that stored name. Every write of an
uploaded resource (package_update/patch, resource_update/patch, the workbook) passes through
the uploader, which stores the real name even when given the percent-encoded URL package_show
returns.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import unquote

from werkzeug.datastructures import FileStorage

import ckan.lib.helpers as h
import ckan.model as model
from ckan.lib import uploader

MAX_LENGTH = 100
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|#%&+=;'`^{}\[\]~$@!,]+")
_SPACES = re.compile(r"[\s\u3000]+")


def safe_filename(filename: str) -> str:
    """The file name without its path and unsafe characters; CJK and Latin text kept."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, extension = _SPACES.sub("-", _UNSAFE.sub("", name)).rpartition(".")
    if not dot:
        stem, extension = extension, ""
    extension = f".{extension[:15].lower()}" if extension else ""
    stem = stem.strip(".- ")[: MAX_LENGTH - len(extension)] or "file"
    return stem + extension


def stored_name(url: str) -> str:
    """The file name to store for an uploaded resource's URL, bare or as package_show gives it
    (…/download/%E5%90%8D%E5%86%8C.csv): its last segment, percent-decoded and made safe."""
    return safe_filename(unquote(url.rsplit("/", 1)[-1]))


class ResourceUpload(uploader.ResourceUpload):
    """CKAN's resource uploader, with a file name that keeps Chinese characters."""

    def __init__(self, resource: dict[str, Any]) -> None:
        upload = resource.get("upload")
        original = upload.filename if isinstance(upload, FileStorage) and upload else None
        super().__init__(resource)
        if original and getattr(self, "filename", None):
            self.filename = safe_filename(original)
            resource["url"] = self.filename
        elif resource.get("url_type") == "upload" and resource.get("url"):
            resource["url"] = stored_name(resource["url"])


def show_download_url(resource: dict[str, Any]) -> None:
    """Point an uploaded resource's URL at its download with the stored (Chinese) file name.

    CKAN builds that URL with munge_filename; edit forms get the bare name and stay as they are.
    """
    url = resource.get("url") or ""
    if resource.get("url_type") != "upload" or "/download/" not in url:
        return
    stored = model.Resource.get(resource["id"])
    package = model.Package.get(resource["package_id"])
    if stored is None or package is None or not stored.url:
        return
    resource["url"] = h.url_for(
        f"{package.type or 'dataset'}_resource.download", id=resource["package_id"],
        resource_id=resource["id"], filename=stored_name(stored.url),
        qualified=True,
    )
