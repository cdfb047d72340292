"""The container deployment: Dockerfile, docker-compose.yml and production settings.

The compose and Dockerfile tests only read files. The settings tests start a
fresh interpreter with a controlled environment, because production settings
read the environment once, at import.
"""

import ast
import json
import os
import re
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SETTINGS_DIR = PROJECT_ROOT / "peerlink" / "settings"
COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
DOCKERIGNORE = PROJECT_ROOT / ".dockerignore"
PRODUCTION = "peerlink.settings.production"

APP_SERVICES = ("web", "worker", "beat")
BACKING_SERVICES = ("db", "redis")

# env("NAME"), env.str("NAME", ...), env.db_url(\n "NAME", ...): the first
# argument of a call on the Env instance, which may sit on the next line.
ENV_CALL = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']""")


def settings_environment_variables() -> set[str]:
    """Every environment variable some settings module reads."""
    names = {"DJANGO_SETTINGS_MODULE"}
    for path in sorted(SETTINGS_DIR.glob("*.py")):
        source = path.read_text()
        names.update(ENV_CALL.findall(source))
        # The keys of a scheme, Env(NAME=(cast, default)), are variables too.
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called == "Env":
                    names.update(keyword.arg for keyword in node.keywords if keyword.arg)
    return names


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def app_services(compose: dict) -> dict[str, dict]:
    """The services that run the PeerLink image (web, worker, beat, migrate...)."""
    return {
        name: service
        for name, service in compose["services"].items()
        if "build" in service or "peerlink" in str(service.get("image", ""))
    }


def environment_names(service: dict) -> set[str]:
    environment = service.get("environment") or {}
    if isinstance(environment, dict):
        return set(environment)
    return {entry.split("=", 1)[0] for entry in environment}


def dependencies(service: dict) -> dict[str, dict]:
    depends_on = service.get("depends_on") or {}
    if isinstance(depends_on, list):
        # The short form waits only for the container to start.
        return {name: {"condition": "service_started"} for name in depends_on}
    return depends_on


def named_volume_sources(service: dict) -> list[tuple[str, str]]:
    """(source, target) of each volume, skipping bind mounts of host paths."""
    mounts = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            if volume.get("type", "volume") == "volume" and volume.get("source"):
                mounts.append((volume["source"], volume["target"]))
        else:
            source, _, rest = volume.partition(":")
            if rest and not source.startswith(("/", ".", "~", "$")):
                mounts.append((source, rest.split(":", 1)[0]))
    return mounts


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined."""
    instructions = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def dockerfile_command() -> list[str]:
    commands = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "CMD"]
    assert commands, "the Dockerfile has no CMD"
    command = commands[-1]
    return json.loads(command) if command.startswith("[") else command.split()


# --- docker-compose.yml -----------------------------------------------------


def test_the_settings_scanner_finds_the_variables_production_depends_on():
    names = settings_environment_variables()

    assert {
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "CACHE_URL",
        "EMAIL_URL",
        "DJANGO_SECURE_SSL_REDIRECT",
    } <= names


def test_compose_passes_the_app_only_variables_the_settings_read():
    known = settings_environment_variables()
    services = app_services(load_compose())

    assert set(APP_SERVICES) <= set(services)
    for name, service in services.items():
        unknown = environment_names(service) - known
        assert not unknown, f"{name} is given variables no settings module reads: {unknown}"


def test_compose_runs_every_app_service_with_production_settings_and_a_required_secret_key():
    for name, service in app_services(load_compose()).items():
        environment = service["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == PRODUCTION, name
        # ${VAR:?message} makes compose refuse to start without it: no default key.
        assert ":?" in environment["DJANGO_SECRET_KEY"], name


def test_compose_defines_web_worker_beat_db_and_redis_each_with_a_healthcheck():
    services = load_compose()["services"]

    for name in APP_SERVICES + BACKING_SERVICES:
        assert name in services, f"no {name} service"
        healthcheck = services[name].get("healthcheck")
        assert healthcheck and healthcheck.get("test"), f"{name} has no healthcheck"
        assert not healthcheck.get("disable"), f"{name} disables its healthcheck"


def test_compose_web_serves_gunicorn_either_from_the_image_or_explicitly():
    web = load_compose()["services"]["web"]

    assert "gunicorn" in str(web.get("command", "gunicorn"))


def test_compose_services_wait_for_db_and_redis_to_be_healthy():
    services = load_compose()["services"]

    for name in APP_SERVICES:
        assert set(BACKING_SERVICES) <= set(dependencies(services[name])), name
    for name, service in services.items():
        for dependency, options in dependencies(service).items():
            if dependency in BACKING_SERVICES:
                assert options.get("condition") == "service_healthy", (
                    f"{name} starts without waiting for {dependency} to be healthy"
                )


def test_compose_migrates_before_web_worker_and_beat_start():
    compose = load_compose()
    services = compose["services"]
    one_shots = {
        name
        for name, service in app_services(compose).items()
        if "migrate" in str(service.get("command", ""))
    }

    if not one_shots:
        assert "migrate" in str(services["web"].get("command", "")), "nothing runs migrate"
        return
    for name in APP_SERVICES:
        waits_for = {
            dependency
            for dependency, options in dependencies(services[name]).items()
            if options.get("condition") == "service_completed_successfully"
        }
        assert waits_for & one_shots, f"{name} may start before migrations have run"


def test_compose_keeps_db_and_redis_data_in_declared_named_volumes():
    compose = load_compose()
    declared = set(compose.get("volumes") or {})
    expected_targets = {"db": "/var/lib/postgresql/data", "redis": "/data"}

    for name, target in expected_targets.items():
        mounts = named_volume_sources(compose["services"][name])
        assert any(mount_target == target for _, mount_target in mounts), (
            f"{name} keeps {target} in no named volume"
        )
        for source, _ in mounts:
            assert source in declared, f"volume {source} of {name} is not declared at top level"


def test_compose_redis_persists_with_an_append_only_file():
    command = load_compose()["services"]["redis"].get("command")

    assert "appendonly" in str(command) and "yes" in str(command)


# --- Dockerfile -------------------------------------------------------------


def test_dockerfile_runs_gunicorn_serving_peerlink_wsgi():
    command = dockerfile_command()

    assert command[0] == "gunicorn"
    assert "peerlink.wsgi:application" in command
    assert "0.0.0.0:8000" in " ".join(command)


def test_dockerfile_starts_each_web_worker_with_the_mentor_cards_read():
    command = dockerfile_command()

    assert command[command.index("--config") + 1] == "python:peerlink.gunicorn_config"


def test_dockerfile_runs_the_app_as_a_non_root_user():
    users = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "USER"]

    assert users, "the Dockerfile never switches user"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_copies_the_templates_and_static_directories_the_settings_read():
    copied = set()
    for keyword, arguments in dockerfile_instructions():
        if keyword == "COPY":
            *sources, _destination = [
                word for word in arguments.split() if not word.startswith("--")
            ]
            copied.update(source.strip("./") for source in sources)

    assert {"templates", "static", "manage.py", "peerlink"} <= copied


def project_apps() -> set[str]:
    """The project's own packages among INSTALLED_APPS (those with a folder here)."""
    from django.conf import settings

    return {
        app.split(".")[0]
        for app in settings.INSTALLED_APPS
        if (PROJECT_ROOT / app.split(".")[0]).is_dir()
    }


