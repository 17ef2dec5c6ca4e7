"""Benchmark: harvesting large JSON feeds through the real gather and fetch consumers.

Phases, each printing what it does: a fresh `datong_bench_hv` database (Redis db 12); a feed
of N entries generated from the real Hangzhou catalog (tests/data/, repeated with distinct
titles and addresses), served on 127.0.0.1 and read by `datong_json` with the Hangzhou
mapping of the harvester tests; `ckan harvester gather-consumer` and one or more
`fetch-consumer` processes over Redis; the first harvest (every entry validated and
created), an unchanged re-harvest, and a re-harvest of the same entries padded to a
~100 MB feed (unmapped padding: the entries are unchanged, the gather streams the whole
file). Prints first-harvest datasets/s, unchanged entries/s and the peak resident memory
(VmHWM) of the gather and fetch processes, and writes bench/results/harvest-<N>.json
(harvest-<N>-<K>fetch.json with K fetch consumers).
Timings are reported, never asserted; it exits non-zero when a job does not end with
every entry added (first) or not modified (re-harvests).

    .venv/bin/python bench/harvest.py [--entries 10000] [--big-mb 100] [--fetch-consumers 1]
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterable

# bench/ is on sys.path when run as a script; the repository root holds the tests package.
from search import BenchDatabase, display_width, environment, load_app, log, machine_load, prepare_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK_DIR = Path("/tmp/datong-bench-harvest")
CKAN = Path(sys.executable).with_name("ckan")
ADMIN = "bench_admin"
JOB_TIMEOUT = 3600


# --- feeds ----------------------------------------------------------------------------------

def feed_records(count: int, padding: int = 0) -> Iterable[dict[str, Any]]:
    """`count` Hangzhou records, repeated with a distinct title and address per copy; with
    `padding`, each record carries that many characters in a field the mapping ignores."""
    from tests.hangzhou import convert

    records = convert.read()
    filler = ("大同市公共数据目录采集基准测试填充文本。" * (padding // 20 + 1))[:padding]
    for number in range(count):
        record = dict(records[number % len(records)])
        copy = number // len(records)
        if copy:
            record["资源名称"] = f"{record['资源名称']}（副本{copy}）"
            record["详情页网址"] = f"{record['详情页网址']}#copy-{copy}"
        if padding:
            record["附加说明"] = filler
        yield record


def write_feed(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """Write a JSON array one record at a time; returns the size in bytes."""
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for index, record in enumerate(records):
            if index:
                out.write(",\n")
            out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n]\n")
    return path.stat().st_size


def serve(directory: Path) -> ThreadingHTTPServer:
    """A static file server on 127.0.0.1 for the feeds."""
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- processes ------------------------------------------------------------------------------

def start_consumers(ini: Path, fetchers: int) -> dict[str, subprocess.Popen]:
    logs = WORK_DIR / "logs"
    logs.mkdir(exist_ok=True)
    names = ["gather"] + [f"fetch{n + 1}" for n in range(fetchers)]
    processes = {}
    for name in names:
        command = "gather-consumer" if name == "gather" else "fetch-consumer"
        processes[name] = subprocess.Popen(
            [str(CKAN), "-c", str(ini), "harvester", command],
            stdout=(logs / f"{name}.log").open("wb"), stderr=subprocess.STDOUT)
        log(f"started {command} ({name}, pid {processes[name].pid}, log {logs / name}.log)")
    return processes


def stop(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        process.terminate()
    for process in processes.values():
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def cpu_s(processes: dict[str, subprocess.Popen]) -> dict[str, float]:
    """CPU seconds (user + system) each process has used so far: on a shared machine the
    fetch consumer's CPU per entry is the figure that other work does not inflate."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for name, process in processes.items():
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        out[name] = round((int(fields[11]) + int(fields[12])) / ticks, 1)
    return out


def memory_mb(processes: dict[str, subprocess.Popen]) -> dict[str, dict[str, float]]:
    """Peak (VmHWM) and current (VmRSS) resident memory of each process, in MB."""
    out = {}
    for name, process in processes.items():
        fields = {}
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                fields[key] = round(int(value.split()[0]) / 1024, 1)
        out[name] = fields
    return out


# --- harvest jobs ---------------------------------------------------------------------------

