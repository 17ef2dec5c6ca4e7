"""Benchmark of the embedded PostgreSQL search backend at catalog scale.

Phases, each printing what it does: a fresh `datong_bench` database; 200 package_create at
an empty catalog; a bulk load of N synthetic Chinese datasets straight into CKAN's tables;
a timed index rebuild; consistency checks; 200 package_create at N; package_search through
the action (text, empty and filter-only queries, anonymous, sysadmin and a department
editor); page times of /dataset/ and /organization/. Prints a table and writes
bench/results/search-<N>.json.
Timings are reported, never asserted.

    .venv/bin/python bench/search.py [--datasets 50000] [--creates 200] [--rounds 5]
"""
from __future__ import annotations

import argparse
import configparser
import dataclasses
import datetime
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import sqlalchemy

from bulk import COUNTY_ORGS, Generator, organizations  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
TEST_INI = ROOT / "config" / "test.ini"
WORK_DIR = Path("/tmp/datong-bench")
RESULTS_DIR = ROOT / "bench" / "results"
BENCH_DB, BENCH_DATASTORE = "datong_bench", "datong_datastore_bench"
ADMIN = "bench_admin"
EDITOR, EDITOR_ORG = "bench_editor", "dt-jtysj"  # a department editor: a government user
FACETS = ["organization", "tags", "res_format", "license_id"]
TEXT_QUERIES = ["公交", "医保 定点", "空气质量", "云冈 旅游", "学校 名录", "平城区", "停车场",
                "企业 登记", "养老 机构", "水质 监测", "统计 年鉴", "预算 公开", "药品 零售",
                "充电桩", "公共厕所", "招聘", "煤矿", "黄花", "地下水 水位", "大同"]
