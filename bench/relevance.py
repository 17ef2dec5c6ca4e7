"""Benchmark: known-item search on the real Hangzhou catalog (ranking quality and latency).

Phases, each printing what it does: the Hangzhou catalog imported into `datong_bench_rel`
as bench/hangzhou.py imports it (skipped with --reuse when the database already holds exactly
that catalog); two sets of a few hundred known-item queries, each two words of one entry's
title as the index's analyzer segments it (any of its words; only words that tell titles
apart), sent through package_search as anonymous the way the search box sends them; MRR@10 and recall@10 of the engine's order and of the baseline "among the
results whose title holds every query word, shortest title first"; latency p50/p95 (cold:
the search cache is invalidated before every call). With --synthetic N, N synthetic entries
(bench/bulk.py) are then added and the text queries of bench/search.py timed at that size.
Prints a table and writes bench/results/relevance.json. Figures are reported, never asserted.

    .venv/bin/python bench/relevance.py [--queries 300] [--seed 13] [--reuse] [--synthetic 50000]
"""
from __future__ import annotations

import argparse
import collections
import configparser
import dataclasses
import json
import random
import signal
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any, Callable, Iterable

import psycopg2
import sqlalchemy

# bench/ is on sys.path when run as a script; hangzhou puts the repository root there too.
from hangzhou import EXPECTED, import_all
from search import (TEXT_QUERIES, BenchDatabase, analyze, bulk_load, cache_buster, create_admin,
                    create_organizations, environment, load_app, log, machine_load,
                    prepare_database, rebuild_index, stats)

ROOT = Path(__file__).resolve().parent.parent
WORK_DIR = Path("/tmp/datong-bench-relevance")
RESULTS = ROOT / "bench" / "results" / "relevance.json"
CUTOFF = 10      # MRR@10, recall@10
PAGE_ROWS = 20   # what /dataset/ asks for (ckan.datasets_per_page)
MIN_WORD = 2     # query words are words of at least two characters (not 的, 及, 区 …)
# The query sets: words drawn from any of the title's words, and only from the words that tell
# titles apart (in at most 1 % of the titles: not 信息, in 96 %, nor 杭州市 or 西湖区).
QUERY_SETS = {"any_words": 1.0, "distinctive_words": 0.01}


@dataclasses.dataclass(frozen=True)
class KnownItem:
    """A query and the entry it is meant to find."""
    q: str
    words: tuple[str, ...]
    wanted: str  # the entry's id
    title: str


def bench_database() -> BenchDatabase:
    from tests.hangzhou import convert
    vocabularies = convert.vocabularies_with_districts(WORK_DIR / "vocabularies.yaml")
    return BenchDatabase("datong_bench_rel", "datong_datastore_bench_rel", "4", "datong_bench_rel",
                         WORK_DIR, (("ckanext.datong.catalog.vocabularies", str(vocabularies)),))


def holds_catalog(ini: Path) -> bool:
    """Whether the database of an earlier run's `ini` holds exactly the Hangzhou catalog, indexed."""
    if not ini.exists():
        return False
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ini, encoding="utf-8")
    try:
        with closing(psycopg2.connect(parser["app:main"]["sqlalchemy.url"])) as conn, conn.cursor() as cur:
            cur.execute("SELECT (SELECT count(*) FROM package WHERE state = 'active' AND type = 'dataset'),"
                        " (SELECT count(*) FROM datong_search_doc)")
            count, indexed = cur.fetchone()
    except psycopg2.Error:
        return False
    return count == indexed == EXPECTED["entries"]


def known_items(count: int, seed: int, max_share: float) -> list[KnownItem]:
    """`count` entries with a title of their own, drawn with `seed`; for each, two distinct
    words of its title (precise segmentation, as queries are analysed), kept in title order,
    among its words found in at most `max_share` of the titles."""
    from ckan import model
    from ckanext.datong.search.analysis import query_tokens
    rows = model.Session.execute(sqlalchemy.text(
        "SELECT id, title FROM package WHERE state = 'active' AND type = 'dataset'")).fetchall()
    model.Session.remove()
    by_title: dict[str, list[str]] = {}
    for id_, title in rows:
        by_title.setdefault(title, []).append(id_)
    words_of = {title: list(dict.fromkeys(w for w in query_tokens(title) if len(w) >= MIN_WORD))
                for title in by_title}
    titles_with = collections.Counter(word for words in words_of.values() for word in words)
    most = max_share * len(by_title)
    candidates = []
    for title in sorted(t for t, ids in by_title.items() if len(ids) == 1):
        words = [word for word in words_of[title] if titles_with[word] <= most]
        if len(words) >= 2:
            candidates.append((title, words))
    rng = random.Random(seed)
    items = []
    for title, words in rng.sample(candidates, min(count, len(candidates))):
        picked = sorted(rng.sample(range(len(words)), 2))
        chosen = tuple(words[i] for i in picked)
        items.append(KnownItem(" ".join(chosen), chosen, by_title[title][0], title))
    return items


