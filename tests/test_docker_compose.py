"""The production stack in docker/, resolved by Docker Compose itself: `docker compose config`
with docker/env.example filled in must succeed, and the resolved stack must run every service,
the CKAN services from the image built from this repository, with health checks on what they
wait for. Skipped where the compose plugin is missing. Beside it, the production
configuration the CKAN containers read is checked against the stack and the tests' plugins."""
from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCKER = REPO / "docker"
CKAN_SERVICES = {"ckan", "harvest_gather", "harvest_fetch", "worker", "harvest_run"}
COMMANDS = {"ckan": None,  # the image's CMD: gunicorn
            "harvest_gather": ["ckan", "harvester", "gather-consumer"],
            "harvest_fetch": ["ckan", "harvester", "fetch-consumer"],
            "worker": ["ckan", "jobs", "worker"]}
PINNED_IMAGES = {"postgres": ("postgres", 15), "redis": ("redis", 7), "solr": ("solr", 9)}
HEALTH_CHECKED = {"ckan", "postgres", "redis", "solr"}
EMPTY_SETTING = re.compile(r"^(\w+)=$", re.M)
DOCKER_ENVIRONMENT = ("PATH", "HOME", "DOCKER_CONFIG", "DOCKER_HOST", "DOCKER_CONTEXT")
"""What the docker CLI and its plugins need from this environment; nothing else reaches
the interpolation of compose.yml."""


def _compose() -> list[str]:
    """The compose command, or a skip saying why there is none."""
    if shutil.which("docker") is None:
        pytest.skip("docker is not installed")
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
    if probe.returncode != 0:
        reason = (probe.stderr or probe.stdout).strip().splitlines()[0]
        pytest.skip(f"`docker compose` is not available (no compose plugin): {reason}")
    return ["docker", "compose"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The stack as `docker compose config` resolves it with docker/env.example, every
    setting it leaves empty given an example value, as the only variables (neither this
    environment nor a docker/.env): a required variable missing from it fails."""
    command = _compose()
    example = (DOCKER / "env.example").read_text(encoding="utf-8")
    env_file = tmp_path_factory.mktemp("compose") / "env"
    env_file.write_text(EMPTY_SETTING.sub(lambda m: f"{m[1]}=example-{m[1].lower()}", example), encoding="utf-8")
    environment = {name: os.environ[name] for name in DOCKER_ENVIRONMENT if name in os.environ}
    resolved = subprocess.run(
        [*command, "-f", str(DOCKER / "compose.yml"), "--env-file", str(env_file), "config", "--format", "json"],
        capture_output=True, text=True, env=environment, cwd=REPO)
    assert resolved.returncode == 0, resolved.stderr
    return json.loads(resolved.stdout)


def _production_ini() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(DOCKER / "production.ini", encoding="utf-8")
    return parser["app:main"]


def test_every_service_is_there(stack):
    assert set(stack["services"]) == CKAN_SERVICES | set(PINNED_IMAGES)


@pytest.mark.parametrize("service", sorted(PINNED_IMAGES))
def test_images_are_pinned_to_a_major_version(stack, service):
    name, major = PINNED_IMAGES[service]
    image_name, _, tag = stack["services"][service]["image"].partition(":")
    assert image_name == name
    assert re.fullmatch(rf"{major}(\.\d+)*(-[\w.]+)?", tag), tag


def test_ckan_services_run_the_image_built_from_the_repository(stack):
    services = stack["services"]
    assert {name for name, service in services.items() if "build" in service} == CKAN_SERVICES
    images = {services[name]["image"] for name in CKAN_SERVICES}
    assert len(images) == 1, images  # built once, run by all
    for name in CKAN_SERVICES:
        build = services[name]["build"]
        assert Path(build["context"]) == REPO, name
        assert (REPO / build["dockerfile"]) == DOCKER / "Dockerfile", name
    for name, command in COMMANDS.items():
        assert services[name]["command"] == command, name
    harvest_run = " ".join(services["harvest_run"]["command"])
    assert "ckan harvester run" in harvest_run and "sleep 300" in harvest_run


def test_ckan_services_provide_what_the_production_ini_reads(stack):
    wanted = set(re.findall(r"%\((CKAN_\w+)\)s", " ".join(_production_ini().values())))
    assert wanted
    for name in CKAN_SERVICES:
        assert wanted <= set(stack["services"][name]["environment"]), name


def test_health_checks_and_what_waits_for_them(stack):
    services = stack["services"]
    for name in HEALTH_CHECKED:
        test = services[name]["healthcheck"]["test"]
        assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, name
    for name, service in services.items():
        for dependency, options in service.get("depends_on", {}).items():
            if options["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{name} -> {dependency}"
    for name in CKAN_SERVICES:
        assert set(services[name]["depends_on"]) == {"postgres", "redis", "solr"}, name


def test_only_ckan_is_published_on_the_loopback_interface(stack):
    published = {name: service["ports"] for name, service in stack["services"].items() if service.get("ports")}
    assert set(published) == {"ckan"}
    assert [(port["host_ip"], port["target"]) for port in published["ckan"]] == [("127.0.0.1", 5000)]


def test_bind_mounts_exist(stack):
    binds = [(name, Path(volume["source"])) for name, service in stack["services"].items()
             for volume in service.get("volumes", []) if volume["type"] == "bind"]
    assert binds
    for name, source in binds:
        assert source.exists(), f"{name}: {source}"


def test_solr_runs_the_repository_configset(stack):
    solr = stack["services"]["solr"]
    assert "analysis-extras" in solr["environment"]["SOLR_MODULES"].split(",")
    [configset] = [volume for volume in solr["volumes"] if volume["type"] == "bind"]
    assert Path(configset["source"]) == REPO / "config" / "solr" and configset["read_only"]


def test_database_urls_name_what_postgres_init_creates(stack):
    script = (DOCKER / "postgres-init.sh").read_text(encoding="utf-8")
    created = {(role, database) for role in re.findall(r"CREATE ROLE (\w+)", script)
               for database in re.findall(r"CREATE DATABASE (\w+)", script)}
    environment = stack["services"]["ckan"]["environment"]
    for key in ("CKAN_SQLALCHEMY_URL", "CKAN_DATASTORE_WRITE_URL", "CKAN_DATASTORE_READ_URL"):
        url = urlsplit(environment[key])
        assert url.hostname == "postgres" and (url.username, url.path.lstrip("/")) in created, key


def test_production_ini_uses_solr_and_the_portal_plugins():
    app = _production_ini()
    assert app["ckanext.datong.search.backend"] == "solr"
    plugins = app["ckan.plugins"].split()
    harvesters = [name for name in plugins if name.startswith("datong_")]
    assert [name for name in plugins if name not in harvesters] == [
        "activity", "datastore", "datong", "scheming_datasets", "scheming_organizations", "harvest", "dcat",
        "image_view", "audio_view", "video_view"]
    assert harvesters and all(plugins.index(name) > plugins.index("harvest") for name in harvesters)
    test_plugins = configparser.ConfigParser(interpolation=None)
    test_plugins.read(REPO / "config" / "test.ini", encoding="utf-8")
    assert plugins == test_plugins["app:main"]["ckan.plugins"].split()  # what the tests run
    assert app["ckan.locale_default"] == "zh_Hans_CN"
    assert app["ckan.locales_offered"].split() == ["zh_Hans_CN", "en"]