def test_the_image_and_the_package_hold_every_app_the_settings_install():
    copied = set()
    for keyword, arguments in dockerfile_instructions():
        if keyword == "COPY":
            copied.update(word.strip("./") for word in arguments.split()[:-1])
    with open(PROJECT_ROOT / "pyproject.toml", "rb") as file:
        packaged = tomllib.load(file)["tool"]["setuptools"]["packages"]["find"]["include"]

    apps = project_apps()
    assert {"members", "matching", "checkins"} <= apps
    apps.add("peerlink")  # settings, URLs, Celery
    assert apps <= copied, f"the Dockerfile does not copy {sorted(apps - copied)}"
    assert apps <= {pattern.rstrip("*") for pattern in packaged}


def test_dockerfile_collects_static_files_with_production_settings():
    instructions = dockerfile_instructions()
    text = " ".join(arguments for _, arguments in instructions)

    assert "collectstatic" in text
    assert f"DJANGO_SETTINGS_MODULE={PRODUCTION}" in text


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    patterns = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }

    assert {".venv", "var", ".git", ".env"} <= patterns


# --- Production settings ------------------------------------------------------


def dotenv_names() -> set[str]:
    """Variables the project's .env file sets; the settings load it at import."""
    dotenv = PROJECT_ROOT / ".env"
    if not dotenv.exists():
        return set()
    return set(re.findall(r"^\s*(?:export\s+)?([A-Za-z_]\w*)\s*=", dotenv.read_text(), re.M))


def production_environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """This process's environment minus every variable the settings read, plus `variables`."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in settings_environment_variables()
    }
    environment.update(
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        PEERLINK_VAR_DIR=str(tmp_path / "var"),
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )
    environment.update(variables)
    return environment


def run_python(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *arguments],
        env=environment,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def start_django(environment: dict[str, str]) -> subprocess.CompletedProcess:
    return run_python(
        environment, "-c", "import django; from django.conf import settings; django.setup()"
    )


def error_message(result: subprocess.CompletedProcess) -> str:
    """The exception's own line, not the traceback, whose quoted source names variables too."""
    lines = result.stderr.strip().splitlines()
    return lines[-1] if lines else ""


def valid_production_variables() -> dict[str, str]:
    return {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "peerlink.example.org",
    }