def search(data: dict[str, Any]) -> dict[str, Any]:
    from ckan import model
    from ckan.plugins import toolkit
    try:
        return toolkit.get_action("package_search")({"user": ""}, data)
    finally:
        model.Session.remove()


def search_box(q: str) -> dict[str, Any]:
    """package_search as /dataset/?q= calls it for an anonymous visitor (no sort: CKAN's
    default `score desc, metadata_modified desc`; CKAN adds defType dismax, qf and mm), less
    the facet fields, whose counting is search.py's and portal.py's subject."""
    return search({"q": q, "fq": "", "rows": PAGE_ROWS, "start": 0})


def result_set(q: str) -> list[dict[str, Any]]:
    """Every match of `q`, in the engine's order, with the fields the baseline needs."""
    found: list[dict[str, Any]] = []
    while True:
        page = search({"q": q, "rows": 1000, "start": len(found),
                       "fl": ["id", "title", "metadata_modified"]})
        found.extend(page["results"])
        if not page["results"] or len(found) >= page["count"]:
            return found


def shortest_title_first(item: KnownItem, matches: list[dict[str, Any]]) -> list[str]:
    """The baseline order: matches whose title holds every query word (the index's analysis,
    search-mode words included), shortest title first, ties newest first (the default sort's
    second key); then the other matches in the engine's order."""
    from ckanext.datong.search.analysis import index_tokens

    def holds_all(title: str) -> bool:
        tokens = {token for token, _ in index_tokens(title)}
        return all(word in tokens for word in item.words)

    covering = [m for m in matches if holds_all(m["title"])]
    covering.sort(key=lambda m: m["metadata_modified"], reverse=True)
    covering.sort(key=lambda m: len(m["title"]))
    chosen = {m["id"] for m in covering}
    return [m["id"] for m in covering] + [m["id"] for m in matches if m["id"] not in chosen]


def reciprocal_rank(wanted: str, ids: list[str]) -> float:
    top = ids[:CUTOFF]
    return 1 / (top.index(wanted) + 1) if wanted in top else 0.0


def measure(items: list[KnownItem], bust: Callable[[], None] | None) -> dict[str, Any]:
    """Every known-item query once through the search box (timed, cold), then its whole
    result set for the baseline."""
    engine_rr, baseline_rr, times, misses = [], [], [], []
    for number, item in enumerate(items, 1):
        if bust:
            bust()
        start = time.perf_counter()
        page = search_box(item.q)
        times.append((time.perf_counter() - start) * 1000)
        ids = [r["id"] for r in page["results"]]
        engine_rr.append(reciprocal_rank(item.wanted, ids))
        baseline_rr.append(reciprocal_rank(item.wanted, shortest_title_first(item, result_set(item.q))))
        if engine_rr[-1] < 1:
            misses.append({"q": item.q, "title": item.title, "hits": page["count"],
                           "rank": round(1 / engine_rr[-1]) if engine_rr[-1] else None,
                           "baseline_rank": round(1 / baseline_rr[-1]) if baseline_rr[-1] else None,
                           "first": page["results"][0]["title"] if page["results"] else None})
        if number % 50 == 0 or number == len(items):
            log(f"  {number}/{len(items)} queries: MRR@10 {sum(engine_rr) / number:.3f}, "
                f"baseline {sum(baseline_rr) / number:.3f}")

    def quality(rr: list[float]) -> dict[str, float]:
        return {"mrr_at_10": round(sum(rr) / len(rr), 4),
                "recall_at_10": round(sum(1 for r in rr if r > 0) / len(rr), 4),
                "first": round(sum(1 for r in rr if r == 1) / len(rr), 4)}

    return {"queries": len(items), "engine": quality(engine_rr),
            "shortest_title_first": quality(baseline_rr), "latency_cold_ms": stats(times),
            "not_first": misses}


