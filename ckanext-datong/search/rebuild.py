"""A parallel, batched rebuild of the embedded index (`ckan datong search rebuild`).

CKAN's `search-index rebuild` shows, indexes and writes one dataset at a time in one
process. This builds the same documents through CKAN's own PackageSearchIndex from entry
dicts read a batch at a time (search/bulk_show.py: package_show's dict in a few queries per
batch; the popularity counts and organizations' regions that the show and index hooks look
up are read once per batch too), writes them in batches and spreads the batches over forked
worker processes. A batch is indexed in one savepoint; when an entry of it fails (in a plugin
hook, in the database), the batch is indexed again with each entry in a savepoint of its own,
so that the failing one is rolled back alone and reported by id, the rest of its batch written.
"""
from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import signal
import time
from typing import Any, Callable, Sequence

import sqlalchemy

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.search import index_for

from ckanext.datong import facets, popularity
from ckanext.datong.search import bulk_show, store
from ckanext.datong.search.connection import collecting_documents

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Summary:
    indexed: int
    failed: list[str]
    removed: int
    seconds: float
    workers: int

    def line(self) -> str:
        rate = self.indexed / self.seconds if self.seconds else 0.0
        return (f"search index rebuilt: {self.indexed} datasets in {self.seconds:.1f} s "
                f"({rate:.0f}/s, {self.workers} workers), {len(self.failed)} failed, "
                f"{self.removed} stale entries removed")


def _index_chunk(package_ids: Sequence[str]) -> tuple[int, list[str]]:
    """Index one chunk of datasets in one transaction; (indexed, ids that failed)."""
    try:
        with model.Session.begin_nested():
            batch: bulk_show.Batch | None = bulk_show.load(package_ids)
    except Exception as error:  # a row that cannot be read: read the entries one by one
        log.warning("index rebuild: batch of %d not readable at once (%s)", len(package_ids), error)
        batch = None
    with popularity.prefetched(package_ids), facets.regions_prefetched(), \
            collecting_documents() as docs:
        if batch is not None and _index_together(batch, package_ids, docs):
            failed = []
        else:
            failed = _index_one_by_one(batch, package_ids, docs)
        failed += _write(docs)
    model.Session.commit()
    return len(package_ids) - len(failed), failed


def _index_together(batch: bulk_show.Batch, package_ids: Sequence[str],
                    docs: list[dict[str, Any]]) -> bool:
    """Index the whole chunk in one savepoint (two statements instead of two per entry);
    False, with nothing kept, when any entry fails."""
    package_index = index_for(model.Package)
    try:
        with model.Session.begin_nested():
            for package_id in package_ids:
                package_index.index_package(batch.show(package_id))
        return True
    except Exception as error:
        del docs[:]
        log.info("index rebuild: an entry of a batch failed (%r); indexing it entry by entry", error)
        return False


def _index_one_by_one(batch: bulk_show.Batch | None, package_ids: Sequence[str],
                      docs: list[dict[str, Any]]) -> list[str]:
    """Index each entry in a savepoint of its own, so that one that fails (in a plugin hook, in
    the database) is rolled back alone; the ids that failed."""
    package_index = index_for(model.Package)
    failed = []
    for package_id in package_ids:
        collected = len(docs)
        try:
            with model.Session.begin_nested():
                source = batch or bulk_show.load([package_id])
                package_index.index_package(source.show(package_id))
        except Exception as error:  # reported by id; one broken entry must not stop the rest
            del docs[collected:]
            log.warning("index rebuild: entry %s failed: %r", package_id, error)
            failed.append(package_id)
    return failed


def _write(docs: list[dict[str, Any]]) -> list[str]:
    """Write the batch's documents in one go, or one by one when that fails; the ids of the
    entries whose document could not be written."""
    try:
        with model.Session.begin_nested():
            store.add(docs)
        return []
    except Exception as error:
        log.warning("index rebuild: batch write failed (%r), writing entry by entry", error)
    failed = []
    for doc in docs:
        try:
            with model.Session.begin_nested():
                store.add([doc])
        except Exception as error:
            log.warning("index rebuild: entry %s not written: %r", doc.get("id"), error)
            failed.append(doc.get("id"))
    return failed


def _start_worker() -> None:
    """In a forked worker: never reuse the parent's database connections, and die on SIGTERM
    whatever handler the parent had installed (a test runner's, say): a worker the pool
    terminates must not live on holding the task queue's lock."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    model.Session.remove()
    model.meta.engine.dispose(close=False)


def vacuum() -> None:
    """Refresh planner statistics and the visibility map after bulk writes, so counts and facets
    can use index-only scans even where autovacuum is off or has not run yet."""
    with model.meta.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sqlalchemy.text("VACUUM (ANALYZE) datong_search_doc, datong_search_term"))


def rebuild(workers: int = 2, batch_size: int = 500,
            echo: Callable[[str], None] = print) -> Summary:
    """Reindex every dataset that is not deleted, then drop index entries of vanished ones."""
    started = time.monotonic()
    ids = [row[0] for row in model.Session.query(model.Package.id)
           .filter(model.Package.state != model.State.DELETED).order_by(model.Package.id)]
    model.Session.commit()
    chunks = [ids[i:i + batch_size] for i in range(0, len(ids), batch_size)]
    echo(f"indexing {len(ids)} datasets in {len(chunks)} batches with {workers} workers")
    indexed, failed = 0, []
    if workers > 1 and len(chunks) > 1:
        model.Session.remove()
        model.meta.engine.dispose()
        with multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker) as pool:
            results = pool.imap_unordered(_index_chunk, chunks)
            for done, (count, errors) in enumerate(results, 1):
                indexed, failed = indexed + count, failed + errors
                echo(f"  [{done}/{len(chunks)}] {indexed} indexed "
                     f"({indexed / (time.monotonic() - started):.0f}/s)")
            pool.close()  # workers leave on their own; terminating them is for failures only
            pool.join()
    else:
        for done, chunk in enumerate(chunks, 1):
            count, errors = _index_chunk(chunk)
            indexed, failed = indexed + count, failed + errors
            echo(f"  [{done}/{len(chunks)}] {indexed} indexed")
    removed = store.delete_all_but(tk.config.get("ckan.site_id"), ids)
    model.Session.commit()
    echo("vacuuming and analysing the index tables")
    vacuum()
    return Summary(indexed, failed, removed, time.monotonic() - started, workers)