# A department, a district, a domain's tag, and the most frequent tag (about a third of all).
FILTER_QUERIES = ["organization:dt-jtysj", "organization:dt-pcq", 'tags:"交通出行"', 'tags:"教育"']
PAGES = ["/dataset/", "/dataset/?q=公交", "/organization/"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def stats(ms: list[float]) -> dict[str, float]:
    """n, p50, p95 (nearest rank), max and mean of timings in milliseconds."""
    ordered = sorted(ms)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {"n": len(ordered), "p50": round(statistics.median(ordered), 1),
            "p95": round(p95, 1), "max": round(ordered[-1], 1),
            "mean": round(statistics.fmean(ordered), 1)}


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


# --- phase 0: a database of its own ---------------------------------------------------------

def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


@dataclasses.dataclass(frozen=True)
class BenchDatabase:
    """Where a benchmark runs: its own databases, Redis db, site id and work folder."""

    database: str
    datastore: str
    redis_db: str
    site_id: str
    work_dir: Path
    settings: tuple[tuple[str, str], ...] = ()


SEARCH_BENCH = BenchDatabase(BENCH_DB, BENCH_DATASTORE, "3", "datong_bench", WORK_DIR)


def prepare_database(wait: int, bench: BenchDatabase = SEARCH_BENCH) -> Path:
    """Write bench.ini in the bench's work folder (test.ini on the bench's own databases and
    Redis db, plus its settings), drop those databases and let config/setup.sh create and
    migrate them afresh; returns the ini path. Sessions of someone else on those databases
    are waited for (`wait` seconds), never cut off."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep SECRET_KEY
    parser.read(TEST_INI, encoding="utf-8")
    app = parser["app:main"]
    app["sqlalchemy.url"] = _with_database(app["sqlalchemy.url"], bench.database)
    for key in ("ckan.datastore.write_url", "ckan.datastore.read_url"):
        app[key] = _with_database(app[key], bench.datastore)
    app["ckan.site_id"] = bench.site_id
    app["ckan.redis.url"] = _with_database(app["ckan.redis.url"], bench.redis_db)
    app["ckan.storage_path"] = str(bench.work_dir / "storage")
    for key, value in bench.settings:
        app[key] = value
    for key, value in app.items():  # the bench ini lives elsewhere: paths stay config/'s
        app[key] = value.replace("%(here)s", str(TEST_INI.parent))
    bench.work_dir.mkdir(parents=True, exist_ok=True)
    ini = bench.work_dir / "bench.ini"
    with ini.open("w", encoding="utf-8") as out:
        parser.write(out)

    try:  # the datong role owns the databases, so it may drop them
        conn = psycopg2.connect(_with_database(app["sqlalchemy.url"], "postgres"))
    except psycopg2.OperationalError:
        log("no datong role yet: config/setup.sh will create it")
    else:
        conn.autocommit = True
        with conn.cursor() as cur:
            wait_for_other_sessions(cur, wait, bench)
            for name in (bench.database, bench.datastore):
                log(f"dropping database {name} (if it exists)")
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()
    log(f"config/setup.sh database {ini}")
    subprocess.run([str(ROOT / "config" / "setup.sh"), "database", str(ini)], check=True,
                   cwd=ROOT)
    return ini


def wait_for_other_sessions(cur: Any, wait: int, bench: BenchDatabase) -> None:
    """Block while other sessions use the bench databases; give up after `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        cur.execute("""SELECT pid, datname, application_name, state, left(query, 60)
                       FROM pg_stat_activity WHERE datname IN (%s, %s) AND pid <> pg_backend_pid()""",
                    (bench.database, bench.datastore))
        sessions = cur.fetchall()
        if not sessions:
            return
        if time.monotonic() >= deadline:
            raise SystemExit(f"{len(sessions)} other sessions still use {bench.database}; not "
                             "dropping it under them (psql: SELECT * FROM pg_stat_activity)")
        log(f"waiting for {len(sessions)} other sessions on the bench databases, e.g. "
            f"{sessions[0]}")
        time.sleep(15)


def load_app(ini: Path) -> Any:
    """CKAN in-process, as `ckan -c INI` builds it."""
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    return make_app(load_config(str(ini)))


# --- phase 1: users, organizations, package_create ------------------------------------------

def create_admin() -> str:
    """A sysadmin for the write phases; returns its id."""
    from ckan import model
    user = model.User(name=ADMIN, email="bench@datong.example", password="bench-password-1",
                      sysadmin=True, state="active")
    model.Session.add(user)
    model.Session.commit()
    return user.id


def create_editor() -> None:
    """A signed-in government user: editor of one department (EDITOR_ORG), not a sysadmin."""
    action("user_create", {"user": ADMIN}, {"name": EDITOR, "email": "editor@datong.example",
                                            "password": "bench-password-1"})
    action("organization_member_create", {"user": ADMIN},
           {"id": EDITOR_ORG, "username": EDITOR, "role": "editor"})
    log(f"created {EDITOR}, editor of {EDITOR_ORG}")


def action(name: str, context: dict[str, Any], data: dict[str, Any]) -> Any:
    """Call an action as one request would, releasing the session afterwards."""
    from ckan import model
    from ckan.plugins import toolkit
    try:
        return toolkit.get_action(name)(context, data)
    finally:
        model.Session.remove()


def create_organizations() -> dict[str, str]:
    """The ~40 publishers through organization_create, with the organization schema's
    required fields (kind, region, demo credit code, department number); name → id."""
    from ckanext.datong import uscc, vocabulary
    regions = {term.label: term.value for term in vocabulary.terms("regions")}
    counties = {slug: place for place, _, slug in COUNTY_ORGS}
    ids = {}
    for number, org in enumerate(organizations(), 1):
        region = regions.get(counties.get(org.name, ""), "140200")
        kind = "县区" if org.name in counties else "市直部门"
        created = action("organization_create", {"user": ADMIN}, {
            "name": org.name, "title": org.title, "org_kind": kind, "region_code": region,
            "uscc": uscc.make_code("1", "1", region, f"BC{number:06d}"), "uscc_is_demo": "true",
            "dept_code": f"{number:03d}"})
        ids[org.name] = created["id"]
    log(f"created {len(ids)} organizations")
    return ids


def measure_creates(generator: Generator, prefix: str, count: int, label: str) -> dict[str, Any]:
    """`count` package_create calls as the sysadmin, timed one by one."""
    from ckan import model
    from ckan.plugins import toolkit
    create = toolkit.get_action("package_create")
    times = []
    start = time.perf_counter()
    for i in range(count):
        data = generator.dataset(f"{prefix}{i:04d}").as_create_dict()
        ms, _ = timed(lambda: create({"user": ADMIN}, data))
        model.Session.remove()
        times.append(ms)
    seconds = time.perf_counter() - start
    result = {"count": count, "seconds": round(seconds, 2),
              "per_second": round(count / seconds, 1), **stats(times)}
    log(f"package_create {label}: {count} in {seconds:.1f} s, {result['per_second']}/s, "
        f"p50 {result['p50']} ms, p95 {result['p95']} ms")
    return result


# --- phase 2: bulk load and index rebuild ---------------------------------------------------

def bulk_load(generator: Generator, count: int, admin_id: str,
              org_ids: dict[str, str]) -> dict[str, Any]:
    """N datasets straight into CKAN's tables (not indexed yet)."""
    from bulk import bulk_insert
    from ckan.common import config
    start = time.perf_counter()

    def progress(done: int) -> None:
        log(f"bulk insert: {done}/{count} datasets ({done / (time.perf_counter() - start):.0f}/s)")

    resources = bulk_insert(config["sqlalchemy.url"], generator, count, "bulk-", admin_id,
                            org_ids, progress=progress)
    seconds = time.perf_counter() - start
    log(f"bulk insert: {count} datasets, {resources} resources in {seconds:.1f} s")
    return {"datasets": count, "resources": resources, "seconds": round(seconds, 2),
            "per_second": round(count / seconds, 1)}


def rebuild_index(workers: int) -> dict[str, Any]:
    """Index every dataset with the extension's parallel rebuild, or CKAN's serial one when
    that is not installed; the rate is the figure that matters."""
    from ckan import model
    start = time.perf_counter()
    try:
        from ckanext.datong.search.rebuild import rebuild
    except ImportError:
        if (ROOT / "ckanext-datong" / "search" / "rebuild.py").exists():
            log("WARNING: search/rebuild.py exists but is not installed: run config/setup.sh venv")
        log("index rebuild: ckan.lib.search.rebuild (serial, CKAN's own)")
        from ckan.lib import search
        search.rebuild(quiet=True)
        method, indexed = "ckan.lib.search.rebuild", None
    else:
        log(f"index rebuild: ckanext.datong.search.rebuild, {workers} workers")
        summary = rebuild(workers=workers, echo=lambda line: log(f"  {line}"))
        log(f"  {summary.line()}")
        method, indexed = f"datong rebuild ({workers} workers)", summary.indexed
    seconds = time.perf_counter() - start
    model.Session.remove()
    if indexed is None:
        indexed = model.Session.query(model.Package).count()
        model.Session.remove()
    result = {"method": method, "indexed": indexed, "seconds": round(seconds, 2),
              "per_second": round(indexed / seconds, 1)}
    log(f"index rebuild: {indexed} datasets in {seconds:.1f} s ({result['per_second']}/s)")
    return result


def analyze(dsn: str) -> dict[str, Any]:
    """ANALYZE the database, as autovacuum would shortly after a bulk load. This cluster runs
    with autovacuum off; without statistics the planner picks nested loops that make the
    empty query take seconds at 2,000 datasets (see bench/README.md)."""
    start = time.perf_counter()
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SET client_min_messages = error")  # not the shared catalogs' warnings
        cur.execute("ANALYZE")
    conn.close()
    seconds = time.perf_counter() - start
    log(f"ANALYZE: {seconds:.1f} s")
    return {"seconds": round(seconds, 2)}


def check_catalog(count: int) -> list[str]:
    """package_show on a bulk dataset; search counts against the package table.
    Returns the failed checks (empty when all pass)."""
    from ckan import model
    failures = []
    name = f"bulk-{count // 2:06d}"
    shown = action("package_show", {"user": ADMIN}, {"id": name})
    if not (shown["title"] and shown["organization"] and 1 <= len(shown["resources"]) <= 3
            and 2 <= len(shown["tags"]) <= 5):
        failures.append(f"package_show {name} looks incomplete")
    log(f"package_show {name}: {shown['title']} · {shown['organization']['title']} · "
        f"{len(shown['resources'])} resources · tags {', '.join(t['name'] for t in shown['tags'])}")
    from ckanext.datong import access
    total = model.Session.query(model.Package).filter_by(state="active").count()
    public = model.Session.query(model.Package).filter(
        access.seen_entries(access.ANONYMOUS)).count()  # 不予开放 entries are not public
    model.Session.remove()
    for label, context, data, expected in [
            ("sysadmin, include_private", {"user": ADMIN}, {"include_private": True}, total),
            ("anonymous", {"user": ""}, {}, public)]:
        found = action("package_search", context, {"q": "", "rows": 0, **data})["count"]
        ok = found == expected
        log(f"package_search count ({label}): {found}, package table {expected} "
            f"{'ok' if ok else 'MISMATCH'}")
        if not ok:
            failures.append(f"package_search count ({label}) {found} != {expected}")
    return failures


# --- phase 3: package_search ----------------------------------------------------------------

def search_cases() -> dict[str, list[dict[str, str]]]:
    return {"text": [{"q": q} for q in TEXT_QUERIES],
            "empty": [{"q": ""}],
            "filter": [{"q": "", "fq": fq} for fq in FILTER_QUERIES]}


def cache_buster() -> Callable[[], None] | None:
    """The extension's way to invalidate its search-result cache, if it has one: figures are
    then taken both cold (cache invalidated before each call) and warm (the same call again)."""
    try:
        from ckanext.datong.search import cache
    except ImportError:
        return None
    return getattr(cache, "bump_generation", None)


def measure_search(rounds: int) -> dict[str, Any]:
    """Every query kind × user: one warm-up, then `rounds` timed rounds (cold, and warm when
    the backend caches results). A user's calls are made signed in, as in a web request or an
    API call with their token (CKAN loads the user before the action runs)."""
    import flask_login
    from ckan import model
    from ckan.plugins import toolkit
    search = toolkit.get_action("package_search")
    bust = cache_buster()
    users = {"anonymous": ({"user": ""}, {}),
             "sysadmin": ({"user": ADMIN}, {"include_private": True}),
             "editor": ({"user": EDITOR}, {"include_private": True})}
    out: dict[str, Any] = {"cache": bust is not None, "kinds": {}, "hits": {}, "slowest": None}
    slowest = (0.0, "")

    def call(context: dict[str, Any], data: dict[str, Any]) -> tuple[float, Any]:
        if context["user"]:
            flask_login.login_user(model.User.by_name(context["user"]))
        try:
            ms, result = timed(lambda: search(dict(context), data))
        finally:
            flask_login.logout_user()
            model.Session.remove()
        return ms, result

    for kind, cases in search_cases().items():
        for user, (context, extra) in users.items():
            cold: list[float] = []
            warm: list[float] = []
            for round_ in range(rounds + 1):
                for case in cases:
                    data = {**case, "rows": 20, "facet.field": FACETS, **extra}
                    label = " ".join(f"{k}={v!r}" for k, v in case.items() if v or k == "q")
                    if bust:
                        bust()
                    ms, result = call(context, data)
                    if round_ == 0:
                        out["hits"][f"{user} {label}"] = result["count"]
                        log(f"  {kind:6} {user:9} {label}: {result['count']} hits, {ms:.0f} ms (warm-up)")
                        continue
                    cold.append(ms)
                    if ms > slowest[0]:
                        slowest = (ms, f"{kind} {user} {label}")
                    if bust:
                        warm.append(call(context, data)[0])
            for times, suffix in ((cold, ""), (warm, ", cached")):
                if times:
                    s = out["kinds"][f"{kind} {user}{suffix}"] = stats(times)
                    log(f"search {kind} ({user}{suffix}): p50 {s['p50']} ms, p95 {s['p95']} ms, "
                        f"max {s['max']} ms")
    out["slowest"] = {"ms": round(slowest[0], 1), "query": slowest[1]}
    log(f"slowest single search: {slowest[1]} {slowest[0]:.0f} ms")
    return out


# --- phase 4: pages -------------------------------------------------------------------------

def measure_pages(app: Any, requests: int) -> dict[str, Any]:
    """Anonymous GETs through the whole WSGI stack: one warm-up, then `requests` timed (cold,
    and warm when the backend caches results)."""
    from werkzeug.test import Client
    client = Client(app)
    with app._wsgi_app.app_context():
        bust = cache_buster()
    out = {}
    for page in PAGES:
        path, _, query = page.partition("?")

        def get() -> float:
            ms, response = timed(lambda: client.get(path, query_string=query or None))
            if response.status_code != 200:
                raise RuntimeError(f"GET {page}: HTTP {response.status_code}")
            return ms

        cold: list[float] = []
        warm: list[float] = []
        for i in range(requests + 1):
            if bust:
                with app._wsgi_app.app_context():
                    bust()
            ms = get()
            if i:
                cold.append(ms)
                if bust:
                    warm.append(get())
        for times, suffix in ((cold, ""), (warm, ", cached")):
            if times:
                s = out[f"{page}{suffix}"] = stats(times)
                log(f"GET {page}{suffix}: p50 {s['p50']} ms, p95 {s['p95']} ms")
    return out


# --- report ---------------------------------------------------------------------------------

def table(results: dict[str, Any]) -> str:
    """The figures as a compact fixed-width table."""
    rows: list[tuple[str, str]] = []
    n = results["datasets"]
    for key, label in (("create_empty", "package_create, empty catalog"),
                       ("create_full", f"package_create, at {n:,} datasets")):
        c = results[key]
        rows.append((label, f"{c['per_second']:>7}/s   p50 {c['p50']:>7} ms  p95 {c['p95']:>7} ms"))
    b, r = results["bulk_insert"], results["rebuild"]
    env = results["environment"]
    rows.append(("bulk insert (SQL, not indexed)", f"{b['per_second']:>7}/s   {b['datasets']:,} in {b['seconds']} s"))
    rows.append((f"index rebuild [{r['method']}]", f"{r['per_second']:>7}/s   {r['indexed']:,} in {r['seconds']} s"))
    if "analyze" in results:
        rows.append(("ANALYZE after the load", f"{results['analyze']['seconds']} s"))
    else:
        rows.append(("ANALYZE after the load", "skipped (--no-analyze)"))
    for kind, s in results["search"]["kinds"].items():
        rows.append((f"package_search {kind}", f"p50 {s['p50']:>7} ms  p95 {s['p95']:>7} ms  max {s['max']:>7} ms  (n={s['n']})"))
    slowest = results["search"]["slowest"]
    rows.append(("slowest single search", f"{slowest['ms']} ms  {slowest['query']}"))
    for page, s in results["pages"].items():
        rows.append((f"GET {page}", f"p50 {s['p50']:>7} ms  p95 {s['p95']:>7} ms"))
    rows.append(("machine (cpus, load, cpu pressure)",
                 f"{env['cpus']} cpus, load {env['load_at_start']['loadavg'][1]} → "
                 f"{env['load_at_end']['loadavg'][1]}, pressure avg60 "
                 f"{env['load_at_start'].get('cpu_pressure_avg60', '?')} → "
                 f"{env['load_at_end'].get('cpu_pressure_avg60', '?')} %"))
    width = max(map(display_width, (label for label, _ in rows)))
    return "\n".join(label + " " * (width - display_width(label) + 2) + value
                     for label, value in rows)


def display_width(text: str) -> int:
    """Terminal columns of `text` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def environment() -> dict[str, Any]:
    """Where the figures were measured."""
    from ckan import model
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    def setting(name: str) -> str:
        return model.Session.execute(sqlalchemy.text(f"SHOW {name}")).scalar()
    postgres = {name: setting(name) for name in ("server_version", "autovacuum",
                                                 "shared_buffers", "work_mem")}
    model.Session.remove()
    return {"date": datetime.datetime.now().isoformat(timespec="seconds"), "git": commit,
            "cpus": os.cpu_count(), "python": platform.python_version(), "postgres": postgres,
            "load_at_start": machine_load()}


def machine_load() -> dict[str, Any]:
    """Load average and CPU pressure: other work on the machine inflates every figure."""
    out: dict[str, Any] = {"loadavg": [round(x, 2) for x in os.getloadavg()]}
    try:
        some = Path("/proc/pressure/cpu").read_text().split("\n")[0]
        out["cpu_pressure_avg60"] = float(some.split("avg60=")[1].split()[0])
    except (OSError, IndexError, ValueError):
        pass
    return out


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=50_000, help="bulk-loaded datasets")
    parser.add_argument("--creates", type=int, default=200, help="package_create calls per phase")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds of every query")
    parser.add_argument("--pages", type=int, default=5, help="timed requests of every page")
    parser.add_argument("--workers", type=int, default=2, help="index rebuild workers")
    parser.add_argument("--no-analyze", dest="analyze", action="store_false",
                        help="search without planner statistics (slow: autovacuum is off here)")
    parser.add_argument("--wait", type=int, default=600,
                        help="seconds to wait for other sessions on the bench databases to end")
    args = parser.parse_args(list(argv) if argv is not None else None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated by SIGTERM"))
    started = time.perf_counter()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"search-{args.datasets}.json"
    results: dict[str, Any] = {"complete": False, "datasets": args.datasets,
                               "creates": args.creates, "rounds": args.rounds}

    def save() -> None:
        """Write what is known so far: a run that dies midway still leaves its figures."""
        out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    app = load_app(prepare_database(args.wait))
    with app._wsgi_app.test_request_context():
        from ckan import model
        from ckan.common import config
        results["environment"] = environment()
        admin_id = create_admin()
        org_ids = create_organizations()
        create_editor()
        generator = Generator(sorted(model.Package.get_license_register().keys()))
        results["create_empty"] = measure_creates(generator, "empty-", args.creates,
                                                  "at an empty catalog")
        save()
        results["bulk_insert"] = bulk_load(generator, args.datasets, admin_id, org_ids)
        results["rebuild"] = rebuild_index(args.workers)
        if args.analyze:
            results["analyze"] = analyze(config["sqlalchemy.url"])
        failures = results["checks_failed"] = check_catalog(args.datasets)
        save()
        results["create_full"] = measure_creates(generator, "full-", args.creates,
                                                 f"at {args.datasets:,} datasets")
        save()
        results["search"] = measure_search(args.rounds)
        save()
    results["pages"] = measure_pages(app, args.pages)
    results["environment"]["load_at_end"] = machine_load()
    results["complete"] = True
    save()

    print()
    print(table(results))
    print()
    minutes = (time.perf_counter() - started) / 60
    verdict = "all checks passed" if not failures else "CHECKS FAILED: " + "; ".join(failures)
    log(f"done in {minutes:.1f} min: {args.datasets:,} datasets, {verdict}; figures in "
        f"{out.relative_to(ROOT)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