def create_source(url: str, org_id: str) -> dict[str, Any]:
    from ckan.plugins import toolkit
    from tests.harvest.conftest import HANGZHOU_CONFIG

    config = {**HANGZHOU_CONFIG, "timeout": 60, "retries": 2}
    return toolkit.get_action("harvest_source_create")({"user": ADMIN}, {
        "name": "bench-hangzhou", "title": "杭州目录（基准）", "url": url,
        "source_type": "datong_json", "owner_org": org_id, "frequency": "MANUAL",
        "config": json.dumps(config, ensure_ascii=False)})


def run_job(source_id: str, processes: dict[str, subprocess.Popen]) -> dict[str, Any]:
    """Queue a job (as 立即采集 does), wait until every object is done, close the job as
    `ckan harvester run` does; its counts and timings."""
    from ckan import model
    from ckan.plugins import toolkit
    from ckanext.harvest.model import HarvestJob, HarvestObject
    import sqlalchemy as sa

    cpu_before = cpu_s(processes)
    job_id = toolkit.get_action("harvest_job_create")({"user": ADMIN}, {"source_id": source_id, "run": True})["id"]
    model.Session.remove()
    deadline = time.monotonic() + JOB_TIMEOUT
    last_report = time.monotonic()
    while True:
        time.sleep(1)
        job = model.Session.get(HarvestJob, job_id)
        counts = dict(model.Session.query(HarvestObject.state, sa.func.count(HarvestObject.id))
                      .filter(HarvestObject.harvest_job_id == job_id).group_by(HarvestObject.state).all())
        done = counts.get("COMPLETE", 0) + counts.get("ERROR", 0)
        gathered = job.gather_finished is not None
        model.Session.remove()
        if time.monotonic() - last_report > 15:
            last_report = time.monotonic()
            log(f"  {'gathered' if gathered else 'gathering'}: {sum(counts.values()):,} objects, "
                f"{done:,} done; memory {memory_mb(processes)}")
        if gathered and done == sum(counts.values()):
            break
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes.values()):
            raise SystemExit(f"job {job_id} did not finish (a consumer died or {JOB_TIMEOUT} s passed)")
    toolkit.get_action("harvest_jobs_run")({"user": ADMIN}, {"source_id": source_id})
    job = model.Session.get(HarvestJob, job_id)
    statuses = dict(model.Session.query(HarvestObject.report_status, sa.func.count(HarvestObject.id))
                    .filter(HarvestObject.harvest_job_id == job_id).group_by(HarvestObject.report_status).all())
    last_import = model.Session.query(sa.func.max(HarvestObject.import_finished)).filter(
        HarvestObject.harvest_job_id == job_id).scalar()
    errors = [e.message for e in job.gather_errors]
    result = {
        "job": job_id, "status": job.status, "report": statuses, "gather_errors": errors,
        "gather_s": round((job.gather_finished - job.gather_started).total_seconds(), 1),
        "total_s": round(((last_import or job.gather_finished) - job.gather_started).total_seconds(), 1),
        "memory_mb": memory_mb(processes),
        "cpu_s": {name: round(spent - cpu_before[name], 1) for name, spent in cpu_s(processes).items()},
        "load_at_end": machine_load(),
    }
    model.Session.remove()
    return result


# --- report ---------------------------------------------------------------------------------

