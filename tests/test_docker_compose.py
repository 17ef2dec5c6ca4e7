"""The production stack in docker/, checked statically (no Docker engine runs here): the compose
file, the image it builds and the configuration the CKAN containers read agree with each other
and with the repository."""
from __future__ import annotations

import ast
import configparser
import os
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DOCKER = REPO / "docker"
COMPOSE = yaml.safe_load((DOCKER / "compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
CKAN_SERVICES = {"ckan", "harvest_gather", "harvest_fetch", "worker", "harvest_run"}
PINNED_IMAGES = {"postgres": ("postgres", 15), "redis": ("redis", 7), "solr": ("solr", 9)}
HEALTH_PROBES = {"ckan": "/api/3/action/status_show", "postgres": "pg_isready",
                 "redis": "redis-cli", "solr": "/solr/ckan/admin/ping"}
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


def _command(service: str) -> str:
    command = SERVICES[service].get("command", "")
    return command if isinstance(command, str) else " ".join(command)


def _environment(service: str) -> dict[str, str]:
    env = SERVICES[service].get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (DOCKER / "Dockerfile").read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def _production_ini() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(DOCKER / "production.ini", encoding="utf-8")
    return parser


def test_expected_services_exist():
    assert CKAN_SERVICES | set(PINNED_IMAGES) <= set(SERVICES)


@pytest.mark.parametrize("service", sorted(PINNED_IMAGES))
def test_images_are_pinned_to_a_major_version(service):
    name, major = PINNED_IMAGES[service]
    image_name, _, tag = SERVICES[service]["image"].partition(":")
    assert image_name == name
    assert re.fullmatch(rf"{major}(\.\d+)*(-[\w.]+)?", tag), tag


def test_ckan_services_are_built_from_the_repository():
    built = {name for name, service in SERVICES.items() if "build" in service}
    assert built == CKAN_SERVICES
    for name in built:
        build = SERVICES[name]["build"]
        assert build == {"context": "..", "dockerfile": "docker/Dockerfile"}, name
        assert (DOCKER / build["context"] / build["dockerfile"]).resolve().is_file()


def test_ckan_services_run_the_web_app_and_the_workers():
    assert "gather-consumer" in _command("harvest_gather")
    assert "fetch-consumer" in _command("harvest_fetch")
    assert "jobs worker" in _command("worker")
    assert "harvester run" in _command("harvest_run") and "sleep" in _command("harvest_run")
    assert "command" not in SERVICES["ckan"]  # the image's CMD: gunicorn
    cmd = dict(_dockerfile())["CMD"]
    assert "gunicorn" in cmd and "wsgi:application" in cmd and "0.0.0.0:5000" in cmd
    wsgi = ast.parse((DOCKER / "wsgi.py").read_text(encoding="utf-8"))
    assigned = {t.id for node in wsgi.body if isinstance(node, ast.Assign) for t in node.targets}
    assert "application" in assigned


def _published(port) -> tuple[str | None, str]:
    """(host address or None, container port) of a compose port entry."""
    if isinstance(port, dict):
        return port.get("host_ip"), str(port["target"])
    parts = str(port).split("/")[0].rsplit(":", 2)
    return (parts[0] if len(parts) == 3 else None), parts[-1]


def test_only_ckan_is_published_and_databases_stay_local():
    assert "5000" in {target for _, target in map(_published, SERVICES["ckan"]["ports"])}
    for name, service in SERVICES.items():
        if name != "ckan":
            for host_ip, _ in map(_published, service.get("ports", [])):
                assert host_ip == "127.0.0.1", name


def test_mounts_exist():
    declared = set(COMPOSE.get("volumes", {}))
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (DOCKER / source).exists(), f"{name}: {source}"
            else:
                assert source in declared, f"{name}: undeclared volume {source}"
    assert {"postgres_data", "solr_data", "ckan_storage"} <= declared


def test_dependencies_exist_and_are_health_checked():
    for name, service in SERVICES.items():
        depends_on = service.get("depends_on", {})
        if isinstance(depends_on, list):
            depends_on = {dependency: {} for dependency in depends_on}
        for dependency, options in depends_on.items():
            assert dependency in SERVICES, f"{name} -> {dependency}"
            if options.get("condition") == "service_healthy":
                assert "healthcheck" in SERVICES[dependency], f"{name} -> {dependency}"
    for name in CKAN_SERVICES:
        assert set(SERVICES[name]["depends_on"]) == {"postgres", "redis", "solr"}


@pytest.mark.parametrize("service", sorted(HEALTH_PROBES))
def test_health_checks(service):
    test = SERVICES[service]["healthcheck"]["test"]
    assert HEALTH_PROBES[service] in (test if isinstance(test, str) else " ".join(test))


def test_solr_loads_the_repository_configset_with_analysis_extras():
    solr = SERVICES["solr"]
    assert "analysis-extras" in _environment("solr")["SOLR_MODULES"].split(",")
    mounts = dict(v.split(":")[:2] for v in solr["volumes"] if v.startswith("."))
    [target] = [t for s, t in mounts.items() if (DOCKER / s).resolve() == REPO / "config" / "solr"]
    configset = target.removesuffix("/conf")
    assert target == configset + "/conf"  # the configset directory holds conf/
    assert f"precreate-core ckan {configset}" in _command("solr")
    assert urlsplit(_environment("ckan")["CKAN_SOLR_URL"]).path == "/solr/ckan"


def test_containers_read_the_production_ini():
    instructions = _dockerfile()
    copies = [args for op, args in instructions if op == "COPY"]
    assert any("docker/production.ini" in args and "/etc/ckan/" in args for args in copies)
    env = " ".join(args for op, args in instructions if op == "ENV")
    assert "CKAN_INI=/etc/ckan/production.ini" in env


def test_production_ini_uses_solr_and_the_portal_plugins():
    app = _production_ini()["app:main"]
    assert app["ckanext.datong.search.backend"] == "solr"
    plugins = app["ckan.plugins"].split()
    harvesters = [name for name in plugins if name.startswith("datong_")]
    assert [name for name in plugins if name not in harvesters] == [
        "activity", "datastore", "datong", "scheming_datasets", "scheming_organizations", "harvest", "dcat"]
    assert harvesters and all(plugins.index(name) > plugins.index("harvest") for name in harvesters)
    test_plugins = configparser.ConfigParser(interpolation=None)
    test_plugins.read(REPO / "config" / "test.ini", encoding="utf-8")
    assert plugins == test_plugins["app:main"]["ckan.plugins"].split()  # what the tests run
    assert app["ckan.locale_default"] == "zh_Hans_CN"
    assert app["ckan.locales_offered"].split() == ["zh_Hans_CN", "en"]


def test_every_interpolated_setting_is_provided_by_compose():
    values = " ".join(_production_ini()["app:main"].values())
    wanted = set(re.findall(r"%\((CKAN_\w+)\)s", values))
    assert wanted
    for name in CKAN_SERVICES:
        assert wanted <= set(_environment(name)), name


def test_required_variables_are_documented_in_env_example():
    required = set(re.findall(r"\$\{(\w+):\?", (DOCKER / "compose.yml").read_text()))
    example = (DOCKER / "env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*(\w+)=", example, flags=re.M))
    assert required and required <= documented


def test_database_urls_match_what_postgres_init_creates():
    script = (DOCKER / "postgres-init.sh").read_text(encoding="utf-8")
    roles = set(re.findall(r"CREATE ROLE (\w+)", script))
    databases = set(re.findall(r"CREATE DATABASE (\w+)", script))
    env = _environment("ckan")
    for key in ("CKAN_SQLALCHEMY_URL", "CKAN_DATASTORE_WRITE_URL", "CKAN_DATASTORE_READ_URL"):
        url = urlsplit(INTERPOLATION.sub("secret", env[key]))
        assert (url.hostname, url.username, url.path.lstrip("/")) in {
            ("postgres", role, db) for role in roles for db in databases}, key
    assert set(re.findall(r"\$(\w+)", script)) - {"POSTGRES_USER"} <= set(_environment("postgres"))
    assert os.access(DOCKER / "postgres-init.sh", os.X_OK)
    assert "./postgres-init.sh" in " ".join(SERVICES["postgres"]["volumes"])


def _setup_py_package_dirs() -> set[str]:
    tree = ast.parse((REPO / "setup.py").read_text(encoding="utf-8"))
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call)
                and getattr(n.func, "id", None) == "setup")
    package_dir = next(k.value for k in call.keywords if k.arg == "package_dir")
    return set(ast.literal_eval(package_dir).values())


def test_dockerfile_pip_installs_the_repository():
    instructions = _dockerfile()
    copied = {}
    for op, args in instructions:
        if op == "COPY" and not args.startswith("--from"):
            *sources, destination = shlex.split(args)
            for source in sources:
                assert (REPO / source).exists(), source
                copied[source] = destination
    assert _setup_py_package_dirs() | {"setup.py"} <= set(copied)
    project = copied["setup.py"].rstrip("/")
    installs = [args for op, args in instructions if op == "RUN" and "pip install" in args]
    assert any(project in shlex.split(args) for args in installs)
    assert any(re.search(r"gunicorn==[\d.]+", args) for args in installs)
    assert instructions[0] == ("FROM", "python:3.11-slim-bookworm AS build")
