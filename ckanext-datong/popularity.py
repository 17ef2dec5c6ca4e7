"""Popularity of catalog entries: page views and file downloads, counted by the server.

Why not CKAN's `tracking` plugin: it counts a page view when the browser's script posts a
beacon, so API clients, scripts and browsers without JavaScript are never counted, and
downloads not at all unless a page link is clicked; its `/_tracking` endpoint records any URL
anybody posts; and its per-resource counts are looked up by URL, one query per file of every
result. Here the portal itself counts what it serves (views/popularity.py): an entry page
answered 200, and a file or DataStore dump let through by the download guard, whether a
browser or an API client asked. Pages of entries a visitor may not see answer 404 and are
never counted.

A visitor (a hash of their address, browser and account, never stored in clear) counts once
per entry, kind (and file) and Beijing day. `aggregate` (`ckan datong popularity update`,
every few minutes from config/serve.sh) sums the hits into `datong_popularity` and reindexes
the entries whose counts changed, so CKAN's integer sort fields `views_total`,
`views_recent`, `resources_accessed_total` and `resources_accessed_recent` order
package_search with either search backend. Entry dicts carry the same aggregated figures:
`tracking_summary` {total, recent} (views, as CKAN's tracking plugin names them) and
`datong_downloads` {total, recent}.
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime
import hashlib
import logging
import re
from typing import Any, Callable, Iterable, Iterator, Optional

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model
from ckan.lib import search
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Row
from sqlalchemy.exc import SQLAlchemyError

from ckanext.datong import clock
from ckanext.datong import config as datong_config
from ckanext.datong.model import Popularity, PopularityHit

log = logging.getLogger(__name__)

VIEWS = "tracking_summary"
DOWNLOADS = "datong_downloads"
SORT_FIELDS = {"views_total": "views_total", "views_recent": "views_recent",
               "resources_accessed_total": "downloads_total",
               "resources_accessed_recent": "downloads_recent"}
"""CKAN's integer index fields (schema.xml) and the counts they hold."""
_ROBOTS = re.compile(r"bot|crawl|spider|slurp", re.I)
_BATCH = 200
_PREFETCHED: contextvars.ContextVar[dict[str, Optional[Row]] | None] = contextvars.ContextVar(
    "datong_popularity_prefetched", default=None)
"""Counts read ahead for a batch of entries (`prefetched`): entry id → its row, None if none."""


def visitor_key(address: str, agent: str, user_id: str) -> str:
    """A visitor's anonymous key: their address, browser and account hashed with the site's
    secret, so the stored key reveals none of them."""
    secret = str(tk.config.get("SECRET_KEY") or tk.config.get("beaker.session.secret") or "")
    return hashlib.sha256("\n".join((secret, address, agent, user_id)).encode()).hexdigest()[:32]


def is_robot(agent: str) -> bool:
    """Whether a User-Agent names a crawler, or is missing (not counted); API clients such as
    curl or python-requests are people's downloads and count."""
    return not agent or bool(_ROBOTS.search(agent))


def record(kind: str, package_id: str, visitor: str, resource_id: str = "") -> None:
    """Count a view or a download; repeats by the same visitor on the same day count once.
    Written on a connection of its own, without waiting for the disk (a lost count is
    harmless), and never failing the request it counts."""
    statement = insert(PopularityHit.__table__).values(
        package_id=package_id, kind=kind, day=clock.now().date(), resource_id=resource_id,
        visitor=visitor).on_conflict_do_nothing()
    try:
        with model.meta.engine.begin() as connection:
            connection.execute(sa.text("SET LOCAL synchronous_commit = off"))
            connection.execute(statement)
    except SQLAlchemyError as error:
        log.warning("popularity not recorded: %s", error)


def _summary(row: Optional[Row]) -> dict[str, dict[str, int]]:
    if row is None:
        return {VIEWS: {"total": 0, "recent": 0}, DOWNLOADS: {"total": 0, "recent": 0}}
    return {VIEWS: {"total": row.views_total, "recent": row.views_recent},
            DOWNLOADS: {"total": row.downloads_total, "recent": row.downloads_recent}}