def table(results: dict[str, Any]) -> str:
    rows = [("phase", "entries", "seconds", "rate", "fetch CPU ms/entry", "gather peak MB", "fetch peak MB")]
    for key, label, rate_label in (("first", "first harvest", "datasets/s"),
                                   ("unchanged", "unchanged re-harvest", "entries/s"),
                                   ("big", "unchanged, ~100 MB feed", "entries/s")):
        phase = results.get(key)
        if not phase:
            continue
        memory = phase["memory_mb"]
        fetch_peak = max(v["VmHWM"] for k, v in memory.items() if k.startswith("fetch"))
        fetch_cpu = sum(v for k, v in phase["cpu_s"].items() if k.startswith("fetch"))
        rows.append((label, f"{phase['entries']:,}", f"{phase['total_s']}", f"{phase['rate']} {rate_label}",
                     f"{1000 * fetch_cpu / phase['entries']:.0f}", f"{memory['gather']['VmHWM']}", f"{fetch_peak}"))
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell + " " * (width - display_width(cell)) for cell, width in zip(row, widths))
                     for row in rows)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000, help="entries of the feed")
    parser.add_argument("--big-mb", type=int, default=100, help="size of the padded feed in MB (0: skip)")
    parser.add_argument("--fetch-consumers", type=int, default=1, help="fetch consumers side by side")
    parser.add_argument("--wait", type=int, default=600,
                        help="seconds to wait for other sessions on the bench databases to end")
    args = parser.parse_args(argv)

    from tests.hangzhou import convert

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    vocabularies = convert.vocabularies_with_districts(WORK_DIR / "vocabularies.yaml")
    bench = BenchDatabase("datong_bench_hv", "datong_datastore_bench_hv", "12", "datong_bench_hv", WORK_DIR,
                          settings=((convert.VOCABULARY_OPTION, str(vocabularies)),))
    ini = prepare_database(args.wait, bench)
    results: dict[str, Any] = {"entries": args.entries, "fetch_consumers": args.fetch_consumers}
    consumers = "" if args.fetch_consumers == 1 else f"-{args.fetch_consumers}fetch"
    out_path = ROOT / "bench" / "results" / f"harvest-{args.entries}{consumers}.json"
    feeds = WORK_DIR / "feeds"
    feeds.mkdir(exist_ok=True)
    size = write_feed(feeds / "catalog.json", feed_records(args.entries))
    log(f"wrote a feed of {args.entries:,} entries ({size / 1e6:.1f} MB)")
    server = serve(feeds)
    url = f"http://127.0.0.1:{server.server_address[1]}/catalog.json"

    app = load_app(ini)
    with app._wsgi_app.test_request_context():
        from ckan import model
        from ckan.plugins import toolkit
        from ckanext.harvest import queue

        results["environment"] = environment()
        queue.purge_queues()
        model.Session.add(model.User(name=ADMIN, email="bench@datong.example", password="bench-password-1",
                                     sysadmin=True, state="active"))
        model.Session.commit()
        from ckanext.datong import uscc
        org = toolkit.get_action("organization_create")({"user": ADMIN}, {
            "name": "hz-bench", "title": "杭州市数据资源管理局（基准）", "org_kind": "市直部门",
            "region_code": "140200", "uscc": uscc.make_code("1", "1", "140200", "TE900001"),
            "uscc_is_demo": "true", "dept_code": "901"})
        source = create_source(url, org["id"])
        model.Session.remove()
        processes = start_consumers(ini, args.fetch_consumers)
        try:
            time.sleep(5)  # let the consumers connect
            log(f"first harvest of {args.entries:,} entries")
            first = run_job(source["id"], processes)
            first.update(entries=args.entries, rate=round(first["report"].get("added", 0) / first["total_s"], 1))
            results["first"] = first
            log(f"first harvest: {first}")
            log("unchanged re-harvest")
            again = run_job(source["id"], processes)
            again.update(entries=args.entries, rate=round(args.entries / again["gather_s"], 1))
            results["unchanged"] = again
            log(f"unchanged: {again}")
            if args.big_mb:
                padding = max(0, (args.big_mb * 1_000_000 - size) // args.entries // 3)  # 3 bytes a character
                big = write_feed(feeds / "catalog.json", feed_records(args.entries, padding))
                log(f"padded the feed to {big / 1e6:.1f} MB ({padding:,} characters an entry, unmapped)")
                padded = run_job(source["id"], processes)
                padded.update(entries=args.entries, feed_mb=round(big / 1e6, 1),
                              rate=round(args.entries / padded["gather_s"], 1))
                results["big"] = padded
                log(f"~100 MB feed: {padded}")
        finally:
            stop(processes)
            server.shutdown()
        results["load_at_end"] = machine_load()
    out_path.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print(table(results))
    log(f"wrote {out_path}")
    ok = (results["first"]["report"] == {"added": args.entries}
          and results["unchanged"]["report"] == {"not modified": args.entries}
          and (not args.big_mb or results["big"]["report"] == {"not modified": args.entries}))
    if not ok:
        log("not every entry was added or found unchanged: see the reports above")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
