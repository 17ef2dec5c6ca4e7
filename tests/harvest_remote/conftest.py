"""Remote catalogs for the datong_ckan and datong_dcat tests: a second CKAN process (our
extension, embedded search) on its own databases and port, and a local HTTP server for
DCAT feeds; plus running a harvest job in-process."""
from __future__ import annotations

import http.server
import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
from ckan import model
from ckan.tests import helpers
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestJob
from ckanext.harvest.tests.lib import run_harvest_job

REPO = Path(__file__).resolve().parents[2]
CKAN = str(Path(sys.executable).with_name("ckan"))
REMOTE_ADMIN = "remote_admin"
HAS_CJK = re.compile(r"[\u4e00-\u9fff]")

# Run inside the remote site's configuration: empty its catalog, make sure its sysadmin
# exists and print a fresh API token for it.
PREPARE_REMOTE = """
import sys
from ckan import model
from ckan.cli import load_config
from ckan.config.middleware import make_app
import ckan.plugins.toolkit as tk

app = make_app(load_config(sys.argv[1]))
with app._wsgi_app.test_request_context():
    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    context = lambda: {"user": site, "ignore_auth": True}
    for (package_id,) in model.Session.query(model.Package.id).filter(model.Package.type == "dataset"):
        tk.get_action("dataset_purge")(context(), {"id": package_id})
    for (group_id, is_org) in model.Session.query(model.Group.id, model.Group.is_organization):
        tk.get_action("organization_purge" if is_org else "group_purge")(context(), {"id": group_id})
    if model.User.get(sys.argv[2]) is None:
        tk.get_action("user_create")(context(), {"name": sys.argv[2], "email": sys.argv[2] + "@example.com",
                                                 "password": "remote-admin-password", "sysadmin": True})
    print(tk.get_action("api_token_create")(context(), {"user": sys.argv[2], "name": "harvest-test"})["token"])
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def remote_ini(local_ini: Path, target: Path, port: int) -> Path:
    """The local test ini with databases suffixed _remote, Redis db + 2, its own site id,
    storage path and site URL."""
    text = local_ini.read_text(encoding="utf-8")

    def database(match: re.Match) -> str:
        return f"{match.group(1)}{match.group(2)}_remote"

    text = re.sub(r"^((?:sqlalchemy\.url|ckan\.datastore\.(?:write|read)_url)\s*=\s*\S+/)(\w+)\s*$",
                  database, text, flags=re.M)
    text = re.sub(r"^(ckan\.redis\.url\s*=\s*\S+/)(\d+)\s*$",
                  lambda m: f"{m.group(1)}{(int(m.group(2)) + 2) % 16}", text, flags=re.M)
    text = re.sub(r"^(ckan\.site_id\s*=\s*)(\S+)\s*$", r"\1\2_remote", text, flags=re.M)
    text = re.sub(r"^(ckan\.storage_path\s*=\s*)(\S+)\s*$", r"\1\2/remote", text, flags=re.M)
    text = re.sub(r"^(ckan\.site_url\s*=\s*).*$", rf"\g<1>http://127.0.0.1:{port}", text, flags=re.M)
    # the remote runs the catalog, not the harvesters
    text = re.sub(r"^(ckan\.plugins\s*=.*)$",
                  lambda m: re.sub(r" datong_(ckan|dcat|table|json)\b", "", m.group(1)), text, flags=re.M)
    target.write_text(text, encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def remote_ckan(request, tmp_path_factory) -> Iterator[SimpleNamespace]:
    """A second CKAN with our extension on 127.0.0.1, its catalog emptied, and a sysadmin
    token; stopped at the end of the session."""
    local_ini = Path(request.config.getoption("ckan_ini")).resolve()
    port = free_port()
    ini = remote_ini(local_ini, tmp_path_factory.mktemp("remote") / "remote.ini", port)
    setup = subprocess.run([str(REPO / "config" / "setup.sh"), "database", str(ini)], cwd=REPO,
                           capture_output=True, text=True)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    prepared = subprocess.run([sys.executable, "-c", PREPARE_REMOTE, str(ini), REMOTE_ADMIN], cwd=REPO,
                              capture_output=True, text=True)
    assert prepared.returncode == 0, prepared.stderr[-3000:]
    token = prepared.stdout.strip().splitlines()[-1]
    log = open(ini.with_suffix(".log"), "wb")
    server = subprocess.Popen([CKAN, "-c", str(ini), "run", "-H", "127.0.0.1", "-p", str(port),
                               "--disable-reloader", "--threaded"], cwd=REPO, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/3/action/status_show", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, ini.with_suffix(".log").read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the remote CKAN did not start within 90 s"
            time.sleep(0.5)
        yield SimpleNamespace(url=url, token=token, ini=ini)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


class FeedHandler(http.server.BaseHTTPRequestHandler):
    """Answers GET with the document registered for the path (404 otherwise)."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body, content_type = self.server.documents.get(self.path, (None, None))
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def feed_server() -> Iterator[SimpleNamespace]:
    """A local HTTP server; set `documents[path] = (bytes, content type)` to publish a feed."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    server.documents = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", documents=server.documents)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def site_context() -> dict[str, Any]:
    return {"user": helpers.call_action("get_site_user", context={"ignore_auth": True})["name"],
            "ignore_auth": True}


def create_source(owner_org: str, source_type: str, url: str, config: dict[str, Any], name: str) -> dict[str, Any]:
    return helpers.call_action("harvest_source_create", context=site_context(), name=name, title=name,
                               url=url, source_type=source_type, owner_org=owner_org,
                               frequency="MANUAL", config=json.dumps(config, ensure_ascii=False))


def run_job(source: dict[str, Any]) -> dict[str, Any]:
    """Run one harvest job of `source` in this process (gather, fetch, import); the job's
    harvest_job_show dict, with its stats and gather errors."""
    job = helpers.call_action("harvest_job_create", context=site_context(), source_id=source["id"])
    run_harvest_job(HarvestJob.get(job["id"]), queue.get_harvester(source["source_type"]))
    model.Session.remove()
    return helpers.call_action("harvest_job_show", context=site_context(), id=job["id"])


def object_errors(job_id: str) -> list[str]:
    """The messages of every object error of a job."""
    from ckanext.harvest.model import HarvestObject, HarvestObjectError

    rows = (model.Session.query(HarvestObjectError.message)
            .join(HarvestObject, HarvestObject.id == HarvestObjectError.harvest_object_id)
            .filter(HarvestObject.harvest_job_id == job_id))
    return [message for (message,) in rows]


def source_datasets(source_id: str) -> list[dict[str, Any]]:
    """Every active dataset (private ones included) a source has harvested."""
    from ckanext.harvest.model import HarvestObject

    ids = {package_id for (package_id,) in model.Session.query(HarvestObject.package_id).filter(
        HarvestObject.harvest_source_id == source_id, HarvestObject.package_id.isnot(None))}
    shown = [helpers.call_action("package_show", context=site_context(), id=package_id) for package_id in ids]
    return [dataset for dataset in shown if dataset["state"] == "active"]
