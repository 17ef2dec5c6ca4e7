"""Fixtures of the harvest pipeline tests: the real gather and fetch consumers as processes of
their own on this run's Redis queues, a feed server, and waiting for a job to finish."""
from __future__ import annotations

import configparser
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from ckan import model
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestJob

from tests.hangzhou import convert
from tests.harvest.conftest import FeedServer

CKAN = Path(sys.executable).with_name("ckan")
JOB_TIMEOUT = 120  # seconds for one job to finish


@pytest.fixture(scope="module")
def vocabularies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalog vocabularies with Hangzhou's regions (the feed's 所属区县)."""
    return convert.vocabularies_with_districts(tmp_path_factory.mktemp("vocab") / "vocabularies.yaml")


@pytest.fixture(scope="module")
def consumer_ini(request: pytest.FixtureRequest, vocabularies: Path, tmp_path_factory) -> Path:
    """The ini of this test run, with the extended vocabularies, for the processes."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(request.config.option.ckan_ini, encoding="utf-8")
    parser["app:main"][convert.VOCABULARY_OPTION] = str(vocabularies)
    parser["logger_ckanext"]["level"] = "INFO"
    ini = tmp_path_factory.mktemp("consumers") / "consumers.ini"
    with ini.open("w", encoding="utf-8") as out:
        parser.write(out)
    return ini


@pytest.fixture
def consumers(consumer_ini: Path, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The gather and fetch consumers on this run's Redis queues, stopped afterwards."""
    queue.purge_queues()
    processes: dict[str, Any] = {}
    for name in ("gather-consumer", "fetch-consumer"):
        log = (tmp_path / f"{name}.log").open("wb")
        processes[name] = (subprocess.Popen([str(CKAN), "-c", str(consumer_ini), "harvester", name],
                                            stdout=log, stderr=subprocess.STDOUT), log)
    yield {"ini": consumer_ini, "logs": tmp_path}
    for process, log in processes.values():
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    queue.purge_queues()


@pytest.fixture(scope="module")
def feeds() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def harvester_run(ini: Path) -> None:
    subprocess.run([str(CKAN), "-c", str(ini), "harvester", "run"], check=True,
                   capture_output=True, timeout=120)


def wait_until_finished(source_id: str, ini: Path, logs: Path, jobs_before: int) -> HarvestJob:
    """Run `ckan harvester run` (which also marks finished jobs) until a new job of the
    source has finished."""
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        harvester_run(ini)
        model.Session.expire_all()
        jobs = (model.Session.query(HarvestJob).filter(HarvestJob.source_id == source_id)
                .order_by(HarvestJob.created).all())
        if len(jobs) > jobs_before and jobs[-1].status == "Finished":
            return jobs[-1]
        time.sleep(1)
    logs_text = "\n".join(path.read_text(errors="replace")[-3000:] for path in logs.glob("*.log"))
    raise AssertionError(f"the harvest job did not finish in {JOB_TIMEOUT} s; consumer logs:\n{logs_text}")
