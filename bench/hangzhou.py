"""Benchmark: the real Hangzhou open-data catalog (tests/data/) imported at full size.

Phases, each printing what it does: a fresh `datong_bench_hz` database; the distinct source
values; the conversion (tests/hangzhou/convert.py) of 6,590 records into 3,571 catalog
entries and 342 departments; the import through organization_create and package_create as
the site user (every schema validator, resource-code and pinyin-name generation, synchronous
indexing); counts read back from the database and package_search. Prints entries/s, total
time, the counts and the peak memory, and writes bench/results/hangzhou.json. Timings are
reported, never asserted; it exits non-zero when a count differs from the expected one or
CKAN refused an entry.

    .venv/bin/python bench/hangzhou.py [--wait 600]
"""
from __future__ import annotations

import argparse
import json
import resource
import signal
import sys
import time
from pathlib import Path
from typing import Any, Iterable

import sqlalchemy

# bench/ is on sys.path when run as a script; the repository root holds the tests package.
from search import (BenchDatabase, display_width, environment, load_app, log, machine_load,
                    prepare_database, stats)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK_DIR = Path("/tmp/datong-bench-hangzhou")
RESULTS = ROOT / "bench" / "results" / "hangzhou.json"
EXPECTED = {"entries": 3571, "resources": 6590, "organizations": 342}


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def show_source(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Print the distinct values the conversion maps, before converting."""
    from tests.hangzhou import convert

    values = {}
    for field in ("所属区县", "开放等级", "更新周期", "数据格式"):
        counts = convert.distinct_values(records, field)
        values[field] = {str(value): count for value, count in counts.most_common()}
        log(f"{field}: " + ", ".join(f"{value} {count}" for value, count in counts.most_common()))
    return values


def import_all(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Convert and import every record; figures of each phase."""
    from ckan import model
    from ckan.plugins import toolkit
    from tests.hangzhou import convert

    started = time.perf_counter()
    catalog = convert.entries(records)
    departments = convert.departments(records)
    converted = time.perf_counter() - started
    log(f"converted {len(records):,} records into {len(catalog):,} entries of "
        f"{len(departments)} departments in {converted:.1f} s")
    site_user = toolkit.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    model.Session.remove()
    times: dict[str, list[float]] = {"organization": [], "entry": []}
    last = [time.perf_counter()]

    def progress(kind: str, done: int, total: int) -> None:
        now = time.perf_counter()
        times[kind].append((now - last[0]) * 1000)
        last[0] = now
        model.Session.remove()  # one session per call, as per web request
        if done % 250 == 0 or done == total:
            log(f"  {done:,}/{total:,} {kind} calls, {done / sum(times[kind]) * 1000:.1f}/s, "
                f"peak memory {peak_memory_mb()} MB")

    memory_before = peak_memory_mb()
    start = time.perf_counter()
    report = convert.import_catalog(
        catalog, departments, lambda: {"user": site_user, "ignore_auth": True}, progress)
    total = time.perf_counter() - start
    creates = times["entry"]
    for failure in report.failures[:10]:
        log(f"refused: {failure[0]}: {failure[1]}")
    return {
        "records": len(records), "converted_entries": len(catalog), "departments": len(departments),
        "convert_seconds": round(converted, 2),
        "organizations": report.organizations,
        "organizations_seconds": round(sum(times["organization"]) / 1000, 1),
        "entries": report.entries, "resources": report.resources, "refused": len(report.failures),
        "entries_seconds": round(sum(creates) / 1000, 1),
        "entries_per_second": round(len(creates) / (sum(creates) / 1000), 1),
        "create": stats(creates), "import_seconds": round(total, 1),
        "peak_memory_mb_before_import": memory_before, "peak_memory_mb": peak_memory_mb(),
        "notes": list(report.notes),
    }


def read_back() -> dict[str, int]:
    """What the database and the search index hold after the import."""
    from ckan import model
    from ckan.plugins import toolkit

    def count(sql: str) -> int:
        return int(model.Session.execute(sqlalchemy.text(sql)).scalar())

    counts = {
        "entries": count("SELECT count(*) FROM package WHERE state = 'active' AND type = 'dataset'"),
        "resources": count("SELECT count(*) FROM resource r JOIN package p ON p.id = r.package_id "
                           "WHERE r.state = 'active' AND p.state = 'active'"),
        "organizations": count("SELECT count(*) FROM \"group\" WHERE is_organization AND state = 'active'"),
        "search_anonymous": toolkit.get_action("package_search")({"user": ""}, {"q": "", "rows": 0})["count"],
        "distinct_names": count("SELECT count(DISTINCT name) FROM package WHERE state = 'active'"),
        "distinct_codes": count("SELECT count(DISTINCT value) FROM package_extra WHERE key = 'resource_code'"),
    }
    model.Session.remove()
    return counts


def table(results: dict[str, Any]) -> str:
    i, c, env = results["import"], results["counts"], results["environment"]
    rows = [
        ("source records → entries", f"{i['records']:,} → {i['converted_entries']:,} ({i['departments']} departments), "
                                     f"converted in {i['convert_seconds']} s"),
        ("organization_create", f"{i['organizations']} in {i['organizations_seconds']} s"),
        ("package_create with resources", f"{i['entries_per_second']:>7}/s   p50 {i['create']['p50']} ms  "
                                          f"p95 {i['create']['p95']} ms  max {i['create']['max']} ms"),
        ("import total", f"{i['import_seconds']} s ({i['entries']:,} entries, {i['resources']:,} resources, "
                         f"{i['refused']} refused)"),
        ("entries / resources / organizations", f"{c['entries']:,} / {c['resources']:,} / {c['organizations']}"),
        ("package_search count, anonymous", f"{c['search_anonymous']:,}"),
        ("unique URL names / resource codes", f"{c['distinct_names']:,} / {c['distinct_codes']:,}"),
        ("peak memory (RSS)", f"{i['peak_memory_mb']} MB (before the import {i['peak_memory_mb_before_import']} MB)"),
        ("total time", f"{results['seconds']} s"),
        ("machine (cpus, load)", f"{env['cpus']} cpus, load {env['load_at_start']['loadavg'][1]} → "
                                 f"{env['load_at_end']['loadavg'][1]}"),
    ]
    width = max(map(display_width, (label for label, _ in rows)))
    return "\n".join(label + " " * (width - display_width(label) + 2) + value for label, value in rows)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wait", type=int, default=600,
                        help="seconds to wait for other sessions on the bench databases to end")
    args = parser.parse_args(list(argv) if argv is not None else None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated by SIGTERM"))
    started = time.perf_counter()
    from tests.hangzhou import convert

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"complete": False, "expected": EXPECTED}

    def save() -> None:
        RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    vocabularies = convert.vocabularies_with_districts(WORK_DIR / "vocabularies.yaml")
    bench = BenchDatabase("datong_bench_hz", "datong_datastore_bench_hz", "7", "datong_bench_hz",
                          WORK_DIR, (("ckanext.datong.catalog.vocabularies", str(vocabularies)),))
    app = load_app(prepare_database(args.wait, bench))
    with app._wsgi_app.test_request_context():
        results["environment"] = environment()
        records = convert.read()
        results["source_values"] = show_source(records)
        results["import"] = import_all(records)
        save()
        results["counts"] = read_back()
    results["environment"]["load_at_end"] = machine_load()
    results["seconds"] = round(time.perf_counter() - started, 1)
    failures = [f"{name}: {results['counts'][name]:,} instead of {expected:,}"
                for name, expected in EXPECTED.items() if results["counts"][name] != expected]
    if results["import"]["refused"]:
        failures.append(f"{results['import']['refused']} entries refused")
    if results["counts"]["search_anonymous"] != EXPECTED["entries"]:
        failures.append(f"package_search finds {results['counts']['search_anonymous']:,} entries")
    results["checks_failed"] = failures
    results["complete"] = True
    save()

    print()
    print(table(results))
    print()
    for note in results["import"]["notes"]:
        print("  " + note)
    print()
    verdict = "all counts as expected" if not failures else "CHECKS FAILED: " + "; ".join(failures)
    log(f"done in {results['seconds']} s: {results['counts']['entries']:,} entries imported, {verdict}; "
        f"figures in {RESULTS.relative_to(ROOT)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
