"""Benchmark of the sharing engine: submit → automatic decision, and the cost of a grant check
on datastore_search.

Phases, each printing what it does: a fresh `datong_bench_sh` database; a provider, a county
with its official, the data authority; a conditionally shared entry whose DataStore table
holds N rows spread over Datong's ten counties; an automatic, territory-scoped scenario;
then R requests created and submitted through the actions (each approved at once by the
scenario: timed from the submit call to its answer, which carries the decision and grant);
then datastore_search of the county's rows, timed R times each, interleaved:
- baseline: the provider reading its own table, asking for the granted columns and
  filtering on nothing (no grant involved; the same access checks CKAN makes);
- granted: the county official through the grant (scope lookup, columns narrowed, territory
  clause, audit event written and committed).
The grant check's extra latency is granted minus baseline (p50 and p95). Prints a table and
writes bench/results/sharing.json. Timings are reported, never asserted.

    .venv/bin/python bench/sharing.py [--rows 20000] [--rounds 200]
"""
from __future__ import annotations

import argparse
import datetime
import json
import random
import signal
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterable

# bench/ is on sys.path when run as a script; the repository root holds the tests package.
from search import BenchDatabase, environment, load_app, log, machine_load, prepare_database, stats

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK_DIR = Path("/tmp/datong-bench-sharing")
RESULTS = ROOT / "bench" / "results" / "sharing.json"
COUNTIES = ("140212", "140213", "140214", "140215", "140221", "140222", "140223", "140224",
            "140225", "140226")
COLUMNS = ("机构名称", "行政区划代码", "床位数")
TARGETS = {"submit_to_decision_p95_ms": 200, "grant_check_extra_p95_ms": 5}


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def build_world(rows: int, factories: Any, worlds: Any) -> dict[str, Any]:
    """Organizations, users, the entry with its table, and the scenario."""
    from ckan.tests import factories as ckan_factories
    from ckan.tests import helpers

    sysadmin = ckan_factories.Sysadmin()
    official, editor, reviewer = (ckan_factories.User() for _ in range(3))
    provider = worlds.organization(sysadmin, "大同市民政局", editor=editor)
    county = worlds.organization(sysadmin, "阳高县民政局", worlds.COUNTY, "140221", member=official)
    worlds.organization(sysadmin, "大同市数据局", worlds.AUTHORITY, member=reviewer)
    entry = helpers.call_action("package_create", context={"user": sysadmin["name"]}, **factories.entry(
        title="大同市养老服务机构名录", owner_org=provider["id"], share_type="有条件共享",
        share_condition="用于养老服务监管", open_type="不予开放", data_grade="一般-3",
        region_item="行政区划代码",
        items=[{"item_name": name, "data_type": "C", "item_grade": "一般-1"} for name in COLUMNS]
        + [{"item_name": "联系电话", "data_type": "C", "item_grade": "一般-3"}]))
    resource = helpers.call_action("resource_create", context={"user": sysadmin["name"]},
                                   package_id=entry["id"], name="机构名录", url="http://example.com/a.csv",
                                   format="CSV")
    generator = random.Random(7)
    records = [{"机构名称": f"养老机构{i}", "行政区划代码": f"{generator.choice(COUNTIES)}{i % 1000:03d}000",
                "床位数": str(generator.randint(10, 300)), "联系电话": f"0352-{i:07d}"}
               for i in range(rows)]
    helpers.call_action("datastore_create", context={"user": sysadmin["name"]},
                        resource_id=resource["id"], force=True,
                        fields=[{"id": name, "type": "text"} for name in (*COLUMNS, "联系电话")],
                        records=records)
    scenario = helpers.call_action(
        "datong_scenario_create", context={"user": reviewer["name"], "ignore_auth": False},
        name="县区养老补贴核对", legal_basis="《山西省养老服务条例》", requester_kinds=[worlds.COUNTY],
        coverage=[{"package_id": entry["id"], "items": list(COLUMNS)}], max_grade="一般-3",
        max_days=366, delivery_methods=["接口"], territory="own", route="automatic")
    return {"official": official, "editor": editor, "county": county, "entry": entry,
            "resource": resource, "scenario": scenario,
            "county_rows": sum(1 for r in records if r["行政区划代码"].startswith("140221"))}