def synthetic(count: int, workers: int, bust: Callable[[], None] | None) -> dict[str, Any]:
    """`count` synthetic entries added by bulk load and the parallel rebuild, then the text
    queries of bench/search.py (rows 20, no facets) timed cold as anonymous, five rounds."""
    from ckan import model
    from ckan.common import config
    from bulk import Generator
    admin_id = create_admin()
    org_ids = create_organizations()
    generator = Generator(sorted(model.Package.get_license_register().keys()))
    out: dict[str, Any] = {"entries": count, "bulk_insert": bulk_load(generator, count, admin_id, org_ids),
                           "rebuild": rebuild_index(workers), "analyze": analyze(config["sqlalchemy.url"])}
    times = []
    for round_ in range(6):
        for q in TEXT_QUERIES:
            if bust:
                bust()
            start = time.perf_counter()
            search_box(q)
            if round_:  # the first round warms up
                times.append((time.perf_counter() - start) * 1000)
    out["text_latency_cold_ms"] = stats(times)
    log(f"text queries at {count:,} more entries, cold: p50 {out['text_latency_cold_ms']['p50']} ms, "
        f"p95 {out['text_latency_cold_ms']['p95']} ms")
    return out


def table(results: dict[str, Any]) -> str:
    rows = [f"{'':40}{'MRR@10':>8}{'recall@10':>11}{'first':>8}"]
    for name, m in results["known_item"].items():
        for label, key in (("engine (package_search)", "engine"),
                           ("shortest matching title first", "shortest_title_first")):
            q = m[key]
            rows.append(f"{name + ', ' + label:40}{q['mrr_at_10']:>8.3f}{q['recall_at_10']:>11.3f}{q['first']:>8.3f}")
        lat = m["latency_cold_ms"]
        rows.append(f"{name}, latency cold ({m['queries']} queries): p50 {lat['p50']} ms, "
                    f"p95 {lat['p95']} ms, max {lat['max']} ms")
    if "synthetic" in results:
        s = results["synthetic"]["text_latency_cold_ms"]
        rows.append(f"text queries with {results['synthetic']['entries']:,} synthetic entries more, cold: "
                    f"p50 {s['p50']} ms, p95 {s['p95']} ms, max {s['max']} ms")
    env = results["environment"]
    rows.append(f"machine: {env['cpus']} cpus, load {env['load_at_start']['loadavg'][1]} → "
                f"{env['load_at_end']['loadavg'][1]}")
    return "\n".join(rows)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=300, help="known-item queries")
    parser.add_argument("--seed", type=int, default=13, help="seed of the query sample")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the bench database (migrated to the newest schema) when it "
                             "already holds the Hangzhou catalog")
    parser.add_argument("--synthetic", type=int, default=0,
                        help="synthetic entries to add afterwards for a latency check (0: none)")
    parser.add_argument("--workers", type=int, default=2, help="index rebuild workers")
    parser.add_argument("--wait", type=int, default=600,
                        help="seconds to wait for other sessions on the bench databases to end")
    args = parser.parse_args(list(argv) if argv is not None else None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated by SIGTERM"))
    started = time.perf_counter()
    from tests.hangzhou import convert

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"complete": False, "queries": args.queries, "seed": args.seed}

    def save() -> None:
        RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    bench = bench_database()
    ini = WORK_DIR / "bench.ini"
    reused = args.reuse and holds_catalog(ini)
    if reused:  # migrations added since the import
        subprocess.run([str(ROOT / "config" / "setup.sh"), "database", str(ini)], check=True, cwd=ROOT)
    app = load_app(ini if reused else prepare_database(args.wait, bench))
    bust = cache_buster()
    with app._wsgi_app.test_request_context():
        results["environment"] = environment()
        if reused:
            log(f"reusing the Hangzhou catalog in {bench.database}")
        else:
            results["import"] = import_all(convert.read())
        results["known_item"] = {}
        for name, max_share in QUERY_SETS.items():
            items = known_items(args.queries, args.seed, max_share)
            log(f"{name}: {len(items)} known-item queries, e.g. "
                + "; ".join(f"{i.q} → {i.title}" for i in items[:3]))
            results["known_item"][name] = measure(items, bust)
            save()
        if args.synthetic:
            results["synthetic"] = synthetic(args.synthetic, args.workers, bust)
    results["environment"]["load_at_end"] = machine_load()
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["complete"] = True
    save()
    print()
    print(table(results))
    log(f"done in {results['seconds']} s; figures in {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
