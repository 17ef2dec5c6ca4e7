"""Benchmark of the dashboards (数据看板) at catalog scale: how long the city's and one
department's dashboard take at N entries, through the action and as pages.

Its own databases (`datong_bench_dash`, Redis database 2, work folder /tmp/datong-bench-dash,
prepared like search.py's) and N synthetic entries bulk-loaded by bench/bulk.py with the
catalog fields as extras. The dashboards read CKAN's tables, not the search index, so nothing
is indexed. Then `--rounds` timed calls (after one warm-up) of: datong_dashboard_show for the
city and for one department, and as the sysadmin through the whole WSGI stack GET /dashboards/
(the city's page with its charts) and GET /dashboards/export/<table>.xlsx. Nothing is cached
between calls: every figure is counted afresh. Prints p50/p95 and writes
bench/results/dashboards-<N>.json; timings are reported, never asserted.

    .venv/bin/python bench/dashboards.py [--datasets 50000] [--rounds 5]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

from search import (ADMIN, RESULTS_DIR, ROOT, BenchDatabase, action, analyze, bulk_load,
                    create_admin, create_organizations, environment, load_app, log,
                    machine_load, prepare_database, stats, timed)

DASH_BENCH = BenchDatabase("datong_bench_dash", "datong_datastore_bench_dash", "2",
                           "datong_bench_dash", Path("/tmp/datong-bench-dash"))
DEPARTMENT = "dt-jtysj"
EXPORTED_TABLE = "compilation_departments"


def repeat(call: Callable[[], Any], rounds: int, label: str) -> dict[str, Any]:
    """One warm-up, then `rounds` timed calls."""
    call()
    times = [timed(call)[0] for _ in range(rounds)]
    figures = {**stats(times), "calls": rounds}
    log(f"{label}: p50 {figures['p50']} ms, p95 {figures['p95']} ms")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=50_000, help="bulk-loaded entries")
    parser.add_argument("--rounds", type=int, default=5, help="timed calls of each kind")
    parser.add_argument("--wait", type=int, default=600,
                        help="seconds to wait for other sessions on the bench databases to end")
    args = parser.parse_args()
    started = time.perf_counter()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"dashboards-{args.datasets}.json"
    results: dict[str, Any] = {"complete": False, "datasets": args.datasets}

    def save() -> None:
        out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    app = load_app(prepare_database(args.wait, DASH_BENCH))
    with app._wsgi_app.test_request_context():
        from ckan import model
        from ckan.common import config

        from bulk import Generator
        results["environment"] = environment()
        admin_id = create_admin()
        org_ids = create_organizations()
        generator = Generator(sorted(model.Package.get_license_register().keys()))
        results["bulk_insert"] = bulk_load(generator, args.datasets, admin_id, org_ids)
        results["analyze"] = analyze(config["sqlalchemy.url"])
        token = action("api_token_create", {"user": ADMIN}, {"user": ADMIN, "name": "bench"})["token"]
        save()
        show = lambda **data: action("datong_dashboard_show", {"user": ADMIN}, data)  # noqa: E731
        results["action_city"] = repeat(show, args.rounds, "datong_dashboard_show, city")
        results["action_department"] = repeat(
            lambda: show(organization=DEPARTMENT), args.rounds,
            f"datong_dashboard_show, {DEPARTMENT}")
        save()

    from werkzeug.test import Client
    client = Client(app)

    def get(path: str) -> Any:
        response = client.get(path, headers={"Authorization": token})
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status_code}")
        return response

    results["page_city"] = repeat(lambda: get("/dashboards/"), args.rounds, "GET /dashboards/")
    results["export_xlsx"] = repeat(lambda: get(f"/dashboards/export/{EXPORTED_TABLE}.xlsx"),
                                    args.rounds, f"GET /dashboards/export/{EXPORTED_TABLE}.xlsx")
    results["environment"]["load_at_end"] = machine_load()
    results["complete"] = True
    save()

    print()
    print(f"{'dashboard (cold, sysadmin)':44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for key, label in (("action_city", "datong_dashboard_show, city"),
                       ("action_department", f"datong_dashboard_show, {DEPARTMENT}"),
                       ("page_city", "GET /dashboards/"),
                       ("export_xlsx", f"GET …/export/{EXPORTED_TABLE}.xlsx")):
        s = results[key]
        print(f"{label:44} {s['p50']:>8} {s['p95']:>8} {s['max']:>8}")
    log(f"done in {(time.perf_counter() - started) / 60:.1f} min: {args.datasets} entries, "
        f"city dashboard p95 {results['action_city']['p95']} ms; figures in {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