def submit_requests(world: dict[str, Any], rounds: int) -> dict[str, Any]:
    """Create and submit `rounds` requests; time each submit."""
    from ckan.tests import helpers

    from ckanext.datong import clock

    context = {"user": world["official"]["name"], "ignore_auth": False}
    today = clock.now().date()
    timings, states = [], set()
    for number in range(rounds):
        draft = helpers.call_action(
            "datong_request_create", context=dict(context),
            entries=[{"package_id": world["entry"]["id"], "items": list(COLUMNS)}],
            scenario_id=world["scenario"]["id"], purpose=f"养老补贴核对第{number}批",
            basis="《山西省养老服务条例》", start_date=today.isoformat(),
            end_date=(today + datetime.timedelta(days=90)).isoformat(), frequency="每月",
            delivery="接口", territory="own", contact_name="王科长", contact_phone="0352-6620000",
            commitment=True)
        ms, done = timed(lambda: helpers.call_action("datong_request_submit", context=dict(context),
                                                     id=draft["id"]))
        timings.append(ms)
        states.add(done["state"])
        if (number + 1) % 50 == 0:
            log(f"  {number + 1}/{rounds} requests submitted")
    return {"submit_ms": stats(timings), "states": sorted(states)}


def search_latency(world: dict[str, Any], rounds: int) -> dict[str, Any]:
    """datastore_search of the county's rows: the provider without a grant, then the county
    official through the grant, interleaved."""
    from ckan.tests import helpers

    resource_id = world["resource"]["id"]
    provider = {"user": world["editor"]["name"], "ignore_auth": False}
    county = {"user": world["official"]["name"], "ignore_auth": False}
    baseline, granted = [], []
    total = None
    for number in range(rounds):
        ms, _ = timed(lambda: helpers.call_action("datastore_search", context=dict(provider),
                                                  resource_id=resource_id, fields=list(COLUMNS),
                                                  limit=100))
        baseline.append(ms)
        ms, answer = timed(lambda: helpers.call_action("datastore_search", context=dict(county),
                                                       resource_id=resource_id, limit=100))
        granted.append(ms)
        total = answer["total"]
        if (number + 1) % 50 == 0:
            log(f"  {number + 1}/{rounds} search pairs")
    base, grant = stats(baseline), stats(granted)
    return {"baseline_ms": base, "granted_ms": grant,
            "extra_ms": {"p50": round(grant["p50"] - base["p50"], 1),
                         "p95": round(grant["p95"] - base["p95"], 1)},
            "granted_total": total, "county_rows": world["county_rows"]}


def table(results: dict[str, Any]) -> str:
    submit, search = results["submit"]["submit_ms"], results["search"]
    lines = [
        f"{'measure':44} {'p50 ms':>8} {'p95 ms':>8} {'target':>10}",
        f"{'submit → automatic decision':44} {submit['p50']:>8} {submit['p95']:>8} "
        f"{'≤ 200 p95':>10}",
        f"{'datastore_search, provider (no grant)':44} {search['baseline_ms']['p50']:>8} "
        f"{search['baseline_ms']['p95']:>8}",
        f"{'datastore_search, county through its grant':44} {search['granted_ms']['p50']:>8} "
        f"{search['granted_ms']['p95']:>8}",
        f"{'grant check: extra latency':44} {search['extra_ms']['p50']:>8} "
        f"{search['extra_ms']['p95']:>8} {'≤ 5 p95':>10}",
    ]
    return "\n".join(lines)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--wait", type=int, default=600,
                        help="seconds to wait for other sessions on the bench databases to end")
    args = parser.parse_args(list(argv) if argv is not None else None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated by SIGTERM"))
    started = time.perf_counter()
    from tests import factories, worlds  # before CKAN loads: its own `tests` would shadow ours

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    bench = BenchDatabase("datong_bench_sh", "datong_datastore_bench_sh", "8", "datong_bench_sh",
                          WORK_DIR)
    app = load_app(prepare_database(args.wait, bench))
    results: dict[str, Any] = {"rows": args.rows, "rounds": args.rounds, "targets": TARGETS}
    with app._wsgi_app.test_request_context():
        results["environment"] = environment()
        log(f"building the world: a DataStore table of {args.rows:,} rows over ten counties")
        world = build_world(args.rows, factories, worlds)
        log(f"submitting {args.rounds} requests that the scenario approves at once")
        results["submit"] = submit_requests(world, args.rounds)
        log(f"timing {args.rounds} datastore_search pairs (provider, county through its grant)")
        results["search"] = search_latency(world, args.rounds)
    results["environment"]["load_at_end"] = machine_load()
    results["seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print()
    print(table(results))
    print()
    wrong = []
    if results["submit"]["states"] != ["approved"]:
        wrong.append(f"requests ended {results['submit']['states']}, not all approved")
    if results["search"]["granted_total"] != world["county_rows"]:
        wrong.append(f"the county saw {results['search']['granted_total']} rows, "
                     f"not its {world['county_rows']}")
    verdict = "results as expected" if not wrong else "CHECKS FAILED: " + "; ".join(wrong)
    log(f"done in {results['seconds']} s: {args.rounds} requests, {args.rounds * 2} searches; "
        f"{verdict}; figures in {RESULTS.relative_to(ROOT)}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
