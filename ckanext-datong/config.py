"""Typed getters for every ckanext-datong setting (declared in config_declaration.yaml),
and the start-up checks of the settings the portal depends on."""
from __future__ import annotations

import re
from typing import Literal

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.exceptions import CkanConfigurationException
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

SearchBackend = Literal["postgres", "solr"]


def search_backend() -> SearchBackend:
    """The search engine that answers package_search."""
    return tk.config.get("ckanext.datong.search.backend")


def check_database() -> None:
    """Stop start-up with one clear line when CKAN's database cannot be reached."""
    url = make_url(tk.config.get("sqlalchemy.url"))
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        engine.connect().close()
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise CkanConfigurationException(
            f"无法连接数据库 {url.render_as_string(hide_password=True)}：{reason}"
            "（请检查 sqlalchemy.url，并确认 PostgreSQL 已启动）")
    finally:
        engine.dispose()


def check_plugins() -> None:
    """Stop start-up with one clear line when ckanext-harvest runs without datong_harvest:
    harvest records (with their grades) would be readable by everybody and harvested
    entries editable by hand."""
    if p.plugin_loaded("harvest") and not p.plugin_loaded("datong_harvest"):
        raise CkanConfigurationException(
            "ckan.plugins 启用了 harvest 却缺少 datong_harvest（采集记录的访问控制和采集概况由它提供）："
            "请在 harvest 之后加入 datong_harvest")


def check_holidays() -> None:
    """Stop start-up with the problems of the holiday schedule file (sharing deadlines)."""
    from ckanext.datong.sharing import workdays

    problems = workdays.schedule_problems()
    if problems:
        raise CkanConfigurationException("；".join(problems))


def check_catalog() -> None:
    """Stop start-up with one clear line, naming the key, when the 信息资源代码 pattern or
    the vocabulary file is unusable (else the first entry written would fail)."""
    from ckanext.datong import vocabulary

    problems = []
    pattern = tk.config.get("ckanext.datong.catalog.code_pattern") or ""
    try:
        re.compile(pattern)
    except re.error as error:
        problems.append(f"ckanext.datong.catalog.code_pattern“{pattern}”不是有效的正则表达式：{error}")
    else:
        if not pattern.strip():
            problems.append("ckanext.datong.catalog.code_pattern 为空")
    source = vocabulary_source()
    found = vocabulary.problems(source)
    if found:
        problems.append(f"ckanext.datong.catalog.vocabularies：词表文件 {source} {'；'.join(found)}")
    if problems:
        raise CkanConfigurationException("；".join(problems))


def catalog_code_pattern() -> re.Pattern[str]:
    """The pattern every 信息资源代码 must match."""
    return re.compile(tk.config.get("ckanext.datong.catalog.code_pattern"))


def vocabulary_source() -> str:
    """The catalog vocabulary file: a path or `package:file`."""
    return tk.config.get("ckanext.datong.catalog.vocabularies")


def workbook_max_entries() -> int:
    """Most catalog entries (目录 rows) one imported workbook may hold."""
    return tk.asint(tk.config.get("ckanext.datong.workbook.max_entries"))


def workbook_max_item_rows() -> int:
    """Most 信息项 rows one imported workbook may hold."""
    return tk.asint(tk.config.get("ckanext.datong.workbook.max_item_rows"))


def workbook_max_upload_bytes() -> int:
    """Largest workbook file accepted for import, in bytes."""
    return tk.asint(tk.config.get("ckanext.datong.workbook.max_upload_mb")) * 1024 * 1024


def workbook_background_threshold() -> int:
    """Workbooks with more catalog entries than this are imported by a background job."""
    return tk.asint(tk.config.get("ckanext.datong.workbook.background_threshold"))


def login_max_failures_per_account() -> int:
    """Failed sign-ins of one account before it is locked for the lockout period."""
    return tk.asint(tk.config.get("ckanext.datong.login.max_failures_per_account"))


def login_max_failures_per_address() -> int:
    """Failed sign-ins from one address before it is locked for the lockout period."""
    return tk.asint(tk.config.get("ckanext.datong.login.max_failures_per_address"))


def login_lockout_seconds() -> int:
    """How long failures are counted, and how long a lockout lasts, in seconds."""
    return tk.asint(tk.config.get("ckanext.datong.login.lockout_minutes")) * 60


def login_address_header() -> str:
    """The header holding the client's address behind a reverse proxy; empty: none."""
    return tk.config.get("ckanext.datong.login.address_header") or ""


def sharing_check_days() -> int:
    """Working days for the data authority's conformity check."""
    return tk.asint(tk.config.get("ckanext.datong.sharing.check_days"))


def sharing_review_days(published: bool) -> int:
    """Working days for the provider's review: data already published, or to be published first."""
    key = "review_days" if published else "review_days_unpublished"
    return tk.asint(tk.config.get(f"ckanext.datong.sharing.{key}"))


def registration_notice_days() -> int:
    """Working days of a registration's public notice (公示), the objection period."""
    return tk.asint(tk.config.get("ckanext.datong.registration.notice_days"))


def opening_review_days() -> int:
    """Working days for the provider's decision on an application for conditionally open data."""
    return tk.asint(tk.config.get("ckanext.datong.opening.review_days"))


def opening_max_days() -> int:
    """Longest period of use an applicant for conditionally open data may ask for, in days."""
    return tk.asint(tk.config.get("ckanext.datong.opening.max_days"))


def datastore_max_file_bytes() -> int:
    """Largest uploaded table loaded into the DataStore, in bytes."""
    return tk.asint(tk.config.get("ckanext.datong.datastore.max_file_mb")) * 1024 * 1024


def datastore_batch_rows() -> int:
    """Rows written to the DataStore per datastore_upsert call."""
    return tk.asint(tk.config.get("ckanext.datong.datastore.batch_rows"))


def datastore_job_timeout() -> int:
    """Seconds a DataStore load job may run."""
    return tk.asint(tk.config.get("ckanext.datong.datastore.job_timeout"))


def sharing_attachment_max_bytes() -> int:
    """Largest file attached to a sharing request, in bytes."""
    return tk.asint(tk.config.get("ckanext.datong.sharing.attachment_max_mb")) * 1024 * 1024


def popularity_recent_days() -> int:
    """Days of page views and downloads counted as recent (today included)."""
    return tk.asint(tk.config.get("ckanext.datong.popularity.recent_days"))


PORTAL_SETTINGS = ("organizer", "contact_phone", "contact_email", "site_code", "icp_record",
                   "police_record")
"""The footer's settings, ckanext.datong.portal.<name>."""


def portal_setting(name: str) -> str:
    """The footer setting ckanext.datong.portal.`name` (one of PORTAL_SETTINGS); '' when unset."""
    if name not in PORTAL_SETTINGS:
        raise KeyError(name)
    return str(tk.config.get(f"ckanext.datong.portal.{name}") or "").strip()
