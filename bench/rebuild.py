"""Benchmark of the index rebuild (`ckan datong search rebuild`) at catalog scale.

Its own databases (`datong_bench_rb`, `datong_datastore_bench_rb`, Redis database 6, work
folder /tmp/datong-bench-rebuild, prepared like search.py's): N synthetic entries bulk-loaded
by bench/bulk.py (with the catalog fields as extras), popularity counts for a tenth of them,
ANALYZE, then the parallel rebuild, timed, with the peak memory of the parent and of every
worker and the CPU time per entry of the workers, of PostgreSQL and of the parent: the rate
two otherwise idle cores would reach at best, a figure that other work on the machine does
not distort as it does the wall-clock rate. `--profile` then indexes one batch again in this process under cProfile and prints
where the time goes. Prints the figures and writes bench/results/rebuild-<N>.json; timings
are reported, never asserted.

    .venv/bin/python bench/rebuild.py [--datasets 50000] [--workers 2] [--profile]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg2

from search import (RESULTS_DIR, ROOT, BenchDatabase, analyze, bulk_load, create_admin,
                    create_organizations, environment, load_app, log, machine_load,
                    prepare_database)

REBUILD_BENCH = BenchDatabase("datong_bench_rb", "datong_datastore_bench_rb", "6",
                              "datong_bench_rb", Path("/tmp/datong-bench-rebuild"))
TARGET_PER_SECOND = 400
TARGET_MB = 400
TARGET_CORES = 2


def peak_mb(pid: int | str) -> float | None:
    """A process's peak resident set (VmHWM) in MB; None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time a process has used so far; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Watcher(threading.Thread):
    """Polls, until stopped, the peak memory and CPU time of this process's children (the
    rebuild's workers) and the CPU time of the PostgreSQL backends serving the bench
    database. VmHWM and CPU time only grow, so the last reading of each process is its
    figure up to then (at most one interval short for CPU)."""

    def __init__(self, dsn: str, database: str, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.database, self.interval = database, interval
        self.peaks: dict[int, float] = {}
        self.worker_cpu: dict[int, float] = {}
        self.backend_cpu: dict[int, float] = {}
        self._conn = psycopg2.connect(dsn)
        self._conn.autocommit = True
        self._cur = self._conn.cursor()
        # what the backends already open (the parent's) had used before the rebuild
        self._baseline = {pid: cpu_seconds(pid) or 0.0 for pid in self._backends()}
        self._done = threading.Event()

    def _backends(self) -> list[int]:
        self._cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
                          (self.database, self._conn.get_backend_pid()))
        return [pid for (pid,) in self._cur.fetchall()]

    def run(self) -> None:
        with closing(self._conn):
            while not self._done.wait(self.interval):
                for pid in self._children():
                    mb, cpu = peak_mb(pid), cpu_seconds(pid)
                    if mb is not None and cpu is not None:
                        self.peaks[pid] = max(mb, self.peaks.get(pid, 0.0))
                        self.worker_cpu[pid] = cpu
                for pid in self._backends():
                    cpu = cpu_seconds(pid)
                    if cpu is not None:
                        self.backend_cpu[pid] = cpu - self._baseline.get(pid, 0.0)

    def stop(self) -> None:
        self._done.set()
        self.join()

    @staticmethod
    def _children() -> list[int]:
        pids = []
        for task in Path(f"/proc/{os.getpid()}/task").iterdir():
            try:
                pids += [int(pid) for pid in (task / "children").read_text().split()]
            except OSError:
                continue
        return pids


def write_popularity(share: float, seed: int = 7) -> int:
    """Aggregated view and download counts for `share` of the entries, written straight into
    datong_popularity (the figures `ckan datong popularity update` keeps), so that the index
    documents carry non-zero sort fields; the number of entries counted."""
    from ckan import model
    from sqlalchemy import text
    rng = random.Random(seed)
    ids = [row[0] for row in model.Session.execute(text("SELECT id FROM package ORDER BY id"))]
    rows = []
    for package_id in rng.sample(ids, int(len(ids) * share)):
        views, downloads = rng.randint(1, 400), rng.randint(0, 100)
        rows.append({"p": package_id, "vt": views, "vr": rng.randint(0, views),
                     "dt": downloads, "dr": rng.randint(0, downloads)})
    if rows:
        model.Session.execute(text(
            "INSERT INTO datong_popularity (package_id, views_total, views_recent, downloads_total, "
            "downloads_recent, counted) VALUES (:p, :vt, :vr, :dt, :dr, now())"), rows)
    model.Session.commit()
    log(f"popularity counts for {len(rows)} entries")
    return len(rows)


