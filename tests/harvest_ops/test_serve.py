"""`make run` serves the portal through config/serve.sh: the harvest gather and fetch
consumers, the jobs worker and the periodic harvest runner run beside the web server, and
stopping the script stops them all."""
from __future__ import annotations

import os
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
                              env={**os.environ, "HARVEST_RUN_INTERVAL": "2"})
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