def test_production_settings_start_with_a_secret_key_and_allowed_hosts(tmp_path):
    result = start_django(production_environment(tmp_path, **valid_production_variables()))

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_settings_refuse_to_start_without_a_required_variable_and_name_it(
    tmp_path, missing
):
    if missing in dotenv_names():
        pytest.skip(f"the project's .env sets {missing}, and the settings read it")
    variables = valid_production_variables()
    del variables[missing]

    result = start_django(production_environment(tmp_path, **variables))

    assert result.returncode != 0
    assert error_message(result).startswith("django.core.exceptions.ImproperlyConfigured")
    assert missing in error_message(result)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DJANGO_SECURE_HSTS_SECONDS", "abc"),
        ("DATABASE_URL", "nonsense"),
        ("PEERLINK_MINIMUM_AGE", "eighteen"),
        ("PEERLINK_CRISIS_RESOURCES", "not json"),
        ("DJANGO_ALLOWED_HOSTS", ""),
        ("DATABASE_URL", "foo://db/peerlink"),
        ("CACHE_URL", "nonsense"),
        ("EMAIL_URL", "nonsense"),
        ("DJANGO_SECURE_SSL_REDIRECT", "ture"),
        ("DJANGO_SECRET_KEY", ""),
    ],
)
def test_production_settings_refuse_a_malformed_variable_and_name_it(tmp_path, name, value):
    variables = {**valid_production_variables(), name: value}

    result = start_django(production_environment(tmp_path, **variables))

    assert result.returncode != 0
    assert name in error_message(result), result.stderr


@pytest.mark.parametrize("verification", ["optional", "none"])
def test_production_settings_refuse_sign_up_without_email_verification(tmp_path, verification):
    # Without verification allauth cannot send the same "check your email" page
    # for a new and an existing address, and sign-up would reveal membership.
    variables = {**valid_production_variables(), "PEERLINK_EMAIL_VERIFICATION": verification}

    result = start_django(production_environment(tmp_path, **variables))

    assert result.returncode != 0
    assert "PEERLINK_EMAIL_VERIFICATION" in error_message(result), result.stderr


def run_deploy_check(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess:
    if "DATABASE_URL" in dotenv_names():
        pytest.skip("the project's .env sets DATABASE_URL; this check means the SQLite fallback")
    variables = {**valid_production_variables(), **variables}
    return run_python(
        production_environment(tmp_path, **variables),
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )


def test_the_deploy_check_passes_with_only_the_secret_key_and_allowed_hosts_set(tmp_path):
    result = run_deploy_check(tmp_path)

    assert result.returncode == 0, result.stderr


# --- make run (scripts/run.sh) ------------------------------------------------

RUN_SCRIPT = PROJECT_ROOT / "scripts" / "run.sh"
# Stands in for the project's Python: records each command run.sh starts and
# plays its part (seed_demo prints logins; the web server stops after a moment).
FAKE_PYTHON = """#!/bin/sh
echo "$* | hosts=$DJANGO_ALLOWED_HOSTS | debug=$DJANGO_DEBUG" >> "$CALLS"
case "$*" in
  *seed_demo*) echo "  Staff:     staff@demo.peerlink.test / generated-$$" ;;
  *runserver*) exec sleep 3 ;;
  *celery*) exec sleep 30 ;;
esac
"""


def run_make_run(tmp_path: Path, **variables: str) -> tuple[str, list[str]]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    fake = tmp_path / "python"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    calls = tmp_path / "calls.txt"
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in settings_environment_variables() | {"HOST", "PORT", "DEBUG"}
    }
    environment.update(
        PYTHON=str(fake), CALLS=str(calls), PEERLINK_VAR_DIR=str(tmp_path / "var"), PORT="8123"
    )
    environment.update(variables)
    result = subprocess.run(
        ["bash", str(RUN_SCRIPT)], env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, calls.read_text().splitlines()


def started_command(calls: list[str], name: str) -> str:
    return next(call for call in calls if name in call)


def test_make_run_listens_on_this_machine_only_unless_host_says_otherwise(tmp_path):
    _, calls = run_make_run(tmp_path)

    runserver = started_command(calls, "runserver")
    assert "runserver 127.0.0.1:8123 " in runserver
    assert "0.0.0.0" not in runserver


def test_make_run_listens_on_the_given_host_and_django_answers_to_it(tmp_path):
    output, calls = run_make_run(tmp_path, HOST="192.0.2.7")

    runserver = started_command(calls, "runserver")
    assert "runserver 192.0.2.7:8123 " in runserver
    assert "192.0.2.7" in runserver.split(" | ")[1].removeprefix("hosts=").split(",")
    assert "http://192.0.2.7:8123/" in output


def test_make_run_shows_the_generated_demo_logins_once_and_keeps_them_private(tmp_path):
    first, _ = run_make_run(tmp_path)
    second, _ = run_make_run(tmp_path)

    logins = tmp_path / "var" / "demo-logins.txt"
    password = re.search(r"staff@demo\.peerlink\.test / (\S+)", first).group(1)
    assert password in logins.read_text()
    assert password not in second
    assert str(logins) in second
    assert (logins.stat().st_mode & 0o777) == 0o600


def test_make_run_is_out_of_debug_unless_asked(tmp_path):
    _, calls = run_make_run(tmp_path)
    _, debug_calls = run_make_run(tmp_path / "again", DEBUG="1")

    assert started_command(calls, "runserver").endswith("debug=")
    assert started_command(debug_calls, "runserver").endswith("debug=true")
