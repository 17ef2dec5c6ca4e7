"""`make run` serves the portal through config/serve.sh: the harvest gather and fetch
consumers, the jobs worker and the periodic harvest runner run beside the web server, and
stopping the script stops them all."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _processes_with(marker: str) -> dict[int, str]:
    """pid → command line of the running processes whose command line contains `marker`."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if marker in command:
                found[int(entry.name)] = command
    return found


def test_make_run_uses_serve_sh():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "config/serve.sh $(DEV_INI)" in run_recipe


def test_serve_starts_the_harvest_processes_and_stops_them(request, tmp_path):
    ini = tmp_path / "serve.ini"  # a copy, so the processes can be told apart from others
    ini.write_text(Path(request.config.option.ckan_ini).resolve().read_text(encoding="utf-8"), encoding="utf-8")
    port = _free_port()
    script = subprocess.Popen([str(REPO / "config" / "serve.sh"), str(ini), "127.0.0.1", str(port)],
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env={**os.environ, "HARVEST_RUN_INTERVAL": "2", "SERVE_LOG_DIR": str(tmp_path / "log")})
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/3/action/status_show", timeout=5) as answer:
                    assert answer.status == 200
                break
            except OSError:
                if time.monotonic() > deadline or script.poll() is not None:
                    pytest.fail("the portal did not answer")
                time.sleep(1)
        commands = " | ".join(_processes_with(str(ini)).values())
        for expected in ("harvester gather-consumer", "harvester fetch-consumer", "jobs worker",
                         f"run --host 127.0.0.1 --port {port}"):
            assert expected in commands
        deadline = time.monotonic() + 60
        while f"-c {ini} harvester run" not in commands:  # the runner's `ckan harvester run`
            assert time.monotonic() < deadline, "the harvest runner never ran `ckan harvester run`"
            time.sleep(0.3)
            commands = " | ".join(_processes_with(str(ini)).values())
    finally:
        script.send_signal(signal.SIGTERM)
        output = script.communicate(timeout=30)[0].decode()
    assert "stopping" in output
    deadline = time.monotonic() + 15
    while _processes_with(str(ini)):
        assert time.monotonic() < deadline, f"still running: {_processes_with(str(ini))}"
        time.sleep(0.5)


def _wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.3)
    return found


def test_a_consumer_that_dies_is_restarted_and_why_is_logged(request, tmp_path):
    ini = tmp_path / "serve.ini"  # a copy, so the processes can be told apart from others
    ini.write_text(Path(request.config.option.ckan_ini).resolve().read_text(encoding="utf-8"), encoding="utf-8")
    logs, terminal = tmp_path / "log", tmp_path / "terminal.txt"
    gather_log = logs / "harvest-gather.log"
    started = re.compile(r"^\S+\+08:00 harvest-gather pid (\d+) started$", re.M)
    with terminal.open("wb") as output:
        script = subprocess.Popen([str(REPO / "config" / "serve.sh"), str(ini), "127.0.0.1", str(_free_port())],
                                  cwd=REPO, stdout=output, stderr=subprocess.STDOUT,
                                  env={**os.environ, "SERVE_LOG_DIR": str(logs), "HARVEST_RUN_INTERVAL": "600"})
    try:
        log_text = lambda: gather_log.read_text(encoding="utf-8") if gather_log.exists() else ""  # noqa: E731
        first = int(_wait_for(lambda: started.search(log_text()), 60, "the gather consumer")[1])
        assert "harvester gather-consumer" in _processes_with(str(ini))[first]
        time.sleep(3)  # let it load CKAN and listen on its queue
        os.kill(first, signal.SIGKILL)
        pids = _wait_for(lambda: [int(pid) for pid in started.findall(log_text())][1:], 30, "a restart")
        second = pids[0]
        assert second != first
        reason = f"harvest-gather pid {first} was killed by signal 9 (SIGKILL) after "
        assert reason in log_text()
        assert f"; restarting it in 1 s\n" in log_text()
        assert reason in terminal.read_text(encoding="utf-8")  # said on the terminal too
        time.sleep(5)
        assert "harvester gather-consumer" in _processes_with(str(ini)).get(second, ""), "the new consumer died"
    finally:
        script.send_signal(signal.SIGTERM)
        script.wait(timeout=30)
        deadline = time.monotonic() + 15
        while left := _processes_with(str(ini)):
            if time.monotonic() > deadline:
                for pid in left:
                    os.kill(pid, signal.SIGKILL)
                pytest.fail(f"still running after serve.sh stopped: {left}")
            time.sleep(0.5)
    assert "stopping" in terminal.read_text(encoding="utf-8")
    assert len(started.findall(gather_log.read_text(encoding="utf-8"))) == 2  # not restarted on stop