def _rows(package_ids: Iterable[str]) -> dict[str, Optional[Row]]:
    """The stored counts of each entry (None where it has none), in one query or none when
    a batch prefetched them."""
    ids = list(dict.fromkeys(package_ids))
    known = _PREFETCHED.get()
    if known is not None and all(package_id in known for package_id in ids):
        return {package_id: known[package_id] for package_id in ids}
    table = Popularity.__table__
    found = {row.package_id: row for row in model.Session.execute(
        sa.select(table).where(table.c.package_id.in_(ids)))} if ids else {}
    return {package_id: found.get(package_id) for package_id in ids}


@contextlib.contextmanager
def prefetched(package_ids: Iterable[str]) -> Iterator[None]:
    """Read the counts of a batch of entries once for all the show and index hooks the batch
    runs (the index rebuild): one query instead of two per entry."""
    token = _PREFETCHED.set(_rows(package_ids))
    try:
        yield
    finally:
        _PREFETCHED.reset(token)


def summaries(package_ids: Iterable[str]) -> dict[str, dict[str, dict[str, int]]]:
    """`tracking_summary` and `datong_downloads` of each entry, in one query (none inside
    `prefetched`)."""
    return {package_id: _summary(row) for package_id, row in _rows(package_ids).items()}


def add_to(entries: Iterable[dict[str, Any]]) -> None:
    """Put the counts on entry dicts (package_show, package_search)."""
    entries = [entry for entry in entries if entry.get("id")]
    counts = summaries(entry["id"] for entry in entries)
    for entry in entries:
        entry.update(counts[entry["id"]])


def index_fields(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """The counts as CKAN's integer sort fields of the index document (before_dataset_index);
    the dict-only figures are left out of the index."""
    pkg_dict.pop(VIEWS, None)
    pkg_dict.pop(DOWNLOADS, None)
    row = _rows([pkg_dict["id"]])[pkg_dict["id"]]
    for field, column in SORT_FIELDS.items():
        pkg_dict[field] = getattr(row, column) if row is not None else 0
    return pkg_dict


def _changed_counts(since: datetime.date) -> list[dict[str, Any]]:
    """Entries whose counts differ from the stored ones, with their new counts."""
    return [dict(row) for row in model.Session.execute(sa.text("""
        WITH counted AS (
            SELECT package_id,
                   count(*) FILTER (WHERE kind = 'view') AS views_total,
                   count(*) FILTER (WHERE kind = 'view' AND day >= :since) AS views_recent,
                   count(*) FILTER (WHERE kind = 'download') AS downloads_total,
                   count(*) FILTER (WHERE kind = 'download' AND day >= :since) AS downloads_recent
            FROM datong_popularity_hit GROUP BY package_id)
        SELECT coalesce(c.package_id, p.package_id) AS package_id,
               coalesce(c.views_total, 0) AS views_total,
               coalesce(c.views_recent, 0) AS views_recent,
               coalesce(c.downloads_total, 0) AS downloads_total,
               coalesce(c.downloads_recent, 0) AS downloads_recent
        FROM counted c FULL JOIN datong_popularity p ON p.package_id = c.package_id
        WHERE (c.views_total, c.views_recent, c.downloads_total, c.downloads_recent)
              IS DISTINCT FROM (p.views_total, p.views_recent, p.downloads_total, p.downloads_recent)
        ORDER BY 1"""), {"since": since}).mappings()]


def aggregate(progress: Callable[[int, int], None] = lambda done, total: None) -> int:
    """Sum the hits into `datong_popularity` and reindex the entries whose counts changed, in
    batches committed one by one (`progress(done, total)` after each); the number changed."""
    since = clock.now().date() - datetime.timedelta(days=datong_config.popularity_recent_days() - 1)
    changed = _changed_counts(since)
    for start in range(0, len(changed), _BATCH):
        batch = changed[start:start + _BATCH]
        statement = insert(Popularity.__table__).values(
            [{**counts, "counted": sa.func.now()} for counts in batch])
        model.Session.execute(statement.on_conflict_do_update(
            index_elements=["package_id"],
            set_={column: statement.excluded[column]
                  for column in (*SORT_FIELDS.values(), "counted")}))
        indexed = [package_id for (package_id,) in model.Session.query(model.Package.id).filter(
            model.Package.id.in_([counts["package_id"] for counts in batch]),
            model.Package.state != model.State.DELETED)]
        search.rebuild(package_ids=indexed, defer_commit=True, quiet=True)
        model.Session.commit()
        search.commit()
        progress(start + len(batch), len(changed))
    return len(changed)
