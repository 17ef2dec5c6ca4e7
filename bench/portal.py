"""Benchmark of the portal's pages at catalog scale: server time of the search results page
(/dataset/) and of the entry page (/dataset/<name>) at N datasets.

Its own databases (`datong_bench_portal`, Redis database 10, prepared like search.py's), N
synthetic datasets bulk-loaded and indexed (bench/bulk.py, the parallel rebuild), counted
views and downloads for a tenth of them aggregated by `ckanext.datong.popularity.aggregate`
(timed: the popularity update at that scale), then anonymous GETs through the whole WSGI
stack: 20 different results pages (text queries, facet filters, every sort order, later
pages) and 20 different entry pages. Every request is cold: the search cache's generation is
bumped before each (counts and facets are computed afresh) and no page is asked twice. Prints
p50 and p95 and writes bench/results/portal-<N>.json; timings are reported, never asserted.

    .venv/bin/python bench/portal.py [--datasets 50000]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

from search import (RESULTS_DIR, ROOT, BenchDatabase, analyze, bulk_load, cache_buster,
                    create_admin, create_organizations, environment, load_app, log,
                    machine_load, prepare_database, rebuild_index, stats, timed)

PORTAL_BENCH = BenchDatabase("datong_bench_portal", "datong_datastore_bench_portal", "10",
                             "datong_bench_portal", Path("/tmp/datong-bench-portal"))
RESULTS_PAGES = [
    "", "q=公交", "q=医保 定点", "q=空气质量", "q=云冈 旅游", "q=学校 名录", "q=平城区",
    "q=停车场", "q=统计", "q=公交&sort=views_total desc", "sort=views_recent desc",
    "sort=resources_accessed_total desc", "sort=metadata_created desc",
    "sort=metadata_modified desc", "sort=title_string asc", "organization=dt-jtysj",
    "res_format=CSV", "q=大同&organization=dt-ybj", "page=2", "q=公交&page=3",
]
ENTRY_PAGES = 20
TARGET_P95_MS = 300


def count_visits(share: float, seed: int = 7) -> dict[str, Any]:
    """Hits (views and downloads over the last 30 days) for `share` of the datasets, written
    straight into the hit table, then `popularity.aggregate` (sums and reindexes), timed."""
    from ckan import model
    from sqlalchemy import text

    from ckanext.datong import popularity
    rng = random.Random(seed)
    ids = [row[0] for row in model.Session.execute(text("SELECT id FROM package WHERE state = 'active'"))]
    chosen = rng.sample(ids, int(len(ids) * share))
    rows = [(package_id, kind, rng.randint(0, 29), f"v{n}")
            for package_id in chosen
            for kind, most in (("view", 40), ("download", 10))
            for n in range(rng.randint(1, most))]
    for start in range(0, len(rows), 10_000):
        ids_, kinds, days, visitors = zip(*rows[start:start + 10_000])
        model.Session.execute(text(
            "INSERT INTO datong_popularity_hit (package_id, kind, day, visitor) "
            "SELECT p, k, current_date - d, v FROM unnest(:p, :k, :d, :v) AS t(p, k, d, v) "
            "ON CONFLICT DO NOTHING"),
            {"p": list(ids_), "k": list(kinds), "d": list(days), "v": list(visitors)})
    model.Session.commit()
    log(f"popularity: {len(rows)} hits for {len(chosen)} datasets written")
    start = time.perf_counter()
    changed = popularity.aggregate(
        lambda done, total: done % 1000 == 0 and log(f"  popularity update: {done}/{total}"))
    seconds = time.perf_counter() - start
    model.Session.remove()
    log(f"popularity update: {changed} datasets summed and reindexed in {seconds:.1f} s")
    return {"hits": len(rows), "datasets": changed, "seconds": round(seconds, 2),
            "per_second": round(changed / seconds, 1) if seconds else None}


def entry_names(count: int, seed: int = 11) -> list[str]:
    from ckan import model
    from sqlalchemy import text
    names = [row[0] for row in model.Session.execute(
        text("""SELECT p.name FROM package p JOIN package_extra e ON e.package_id = p.id
                AND e.key = 'open_type' AND e.value = '无条件开放'
                WHERE p.state = 'active' AND NOT p.private ORDER BY p.name"""))]
    model.Session.remove()
    return random.Random(seed).sample(names, count)


def measure(app: Any, paths: list[tuple[str, str]]) -> dict[str, Any]:
    """Each (path, query) once, anonymous, cold (search cache generation bumped first)."""
    from werkzeug.test import Client
    client = Client(app)
    with app._wsgi_app.app_context():
        bust = cache_buster()
    client.get(paths[0][0], query_string=paths[0][1] or None)  # warm-up: templates, imports
    times, slowest = [], (0.0, "")
    for path, query in paths:
        with app._wsgi_app.app_context():
            bust()
        ms, response = timed(lambda: client.get(path, query_string=query or None))
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}?{query}: HTTP {response.status_code}")
        times.append(ms)
        slowest = max(slowest, (ms, f"{path}?{query}" if query else path))
    return {**stats(times), "requests": len(times),
            "slowest": {"ms": round(slowest[0], 1), "page": slowest[1]}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=50_000, help="bulk-loaded datasets")
    parser.add_argument("--workers", type=int, default=2, help="index rebuild workers")
    parser.add_argument("--wait", type=int, default=600,
                        help="seconds to wait for other sessions on the bench databases to end")
    args = parser.parse_args()
    started = time.perf_counter()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"portal-{args.datasets}.json"
    results: dict[str, Any] = {"complete": False, "datasets": args.datasets}

    def save() -> None:
        out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    app = load_app(prepare_database(args.wait, PORTAL_BENCH))
    with app._wsgi_app.test_request_context():
        from ckan import model
        from ckan.common import config

        from bulk import Generator
        results["environment"] = environment()
        admin_id = create_admin()
        org_ids = create_organizations()
        generator = Generator(sorted(model.Package.get_license_register().keys()))
        results["bulk_insert"] = bulk_load(generator, args.datasets, admin_id, org_ids)
        results["rebuild"] = rebuild_index(args.workers)
        results["analyze"] = analyze(config["sqlalchemy.url"])
        save()
        results["popularity"] = count_visits(0.1)
        names = entry_names(ENTRY_PAGES)
        save()
    results["results_page"] = measure(app, [("/dataset/", query) for query in RESULTS_PAGES])
    results["entry_page"] = measure(app, [(f"/dataset/{name}", "") for name in names])
    results["environment"]["load_at_end"] = machine_load()
    results["complete"] = True
    save()

    print()
    print(f"{'page (anonymous, cold)':28} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for key, label in (("results_page", "/dataset/ results"), ("entry_page", "/dataset/<name> entry")):
        s = results[key]
        print(f"{label:28} {s['requests']:>8} {s['p50']:>8} {s['p95']:>8} {s['max']:>8}")
    pop = results["popularity"]
    print(f"popularity update: {pop['datasets']} datasets in {pop['seconds']} s "
          f"({pop['per_second']}/s)")
    verdict = "met" if results["results_page"]["p95"] <= TARGET_P95_MS else "NOT met"
    log(f"done in {(time.perf_counter() - started) / 60:.1f} min: results page p95 "
        f"{results['results_page']['p95']} ms, target ≤ {TARGET_P95_MS} ms {verdict}; "
        f"figures in {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