def rebuild(workers: int) -> dict[str, Any]:
    """The rebuild as the CLI runs it, timed, with the memory of the parent and the workers
    and the CPU time spent per entry by the workers, PostgreSQL and the parent."""
    from ckan import model
    from ckan.common import config
    from ckanext.datong.search.rebuild import rebuild as search_rebuild
    watcher = Watcher(config["sqlalchemy.url"], REBUILD_BENCH.database)
    watcher.start()
    parent_cpu = time.process_time()
    start = time.perf_counter()
    summary = search_rebuild(workers=workers, echo=lambda line: log(f"  {line}"))
    seconds = time.perf_counter() - start
    parent_cpu = time.process_time() - parent_cpu
    watcher.stop()
    model.Session.remove()
    log(summary.line())
    for package_id in summary.failed:
        log(f"  failed: {package_id}")
    per_entry = {name: round(1000 * cpu / max(summary.indexed, 1), 2) for name, cpu in (
        ("workers", sum(watcher.worker_cpu.values())),
        ("postgres", sum(watcher.backend_cpu.values())), ("parent", parent_cpu))}
    return {"indexed": summary.indexed, "failed": summary.failed, "removed": summary.removed,
            "seconds": round(seconds, 2), "per_second": round(summary.indexed / seconds, 1),
            "workers": workers,
            "memory_mb": {"parent": peak_mb("self"),
                          "workers": sorted(watcher.peaks.values(), reverse=True)},
            "cpu_ms_per_entry": per_entry,
            "idle_estimate_per_second": round(
                TARGET_CORES * 1000 / max(sum(per_entry.values()), 0.001), 1)}


def profile_one_batch(batch_size: int, top: int = 30) -> str:
    """Index the first batch again in this process under cProfile (one worker's chunk);
    the functions by cumulative and by own time."""
    from ckan import model
    from ckanext.datong.search import rebuild as search_rebuild
    ids = [row[0] for row in model.Session.query(model.Package.id)
           .filter(model.Package.state != model.State.DELETED).order_by(model.Package.id)
           .limit(batch_size)]
    model.Session.commit()
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.runcall(search_rebuild._index_chunk, ids)
    seconds = time.perf_counter() - start
    model.Session.remove()
    out = io.StringIO()
    out.write(f"one batch of {len(ids)} entries under cProfile: {seconds:.2f} s\n")
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=50_000, help="bulk-loaded entries")
    parser.add_argument("--workers", type=int, default=2, help="rebuild worker processes")
    parser.add_argument("--profile", action="store_true",
                        help="also profile one batch in this process and print the profile")
    parser.add_argument("--wait", type=int, default=600,
                        help="seconds to wait for other sessions on the bench databases to end")
    args = parser.parse_args()
    started = time.perf_counter()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"rebuild-{args.datasets}.json"
    results: dict[str, Any] = {"complete": False, "datasets": args.datasets}

    def save() -> None:
        out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    app = load_app(prepare_database(args.wait, REBUILD_BENCH))
    with app._wsgi_app.test_request_context():
        from ckan import model
        from ckan.common import config

        from bulk import Generator
        results["environment"] = environment()
        admin_id = create_admin()
        org_ids = create_organizations()
        generator = Generator(sorted(model.Package.get_license_register().keys()))
        results["bulk_insert"] = bulk_load(generator, args.datasets, admin_id, org_ids)
        results["popularity_entries"] = write_popularity(0.1)
        results["analyze"] = analyze(config["sqlalchemy.url"])
        save()
        results["rebuild"] = rebuild(args.workers)
        results["environment"]["load_at_end"] = machine_load()
        save()
        if args.profile:
            profile = profile_one_batch(500)
            print(profile)
            results["profile"] = profile
    results["complete"] = True
    save()

    figures = results["rebuild"]
    memory = figures["memory_mb"]
    heaviest = max([memory["parent"] or 0.0, *memory["workers"]])
    print()
    print(f"rebuild: {figures['indexed']:,} entries in {figures['seconds']} s, "
          f"{figures['per_second']}/s with {figures['workers']} workers "
          f"(target ≥ {TARGET_PER_SECOND}/s: {'met' if figures['per_second'] >= TARGET_PER_SECOND else 'NOT met'})")
    cpu = figures["cpu_ms_per_entry"]
    print(f"CPU per entry: workers {cpu['workers']} ms, PostgreSQL {cpu['postgres']} ms, "
          f"parent {cpu['parent']} ms: on {TARGET_CORES} otherwise idle cores at best "
          f"{figures['idle_estimate_per_second']}/s")
    print(f"failed: {len(figures['failed'])}" + "".join(f"\n  {i}" for i in figures["failed"]))
    print(f"peak memory: parent {memory['parent']} MB, workers "
          f"{', '.join(f'{mb} MB' for mb in memory['workers']) or '-'} "
          f"(target ≤ {TARGET_MB} MB per process: {'met' if heaviest <= TARGET_MB else 'NOT met'})")
    print(f"load average at start {results['environment']['load_at_start']['loadavg']}, "
          f"at end {results['environment']['load_at_end']['loadavg']}")
    log(f"done in {(time.perf_counter() - started) / 60:.1f} min; figures in {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
